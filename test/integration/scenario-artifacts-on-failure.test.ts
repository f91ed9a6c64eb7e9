// The upload stages after a job fails before or during its script, as GitLab Runner runs them:
// a failed get_sources still uploads `when: on_failure` artifacts (and skips after_script), a
// graceful cancel during the script uploads them after after_script, while a cancel before the
// script uploads nothing. Jobs come from the GitLab emulator and run over SSH on a real sshd.
import { plain, startTransferWorld } from './support/transfer-world';
import type { TransferWorld } from './support/transfer-world';

jest.setTimeout(90_000);

// One slot, one work tree: `GIT_STRATEGY: fetch` keeps what an earlier job left there, so a
// fetch that fails still finds files to upload, as on a real runner.
const ciYaml = `
stages: [first, second, third, fourth]
seed:
  stage: first
  script:
    - mkdir -p leftover && echo "from the seed job" > leftover/notes.txt
fetch-fails:
  stage: second
  variables:
    GIT_STRATEGY: fetch
    GIT_FETCH_EXTRA_FLAGS: --no-such-fetch-flag
  script:
    - echo never-runs
  after_script:
    - echo after-never-runs
  artifacts:
    when: on_failure
    paths: [leftover/]
canceled-in-script:
  stage: third
  when: always
  variables:
    GIT_STRATEGY: fetch
  script:
    - echo "partial result" > partial.txt
    - echo script-started
    - sleep 60
  after_script:
    - echo "after status $CI_JOB_STATUS"
  artifacts:
    when: always
    paths: [partial.txt]
canceled-in-fetch:
  stage: fourth
  when: always
  variables:
    GIT_STRATEGY: fetch
  script:
    - echo never-runs
  after_script:
    - echo after-never-runs
  artifacts:
    when: always
    paths: [leftover/]
`;

describe('scenario: artifacts of jobs that fail or are canceled', () => {
  let world: TransferWorld;
  beforeAll(async () => {
    world = await startTransferWorld({ files: { '.gitlab-ci.yml': ciYaml }, tag: 'onfail' });
  });
  afterAll(async () => {
    await world.close();
  });

  it('uploads on_failure artifacts after a failed get_sources, and after a cancel in the script only', async () => {
    const transfers = { artifacts: world.client };
    const seed = await world.runNext(transfers);
    expect(seed.outcome).toEqual({ outcome: 'success' });

    const failed = await world.runNext(transfers);
    expect(failed.job.job_info.name).toBe('fetch-fails');
    const failedLog = plain(failed.trace);
    expect(failed.outcome).toMatchObject({ outcome: 'failed', failureReason: 'script_failure' });
    expect(failed.status).toBe('failed');
    // GitLab Runner skips the steps and after_script, then runs the on_failure upload stage.
    expect(failedLog).not.toContain('never-runs');
    expect(failedLog).not.toContain('Running after_script');
    expect(failedLog).toContain('Uploading artifacts for failed job\n');
    expect(failedLog).toContain('leftover/: found 2 matching artifact files and directories\n');
    expect(failedLog).toMatch(
      /Uploading artifacts as "archive" to coordinator\.\.\. 201 Created {2}correlation_id=\w+ /,
    );
    expect(failedLog.indexOf('Uploading artifacts for failed job')).toBeGreaterThan(
      failedLog.indexOf('--no-such-fetch-flag'),
    );
    expect(failedLog).toMatch(/ERROR: Job failed: exit code \d+/);
    expect(world.emulator.admin.getJob(failed.job.id).artifacts.map(a => a.filename)).toEqual([
      'artifacts.zip',
    ]);

    const canceled = await world.runNext(transfers, {
      cancelWhen: log => log.includes('script-started\n'),
    });
    expect(canceled.job.job_info.name).toBe('canceled-in-script');
    expect(canceled.outcome).toEqual({ outcome: 'canceled' });
    expect(canceled.status).toBe('canceled');
    const canceledLog = plain(canceled.trace);
    expect(canceledLog).toContain('WARNING: script canceled externally (UI, API)\n');
    expect(canceledLog).toContain('after status canceled\n');
    expect(canceledLog).toContain('Uploading artifacts for failed job\n');
    expect(canceledLog.indexOf('Uploading artifacts for failed job')).toBeGreaterThan(
      canceledLog.indexOf('after status canceled'),
    );
    expect(world.emulator.admin.getJob(canceled.job.id).artifacts.map(a => a.filename)).toEqual([
      'artifacts.zip',
    ]);
    expect(world.emulator.admin.getArtifactFile(canceled.job.id, 'archive')).toBeDefined();

    const early = await world.runNext(transfers, {
      cancelWhen: log => log.includes('Getting source from Git repository'),
    });
    expect(early.job.job_info.name).toBe('canceled-in-fetch');
    expect(early.outcome).toEqual({ outcome: 'canceled' });
    const earlyLog = plain(early.trace);
    // A cancel before the user steps ends the whole job: no after_script, nothing uploaded.
    expect(earlyLog).not.toContain('never-runs');
    expect(earlyLog).not.toContain('Uploading artifacts');
    expect(world.emulator.admin.getJob(early.job.id).artifacts).toEqual([]);
  });
});
