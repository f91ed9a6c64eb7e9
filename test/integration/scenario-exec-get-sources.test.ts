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
`;

describe('scenario: get_sources hooks from config.toml and the job', () => {
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
});
