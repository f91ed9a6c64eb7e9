// A malformed payload fails its job and touches nothing else. `job_info.project_full_path` names
// the work tree (builds/<slot>/<path>), which the clone strategy empties with rm -rf; a path that
// climbs out of it ('../..') once made a job wipe the instance user's home directory. The payload
// parser refuses such a path, and the script builder refuses it again for a payload built in code.
import { rm } from 'node:fs/promises';

import { runJob } from '@taskfleet/executor';
import { dial } from '@taskfleet/fleeting';
import type { SshConnection } from '@taskfleet/fleeting';
import type { JobPayload } from '@taskfleet/gitlab';
import { parseJobPayload, systemClock } from '@taskfleet/gitlab';

// Tests may reach into the emulator's source; product code never does.
import { createSshdInstanceHost } from '../../emulators/aws/src/instances';
import type { SshdInstanceHost } from '../../emulators/aws/src/instances';
import { ed25519TestKey } from './support/ssh-key';

jest.setTimeout(60_000);

const loginKey = ed25519TestKey();

describe('a payload whose project path leaves builds_dir', () => {
  let host: SshdInstanceHost;
  let connection: SshConnection;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const stateRoot = `/var/tmp/taskfleet-breaker-path-${process.pid}`;
    cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
    host = createSshdInstanceHost({ stateRoot });
    cleanups.push(() => host.close());
    const instance = await host.launch({
      instanceId: `i-0da${process.pid.toString(16).padStart(8, '0')}0000001`,
      osUser: 'ec2-user',
      authorizedKeys: [loginKey.public],
      sshPort: 22,
      bootMode: 'ok',
    });
    connection = await dial(
      {
        id: instance.instanceId,
        internalAddr: instance.privateIp,
        os: 'linux',
        arch: 'amd64',
        protocol: 'ssh',
        protocolPort: instance.sshPort,
        username: instance.osUser,
        key: Buffer.from(loginKey.private),
      },
      { connectTimeoutMs: 10_000 },
    );
    cleanups.push(() => connection.close());
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  });

  async function onInstance(command: string): Promise<string> {
    let out = '';
    await connection.run({
      command,
      onStdout: c => {
        out += c.toString('utf8');
      },
    });
    return out;
  }

  it('never deletes anything outside its own slot directory', async () => {
    // Another slot's work and a file of the instance user, outside this job's work tree.
    await onInstance(
      'mkdir -p builds/1/acme/other && echo keep > builds/1/acme/other/f && echo keep > keep-me',
    );
    const raw = {
      id: 4242,
      token: 'glcbt-breakerbreakerbreaker',
      job_info: {
        name: 'climb',
        stage: 'test',
        project_id: 1,
        project_name: 'x',
        project_full_path: '../..',
      },
      git_info: {
        repo_type: 'git',
        repo_url: 'http://127.0.0.1:9/x.git',
        ref: 'main',
        sha: '0'.repeat(40),
        refspecs: [],
        depth: 0,
      },
      steps: [
        {
          name: 'script',
          script: ['echo hi'],
          timeout: 60,
          when: 'on_success',
          allow_failure: false,
        },
      ],
      variables: [],
    };
    const parsed = parseJobPayload(raw);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      expect.stringMatching(/^job_info\.project_full_path: is not a GitLab project path/),
    ]);
    // The same job as code could build it, past the parser.
    const valid = parseJobPayload({
      ...raw,
      job_info: { ...raw.job_info, project_full_path: 'acme/x' },
    });
    if (!valid.ok) {
      throw new Error(`fixture not accepted: ${valid.problems.join('; ')}`);
    }
    const job: JobPayload = {
      ...valid.job,
      job_info: { ...valid.job.job_info, project_full_path: '../..' },
    };
    let log = '';
    const outcome = await runJob({
      payload: job,
      connection,
      trace: {
        write: chunk => {
          log += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
          return true;
        },
      },
      buildsDir: 'builds',
      slot: 0,
      clock: systemClock,
    });
    expect(outcome.outcome).toBe('failed');
    expect(log).not.toContain('rm -rf');
    expect(await onInstance('cat keep-me builds/1/acme/other/f 2>&1')).toBe('keep\nkeep\n');
  });
});
