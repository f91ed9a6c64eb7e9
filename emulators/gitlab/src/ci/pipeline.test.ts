import { PipelineError } from './errors';
import { finish, pipelineFrom, statuses } from './test-support';

const jobId = (pipeline: ReturnType<typeof pipelineFrom>, name: string): number =>
  pipeline.jobs().filter(job => job.name === name && !job.retried)[0]!.id;

describe('stage scheduling', () => {
  const yaml = `
build:
  stage: build
  script: x
test:
  stage: test
  script: x
cleanup:
  stage: deploy
  script: x
  when: always
report:
  stage: deploy
  script: x
  when: on_failure
deploy:
  stage: deploy
  script: x
`;

  it('runs on_success jobs after success and skips on_failure ones', () => {
    const pipeline = pipelineFrom(yaml);
    finish(pipeline, 'build', 'success');
    finish(pipeline, 'test', 'success');
    expect(statuses(pipeline)).toEqual({
      build: 'success',
      test: 'success',
      cleanup: 'pending',
      report: 'skipped',
      deploy: 'pending',
    });
  });

  it('skips later on_success jobs after a failure and runs on_failure and always', () => {
    const pipeline = pipelineFrom(yaml);
    finish(pipeline, 'build', 'failed', 1);
    expect(statuses(pipeline)).toEqual({
      build: 'failed',
      test: 'skipped',
      cleanup: 'pending',
      report: 'pending',
      deploy: 'skipped',
    });
    finish(pipeline, 'cleanup', 'success');
    finish(pipeline, 'report', 'success');
    expect(pipeline.status()).toBe('failed');
  });

  it('waits for a whole stage before starting the next', () => {
    const pipeline = pipelineFrom(
      'a:\n  stage: build\n  script: x\nb:\n  stage: build\n  script: x\nc:\n  script: x\n',
    );
    finish(pipeline, 'a', 'success');
    expect(statuses(pipeline).c).toBe('created');
    finish(pipeline, 'b', 'success');
    expect(statuses(pipeline).c).toBe('pending');
  });

  it('passes with warnings when an allowed failure fails', () => {
    const pipeline = pipelineFrom(
      'a:\n  stage: build\n  script: x\n  allow_failure: true\nb:\n  script: x\n',
    );
    finish(pipeline, 'a', 'failed', 1);
    expect(statuses(pipeline).b).toBe('pending');
    finish(pipeline, 'b', 'success');
    expect(pipeline.status()).toBe('success');
    expect(pipeline.hasWarnings()).toBe(true);
  });

  it.each([
    [3, true],
    [4, true],
    [1, false],
  ])('applies allow_failure:exit_codes (exit %d allowed: %s)', (exitCode, allowed) => {
    const pipeline = pipelineFrom(
      'a:\n  stage: build\n  script: x\n  allow_failure:\n    exit_codes: [3, 4]\nb:\n  script: x\n',
    );
    expect(pipeline.job(jobId(pipeline, 'a')).allowFailure).toBe(false);
    finish(pipeline, 'a', 'failed', exitCode);
    expect(pipeline.job(jobId(pipeline, 'a')).allowFailure).toBe(allowed);
    expect(statuses(pipeline).b).toBe(allowed ? 'pending' : 'skipped');
  });

  it('skips jobs after a canceled one and reports the pipeline canceled', () => {
    const pipeline = pipelineFrom('a:\n  stage: build\n  script: x\nb:\n  script: x\n');
    pipeline.cancelJob(jobId(pipeline, 'a'));
    expect(statuses(pipeline)).toEqual({ a: 'canceled', b: 'skipped' });
    expect(pipeline.status()).toBe('canceled');
  });

  it('cancels a running job gracefully: canceling until the runner reports, keeping its resource', () => {
    const pipeline = pipelineFrom(
      'a:\n  script: x\n  resource_group: r\nb:\n  script: x\n  resource_group: r\n',
    );
    const a = jobId(pipeline, 'a');
    pipeline.markRunning(a);
    pipeline.cancelJob(a, { graceful: true });
    expect(statuses(pipeline)).toEqual({ a: 'canceling', b: 'waiting_for_resource' });
    expect(pipeline.status()).toBe('canceling');
    pipeline.finishJob(a, { status: 'failed', failureReason: 'unknown_failure' });
    expect(statuses(pipeline)).toEqual({ a: 'canceled', b: 'pending' });
    expect(pipeline.job(a).failureReason).toBeUndefined();
  });

  it('forces a canceling job to canceled when canceled again', () => {
    const pipeline = pipelineFrom('a:\n  script: x\n');
    const a = jobId(pipeline, 'a');
    pipeline.markRunning(a);
    pipeline.cancelJob(a, { graceful: true });
    pipeline.cancelJob(a);
    expect(statuses(pipeline)).toEqual({ a: 'canceled' });
  });

  it('cancels every unfinished job with cancel()', () => {
    const pipeline = pipelineFrom('a:\n  stage: build\n  script: x\nb:\n  script: x\n');
    pipeline.markRunning(jobId(pipeline, 'a'));
    pipeline.cancel();
    expect(statuses(pipeline)).toEqual({ a: 'canceled', b: 'canceled' });
  });
});

describe('needs (DAG)', () => {
  it('starts a job as soon as its needs finish, across stages', () => {
    const pipeline = pipelineFrom(`
build-a:
  stage: build
  script: x
build-b:
  stage: build
  script: x
test-a:
  stage: test
  script: x
  needs: [build-a]
deploy-a:
  stage: deploy
  script: x
  needs: [test-a]
lint:
  stage: test
  script: x
  needs: []
`);
    expect(statuses(pipeline)).toMatchObject({ 'test-a': 'created', lint: 'pending' });
    finish(pipeline, 'build-a', 'success');
    expect(statuses(pipeline)).toMatchObject({
      'build-b': 'pending',
      'test-a': 'pending',
      'deploy-a': 'created',
    });
    finish(pipeline, 'test-a', 'success');
    expect(statuses(pipeline)['deploy-a']).toBe('pending');
  });

  it('skips a job whose need failed or was skipped, but runs always/on_failure ones', () => {
    const pipeline = pipelineFrom(`
build:
  stage: build
  script: x
test:
  script: x
  needs: [build]
deploy:
  stage: deploy
  script: x
  needs: [test]
notify:
  stage: deploy
  script: x
  needs: [build]
  when: on_failure
`);
    finish(pipeline, 'build', 'failed', 2);
    expect(statuses(pipeline)).toEqual({
      build: 'failed',
      test: 'skipped',
      deploy: 'skipped',
      notify: 'pending',
    });
  });

  it('allows needs within the same stage', () => {
    const pipeline = pipelineFrom('a:\n  script: x\nb:\n  script: x\n  needs: [a]\n');
    expect(statuses(pipeline)).toEqual({ a: 'pending', b: 'created' });
  });
});

describe('manual jobs', () => {
  it('does not block later stages when allowed to fail, and runs when played', () => {
    const pipeline = pipelineFrom(
      'deploy:\n  stage: build\n  script: x\n  when: manual\nafter:\n  script: x\n',
    );
    expect(statuses(pipeline)).toEqual({ deploy: 'manual', after: 'pending' });
    finish(pipeline, 'after', 'success');
    expect(pipeline.status()).toBe('success');
    pipeline.playManual(jobId(pipeline, 'deploy'));
    expect(statuses(pipeline).deploy).toBe('pending');
    const payload = pipeline.buildPayload(jobId(pipeline, 'deploy'), {
      jobToken: 't',
      runnerId: 1,
    });
    expect(payload.variables).toContainEqual({
      key: 'CI_JOB_MANUAL',
      value: 'true',
      public: true,
      masked: false,
    });
  });

  it('blocks the pipeline when allow_failure is false', () => {
    const pipeline = pipelineFrom(
      'gate:\n  stage: build\n  script: x\n  when: manual\n  allow_failure: false\nafter:\n  script: x\n',
    );
    expect(statuses(pipeline)).toEqual({ gate: 'manual', after: 'created' });
    expect(pipeline.status()).toBe('manual');
    pipeline.playManual(jobId(pipeline, 'gate'));
    finish(pipeline, 'gate', 'success');
    expect(statuses(pipeline).after).toBe('pending');
  });

  it('skips a manual job when an earlier stage failed', () => {
    const pipeline = pipelineFrom(
      'a:\n  stage: build\n  script: x\nm:\n  script: x\n  when: manual\n',
    );
    finish(pipeline, 'a', 'failed', 1);
    expect(statuses(pipeline).m).toBe('skipped');
  });

  it('skips a job that needs a non-blocking manual job, and brings it back when the manual job is played', () => {
    const pipeline = pipelineFrom(
      'test:\n  stage: build\n  script: x\n  when: manual\ndeploy:\n  script: x\n  needs: [test]\n',
    );
    expect(statuses(pipeline)).toEqual({ test: 'manual', deploy: 'skipped' });
    expect(pipeline.status()).toBe('skipped');
    pipeline.playManual(jobId(pipeline, 'test'));
    expect(statuses(pipeline)).toEqual({ test: 'pending', deploy: 'created' });
    finish(pipeline, 'test', 'success');
    expect(statuses(pipeline).deploy).toBe('pending');
  });

  it('makes a job that needs a blocking manual job wait for it', () => {
    const pipeline = pipelineFrom(
      'gate:\n  stage: build\n  script: x\n  when: manual\n  allow_failure: false\ndeploy:\n  script: x\n  needs: [gate]\n',
    );
    expect(statuses(pipeline)).toEqual({ gate: 'manual', deploy: 'created' });
    expect(pipeline.status()).toBe('manual');
  });

  it('refuses to play a job that is not manual', () => {
    const pipeline = pipelineFrom('a:\n  script: x\n');
    expect(() => {
      pipeline.playManual(jobId(pipeline, 'a'));
    }).toThrow(PipelineError);
  });
});

describe('delayed jobs', () => {
  it('become pending when start_in has passed on the injected clock', () => {
    let nowMs = Date.parse('2026-12-03T10:00:00Z');
    const pipeline = pipelineFrom(
      'later:\n  script: x\n  when: delayed\n  start_in: 30 minutes\n',
      { now: () => new Date(nowMs) },
    );
    expect(statuses(pipeline).later).toBe('scheduled');
    nowMs += 29 * 60 * 1000;
    expect(statuses(pipeline).later).toBe('scheduled');
    nowMs += 60 * 1000;
    expect(statuses(pipeline).later).toBe('pending');
  });
});

describe('job state errors', () => {
  it.each([
    [
      'markRunning on a created job',
      (p: ReturnType<typeof pipelineFrom>) => {
        p.markRunning(jobId(p, 'later'));
      },
    ],
    [
      'finishJob on a created job',
      (p: ReturnType<typeof pipelineFrom>) => {
        p.finishJob(jobId(p, 'later'), { status: 'success' });
      },
    ],
    [
      'an unknown job id',
      (p: ReturnType<typeof pipelineFrom>) => {
        p.markRunning(99999);
      },
    ],
  ])('refuses %s', (_, action) => {
    const pipeline = pipelineFrom('first:\n  stage: build\n  script: x\nlater:\n  script: x\n');
    expect(() => {
      action(pipeline);
    }).toThrow(PipelineError);
  });
});
