// Stage attempts and setting warnings as GitLab Runner has them, end to end: jobs from the
// GitLab emulator run over SSH on a real sshd instance; a dependency download GitLab refuses
// once is tried again under ARTIFACT_DOWNLOAD_ATTEMPTS, an attempts count outside 1–10 fails the
// job when its stage comes, and the setting warnings come right after the job header.
import { plain, startTransferWorld } from './support/transfer-world';
import type { TransferWorld } from './support/transfer-world';

jest.setTimeout(90_000);

const ciYaml = `
stages: [build, test, last]
build:
  stage: build
  script:
    - mkdir -p dist && echo "app built" > dist/app.txt
  artifacts:
    paths: [dist/]
retried-download:
  stage: test
  needs: [build]
  variables:
    ARTIFACT_DOWNLOAD_ATTEMPTS: "3"
  script:
    - cat dist/app.txt
refused-attempts:
  stage: last
  needs: [build]
  variables:
    RESTORE_CACHE_ATTEMPTS: "soon"
    ARTIFACT_DOWNLOAD_ATTEMPTS: "11"
  script:
    - echo never-runs
  artifacts:
    when: on_failure
    paths: [dist/]
`;

describe('scenario: stage attempts and setting warnings', () => {
  let world: TransferWorld;
  beforeAll(async () => {
    world = await startTransferWorld({ files: { '.gitlab-ci.yml': ciYaml }, tag: 'attempts' });
  });
  afterAll(async () => {
    await world.close();
  });

  it('tries a refused dependency download again, a section each, after the backoff wait', async () => {
    const transfers = { artifacts: world.client };
    const build = await world.runNext(transfers);
    expect(build.job.job_info.name).toBe('build');
    expect(build.outcome).toEqual({ outcome: 'success' });

    // GitLab answers the first download with 404, then serves the archive.
    world.emulator.admin.addFault({
      method: 'GET',
      path: `/api/v4/jobs/${build.job.id}/artifacts`,
      kind: 'status',
      status: 404,
      count: 1,
    });
    const retryWaits: number[] = [];
    const retried = await world.runNext(transfers, { retryWaits });
    expect(retried.job.job_info.name).toBe('retried-download');
    expect(retried.outcome).toEqual({ outcome: 'success' });
    expect(retried.status).toBe('success');
    const log = plain(retried.trace);
    expect(
      log.match(/section_start:\d+:download_artifacts\rDownloading artifacts\n/g),
    ).toHaveLength(2);
    const failed = log.indexOf('ERROR: Downloading artifacts from coordinator... not found');
    const wait = log.indexOf('download_artifacts\rRetrying in 5s\n');
    const ok = log.indexOf('Downloading artifacts from coordinator... ok');
    const used = log.indexOf('\napp built\n');
    expect(failed).toBeGreaterThan(0);
    expect(log).toContain('FATAL: file does not exist\n');
    expect([failed, wait, ok, used].every(index => index > 0)).toBe(true);
    expect([failed, wait, ok, used]).toEqual([failed, wait, ok, used].sort((a, b) => a - b));
    // The first wait of GitLab Runner's backoff is its minimum, 5 s; nothing more was needed.
    expect(retryWaits).toEqual([5_000]);
  });

  it('fails as a system failure when an attempts count is out of range, warnings after the header', async () => {
    const refused = await world.runNext({ artifacts: world.client });
    expect(refused.job.job_info.name).toBe('refused-attempts');
    const log = plain(refused.trace);
    // GitLab Runner's setting errors: one warning right after the header, before any section.
    const warning =
      'WARNING: RESTORE_CACHE_ATTEMPTS: expected int got "soon", using default value: 1\n';
    expect(log).toMatch(/^Running with taskfleet \S+\n/);
    expect(log.indexOf(warning)).toBe(log.indexOf('\n') + 1);
    expect(log.indexOf(warning)).toBeLessThan(log.indexOf('Preparing the "instance" executor'));
    // RESTORE_CACHE_ATTEMPTS fell back to 1; ARTIFACT_DOWNLOAD_ATTEMPTS=11 is refused when its
    // stage comes: no download, no script, yet the on_failure upload runs.
    expect(log).toContain('Getting source from Git repository');
    expect(log).not.toContain('Downloading artifacts for build');
    expect(log).not.toContain('never-runs');
    expect(log).toContain('Uploading artifacts for failed job');
    expect(log).toContain(
      'ERROR: Job failed (system failure): number of attempts out of the range [1, 10] for stage: download_artifacts\n',
    );
    expect(refused.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
      detail: 'number of attempts out of the range [1, 10] for stage: download_artifacts',
    });
    expect(world.emulator.admin.getJob(refused.job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
  });
});
