import {
  requestJob,
  startHarness,
  takeAndAck,
  updateJob,
  type Harness,
} from './testing/harness.test-support';

describe('retries through the CI module', () => {
  let h: Harness;
  let runnerToken: string;
  beforeEach(async () => {
    h = await startHarness();
    runnerToken = h.emulator.admin.createRunner({}).token;
  });
  afterEach(async () => h.close());

  it('queues a new job with a new token when retry rules match the failure', async () => {
    const yaml =
      'flaky:\n  retry:\n    max: 1\n    when: [runner_system_failure]\n  script: [echo]\n';
    const [firstId] = await h.pipelineYaml(yaml, ['flaky']);
    const first = await takeAndAck(h, runnerToken);
    expect(first.jobId).toBe(firstId);
    await updateJob(h.emulator, first.jobId, first.jobToken, {
      state: 'failed',
      failure_reason: 'runner_system_failure',
    });
    const second = await takeAndAck(h, runnerToken);
    expect(second.jobId).not.toBe(first.jobId);
    expect(second.jobToken).not.toBe(first.jobToken);
    await updateJob(h.emulator, second.jobId, second.jobToken, {
      state: 'failed',
      failure_reason: 'runner_system_failure',
    });
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    const pipeline = h.emulator.admin.getPipeline(h.emulator.admin.getJob(firstId!).pipelineId);
    expect(pipeline.status).toBe('failed');
    expect(pipeline.jobs.map(j => j.status)).toEqual(['failed', 'failed']);
  });

  it('does not retry a script failure the rules do not name; the admin retry does', async () => {
    const yaml =
      'flaky:\n  retry:\n    max: 2\n    when: [runner_system_failure]\n  script: [echo]\n';
    await h.pipelineYaml(yaml, ['flaky']);
    const job = await takeAndAck(h, runnerToken);
    await updateJob(h.emulator, job.jobId, job.jobToken, {
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 1,
    });
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    const retried = h.emulator.admin.retryJob(job.jobId);
    expect(retried.status).toBe('pending');
    expect((await requestJob(h.emulator, runnerToken)).json().id).toBe(retried.id);
  });
});

describe('resource groups across pipelines', () => {
  it('hands out the second pipeline’s job only after the first one’s finished', async () => {
    const h = await startHarness();
    try {
      const runnerToken = h.emulator.admin.createRunner({}).token;
      const yaml = 'deploy:\n  resource_group: production\n  script: [echo deploy]\n';
      const [first] = await h.pipelineYaml(yaml, ['deploy']);
      const [second] = await h.pipelineYaml(yaml, ['deploy']);
      const taken = await takeAndAck(h, runnerToken);
      expect(taken.jobId).toBe(first);
      const waiting = await requestJob(h.emulator, runnerToken);
      expect(waiting.status).toBe(204);
      expect(h.emulator.admin.getJob(second!).status).toBe('waiting_for_resource');
      await updateJob(h.emulator, taken.jobId, taken.jobToken, { state: 'success' });
      const next = await requestJob(
        h.emulator,
        runnerToken,
        waiting.headers.get('x-gitlab-last-update')!,
      );
      expect(next.status).toBe(201);
      expect(next.json().id).toBe(second);
    } finally {
      await h.close();
    }
  });
});
