// get_sources settings GitLab Runner takes from config.toml and the job, end to end: jobs from the
// GitLab emulator (its `.gitlab-ci.yml` gives `hooks:pre_get_sources_script`) fetch over smart
// HTTP from it and run over SSH on a real sshd instance.
import { plain, startTransferWorld } from './support/transfer-world';
import type { TransferWorld } from './support/transfer-world';

jest.setTimeout(90_000);

const ciYaml = `
hooked:
  hooks:
    pre_get_sources_script:
      - echo "job pre hook, repo there? $(test -d builds/0/acme/widgets/.git && echo yes || echo no)"
  script:
    - cat hook-marker.txt
failing-hook:
  hooks:
    pre_get_sources_script:
      - echo about to fail && exit 3
  script:
    - echo never-runs
custom-dir:
  variables:
    GIT_CLONE_PATH: $CI_BUILDS_DIR/go/src/$CI_CONCURRENT_ID/widgets
  script:
    - echo "in $PWD as $CI_PROJECT_DIR"
    - test -f .gitlab-ci.yml && echo checked-out-here
custom-dir-not-enabled:
  variables:
    GIT_CLONE_PATH: $CI_BUILDS_DIR/go/src/widgets
  script:
    - echo never-runs
custom-dir-outside:
  variables:
    GIT_CLONE_PATH: /tmp/taskfleet-outside-builds
  script:
    - echo never-runs
bad-strategies:
  variables:
    GIT_STRATEGY: sideways
    GIT_SUBMODULE_STRATEGY: upside-down
  script:
    - echo never-runs
  artifacts:
    when: on_failure
    paths: [missing/]
empty-dir:
  variables:
    GIT_STRATEGY: empty
  script:
    - echo "in $CI_PROJECT_DIR with $(ls -A | wc -l) entries"
    - touch left-behind.txt
empty-again:
  variables:
    GIT_STRATEGY: empty
  script:
    - echo "again $(ls -A | wc -l) entries"
`;

describe('scenario: get_sources hooks and GIT_CLONE_PATH from config.toml and the job', () => {
  let world: TransferWorld;
  beforeAll(async () => {
    world = await startTransferWorld({ files: { '.gitlab-ci.yml': ciYaml }, tag: 'hooks' });
  });
  afterAll(async () => {
    await world.close();
  });

  it('runs config pre, job pre, fetch, then config post in the tree; a failing hook fails the job', async () => {
    const runnerScripts = {
      preGetSourcesScript: 'echo "config pre hook"',
      postGetSourcesScript:
        'echo "written by the post hook" > hook-marker.txt\ngit log -1 --format=%H',
    };
    const hooked = await world.runNext({}, { runnerScripts });
    expect(hooked.job.job_info.name).toBe('hooked');
    expect(hooked.outcome).toEqual({ outcome: 'success' });
    const log = plain(hooked.trace);
    const order = [
      '$ echo "config pre hook"\nconfig pre hook\n',
      '\njob pre hook, repo there? no\n',
      'Fetching changes',
      `Checking out ${hooked.job.git_info.sha.slice(0, 8)}`,
      '$ echo "written by the post hook" > hook-marker.txt # collapsed multi-line command\n' +
        `${hooked.job.git_info.sha}\n`,
      '$ cat hook-marker.txt\nwritten by the post hook\n',
    ].map(text => log.indexOf(text));
    expect(order.every(index => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const failing = await world.runNext({}, { runnerScripts });
    expect(failing.job.job_info.name).toBe('failing-hook');
    expect(failing.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
    expect(failing.status).toBe('failed');
    const failingLog = plain(failing.trace);
    expect(failingLog).toContain('$ echo about to fail && exit 3\nabout to fail\n');
    expect(failingLog).not.toContain('Fetching changes');
    expect(failingLog).not.toContain('never-runs');
    expect(failingLog).toContain('ERROR: Job failed: exit code 3');
  });

  it('moves the work tree to GIT_CLONE_PATH only with custom_build_dir and inside builds_dir', async () => {
    const custom = await world.runNext({}, { runnerScripts: { customBuildDirEnabled: true } });
    expect(custom.job.job_info.name).toBe('custom-dir');
    expect(custom.outcome).toEqual({ outcome: 'success' });
    const log = plain(custom.trace);
    expect(log).toMatch(/\nin (\/\S+\/builds\/go\/src\/0\/widgets) as \1\n/);
    expect(log).toContain('\nchecked-out-here\n');

    const disabled = await world.runNext({}, { runnerScripts: { customBuildDirEnabled: false } });
    expect(disabled.job.job_info.name).toBe('custom-dir-not-enabled');
    // GitLab Runner's configuration error, which this GitLab lists, so it is sent as such.
    expect(disabled.outcome).toMatchObject({
      outcome: 'failed',
      failureReason: 'runner_configuration_error',
    });
    expect(disabled.status).toBe('failed');
    expect(world.emulator.admin.getJob(disabled.job.id).failureReason).toBe(
      'runner_configuration_error',
    );
    expect(plain(disabled.trace)).toContain(
      'ERROR: Job failed: setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature\n',
    );
    expect(plain(disabled.trace)).not.toContain('never-runs');

    const outside = await world.runNext({}, { runnerScripts: { customBuildDirEnabled: true } });
    expect(outside.job.job_info.name).toBe('custom-dir-outside');
    expect(outside.outcome).toMatchObject({
      outcome: 'failed',
      failureReason: 'runner_configuration_error',
    });
    expect(plain(outside.trace)).toMatch(
      /ERROR: Job failed: the GIT_CLONE_PATH="\/tmp\/taskfleet-outside-builds" has to be within "\/\S+\/builds"\n/,
    );
  });
  it('warns about setting variables it cannot read; an unknown submodule strategy is a system failure', async () => {
    const bad = await world.runNext({ artifacts: world.client });
    expect(bad.job.job_info.name).toBe('bad-strategies');
    const log = plain(bad.trace);
    // GitLab Runner's setting errors, one warning; GIT_STRATEGY falls back to its default
    // (fetch: this GitLab allows it).
    expect(log).toContain(
      `WARNING: GIT_STRATEGY: expected either 'clone', 'fetch', 'none' or 'empty' got ` +
        `"sideways", using default value 'fetch'\nGIT_SUBMODULE_STRATEGY: expected either ` +
        `'normal', 'recursive' or 'none' got "upside-down"\n`,
    );
    // The get_sources script cannot be written: no fetch, no steps; on_failure stages still run.
    expect(log).not.toContain('Getting source from Git repository');
    expect(log).not.toContain('never-runs');
    expect(log).toContain('Uploading artifacts for failed job');
    expect(log).toContain('ERROR: Job failed (system failure): unknown GIT_SUBMODULE_STRATEGY\n');
    expect(bad.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
      detail: 'unknown GIT_SUBMODULE_STRATEGY',
    });
    expect(world.emulator.admin.getJob(bad.job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
  });

  it('GIT_STRATEGY=empty runs in an emptied <project>-empty directory, no git, no hooks', async () => {
    const runnerScripts = {
      preGetSourcesScript: 'echo "config pre hook"',
      postGetSourcesScript: 'echo "config post hook"',
    };
    const first = await world.runNext({}, { runnerScripts });
    expect(first.job.job_info.name).toBe('empty-dir');
    expect(first.outcome).toEqual({ outcome: 'success' });
    const log = plain(first.trace);
    expect(log).toContain(
      'Skipping Git repository setup and creating an empty build directory\n' +
        'Skipping Git checkout\nSkipping Git submodules setup\n',
    );
    expect(log).not.toContain('Fetching changes');
    expect(log).not.toContain('config pre hook');
    expect(log).not.toContain('config post hook');
    expect(log).toMatch(/\nin \/\S+\/builds\/0\/acme\/widgets-empty with 0 entries\n/);

    // What the last job left is gone; the fetch strategy's work tree beside it is untouched.
    const again = await world.runNext({}, { runnerScripts });
    expect(again.job.job_info.name).toBe('empty-again');
    expect(again.outcome).toEqual({ outcome: 'success' });
    expect(plain(again.trace)).toContain('\nagain 0 entries\n');
    const probe = await world.connection.run({
      command: 'test -d builds/0/acme/widgets/.git && test ! -e builds/0/acme/widgets-empty/.git',
    });
    expect(probe.exitCode).toBe(0);
  });
});
