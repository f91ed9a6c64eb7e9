import { spawn } from 'node:child_process';

import { gitBaseEnv } from './config';
import { GitRepositoryError } from './errors';

/** How to run one git command. */
export interface RunGitOptions {
  /** Working directory of the git process. */
  readonly cwd?: string;
  /** Extra environment on top of the isolated base environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Bytes written to git's stdin. */
  readonly input?: string | Buffer;
  /** Exit codes that are answers rather than failures (e.g. 1 for `rev-parse --quiet`). */
  readonly okExitCodes?: readonly number[];
  readonly timeoutMs?: number;
}

/** What a finished git process produced. */
export interface GitResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

const defaultTimeoutMs = 60_000;
const stderrLimitBytes = 16_384;

/** Runs the real git binary with an argument vector (never a shell) and collects its output. */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...gitBaseEnv, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? defaultTimeoutMs,
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < stderrLimitBytes) {
        stderr += chunk.toString('utf8');
      }
    });
    // git may exit before reading all of its input (e.g. on a bad argument); the exit code
    // then tells the story, so a broken pipe here is not an error of its own.
    child.stdin.on('error', () => undefined);
    child.on('error', cause => {
      reject(new GitRepositoryError('git_failed', 'could not start git', { cause }));
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? -1;
      const result = { exitCode, stdout: Buffer.concat(stdout), stderr };
      if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) {
        resolve(result);
        return;
      }
      const cause = new Error(
        `git ${args.join(' ')} exited with ${signal ?? exitCode}: ${stderr.trim()}`,
      );
      reject(new GitRepositoryError('git_failed', 'could not run git', { cause }));
    });
    child.stdin.end(options.input);
  });
}

/** Runs git and returns its stdout as trimmed text. */
export async function gitText(args: readonly string[], options?: RunGitOptions): Promise<string> {
  const result = await runGit(args, options);
  return result.stdout.toString('utf8').trim();
}
