import { PipelineError } from './errors';
import { ResourceGroups } from './resource-groups';
import { finish, pipelineFrom, statuses } from './test-support';

const jobId = (pipeline: ReturnType<typeof pipelineFrom>, name: string): number =>
  pipeline.jobs().filter(job => job.name === name && !job.retried)[0]!.id;

describe('retry', () => {
  it.each([
    ['retry: 2', 'script_failure', 1, 3],
    ['retry: 0', 'script_failure', 1, 1],
    ['retry: {max: 2, when: runner_system_failure}', 'script_failure', 1, 1],
    ['retry: {max: 2, when: runner_system_failure}', 'runner_system_failure', 1, 3],
    ['retry: {max: 1, when: [script_failure, api_failure]}', 'api_failure', 1, 2],
    ['retry: {max: 2, when: stuck_or_timeout_failure}', 'no_updates_running', 1, 3],
    ['retry: {max: 2, when: job_execution_timeout}', 'server_timeout_running', 1, 3],
    ['retry: {max: 2, exit_codes: [137]}', 'script_failure', 137, 3],
    ['retry: {max: 2, exit_codes: 137}', 'script_failure', 1, 1],
    ['retry: {max: 2, when: script_failure, exit_codes: [137]}', 'runner_system_failure', 137, 1],
  ])('%s with %s (exit %d) makes %d tries', (retry, reason, exitCode, tries) => {
    const pipeline = pipelineFrom(`flaky:\n  script: x\n  ${retry}\n`);
    for (let attempt = 0; attempt < 5 && pipeline.pendingJobs().length > 0; attempt += 1) {
      finish(pipeline, 'flaky', 'failed', exitCode, reason);
    }
    const jobs = pipeline.jobs();
    expect(jobs).toHaveLength(tries);
    expect(jobs.filter(job => !job.retried)).toHaveLength(1);
    expect(jobs.slice(1).map(job => job.retryOf)).toEqual(jobs.slice(0, -1).map(job => job.id));
    expect(pipeline.status()).toBe('failed');
  });

  it('does not retry a canceled job, and succeeds when a retry succeeds', () => {
    const pipeline = pipelineFrom(
      'flaky:\n  stage: build\n  script: x\n  retry: 1\nnext:\n  script: x\n',
    );
    finish(pipeline, 'flaky', 'failed', 1);
    expect(statuses(pipeline)).toEqual({ flaky: 'pending', next: 'created' });
    finish(pipeline, 'flaky', 'success');
    expect(statuses(pipeline)).toEqual({ flaky: 'success', next: 'pending' });
    pipeline.cancelJob(jobId(pipeline, 'next'));
    expect(pipeline.jobs()).toHaveLength(3);
  });

  it('retries by hand with a new id and resets skipped later jobs', () => {
    const pipeline = pipelineFrom('build:\n  stage: build\n  script: x\ntest:\n  script: x\n');
    finish(pipeline, 'build', 'failed', 1);
    expect(statuses(pipeline).test).toBe('skipped');
    const oldId = jobId(pipeline, 'build');
    const retried = pipeline.retryJob(oldId);
    expect(retried).toMatchObject({
      name: 'build',
      status: 'pending',
      retryOf: oldId,
      retryCount: 1,
    });
    expect(retried.id).toBeGreaterThan(jobId(pipeline, 'test'));
    expect(pipeline.job(oldId).retried).toBe(true);
    expect(statuses(pipeline).test).toBe('created');
    finish(pipeline, 'build', 'success');
    expect(statuses(pipeline).test).toBe('pending');
    expect(() => pipeline.retryJob(oldId)).toThrow(PipelineError);
  });

  it('keeps the failure reason GitLab knows and maps others to unknown_failure', () => {
    const pipeline = pipelineFrom('a:\n  script: x\nb:\n  script: x\n');
    finish(pipeline, 'a', 'failed', 1, 'runner_system_failure');
    finish(pipeline, 'b', 'failed', 1, 'image_pull_failure');
    expect(pipeline.jobs().map(job => [job.failureReason, job.exitCode])).toEqual([
      ['runner_system_failure', 1],
      ['unknown_failure', 1],
    ]);
  });
});

describe('resource_group', () => {
  it('runs one job of a group at a time, in order', () => {
    const pipeline = pipelineFrom(`
deploy-a:
  script: x
  resource_group: production
deploy-b:
  script: x
  resource_group: production
other:
  script: x
  resource_group: staging
`);
    expect(statuses(pipeline)).toEqual({
      'deploy-a': 'pending',
      'deploy-b': 'waiting_for_resource',
      other: 'pending',
    });
    expect(pipeline.status()).toBe('running');
    finish(pipeline, 'deploy-a', 'success');
    expect(statuses(pipeline)['deploy-b']).toBe('pending');
  });

  it('serialises jobs of different pipelines sharing the project groups', () => {
    const groups = new ResourceGroups();
    let nextId = 500;
    const shared = { resourceGroups: groups, nextJobId: () => ++nextId };
    const first = pipelineFrom(
      'deploy:\n  script: x\n  resource_group: prod-$CI_DEFAULT_BRANCH\n',
      shared,
    );
    const second = pipelineFrom(
      'deploy:\n  script: x\n  resource_group: prod-$CI_DEFAULT_BRANCH\n',
      { ...shared, pipelineId: 89 },
    );
    expect(first.jobs()[0]!.resourceGroup).toBe('prod-main');
    expect(statuses(first).deploy).toBe('pending');
    expect(statuses(second).deploy).toBe('waiting_for_resource');
    finish(first, 'deploy', 'failed', 1);
    expect(statuses(second).deploy).toBe('pending');
  });

  it('frees the group when the holder is canceled', () => {
    const pipeline = pipelineFrom(
      'a:\n  script: x\n  resource_group: r\nb:\n  script: x\n  resource_group: r\n',
    );
    pipeline.cancelJob(jobId(pipeline, 'a'));
    expect(statuses(pipeline).b).toBe('pending');
  });
});
