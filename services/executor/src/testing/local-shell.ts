import { spawn } from 'node:child_process';

import { FleetingError } from '@taskfleet/fleeting';
import { parseJobPayload } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';

/** What a script printed (stdout and stderr interleaved as they arrived) and how it ended. */
export interface LocalRun {
  readonly exitCode: number | null;
  readonly output: string;
}

/**
 * Runs `command` in a local shell with `stdin` as its input, for unit tests of generated
 * scripts: the same delivery as over SSH (script on stdin), on this machine.
 */
export function runLocal(
  command: string,
  stdin: string,
  options: {
    cwd: string;
    env?: Record<string, string>;
    /** Aborting kills the command's process group and rejects with a `canceled` FleetingError. */
    signal?: AbortSignal;
    /** Called when the shell exits, maybe before its output closes (as an SSH exit-status). */
    onExit?: (exitCode: number | null) => void;
  },
  onOutput?: (chunk: Buffer) => void,
): Promise<LocalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.cwd, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own session and process group, as sshd gives every command.
      detached: true,
    });
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer): void => {
      chunks.push(chunk);
      onOutput?.(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    const onAbort = (): void => {
      try {
        if (child.pid !== undefined) {
          process.kill(-child.pid, 'SIGKILL');
        }
      } catch {
        // Already gone.
      }
      reject(new FleetingError('canceled', 'could not finish the command: aborted'));
    };
    if (options.signal?.aborted === true) {
      onAbort();
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('exit', code => {
      options.onExit?.(code);
    });
    child.on('close', code => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: code, output: Buffer.concat(chunks).toString('utf8') });
    });
    // A command that never reads its stdin may exit before it is written.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

/** A job payload for tests: GitLab's shape with Go's zero values, plus what `overrides` sets. */
export function testPayload(overrides: Record<string, unknown> = {}): JobPayload {
  const parsed = parseJobPayload({
    id: 42,
    token: 'glcbt-testtoken',
    job_info: { name: 'test', stage: 'test', project_id: 7, project_full_path: 'acme/widgets' },
    git_info: {
      repo_url: 'http://gitlab-ci-token:glcbt-testtoken@127.0.0.1:1/acme/widgets.git',
      ref: 'main',
      sha: '0123456789abcdef0123456789abcdef01234567',
      refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
      depth: 20,
    },
    steps: [],
    variables: [],
    features: { trace_sections: true, failure_reasons: ['script_failure'] },
    ...overrides,
  });
  if (!parsed.ok) {
    throw new Error(parsed.problems.join('; '));
  }
  return parsed.job;
}
