// `taskfleet run <role>` as child processes, and a bounded poll: shared by the integration tests
// that drive the built CLI (cli/dist/main.js) on one config.toml and by the benchmarks that run
// the services as the processes they are in production. It lives in bench/ because bench/ is
// compiled on its own (rootDir src); test/integration/support/taskfleet-processes.ts re-exports it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const cliMain = require.resolve('@taskfleet/cli/dist/main.js');

/** One started `taskfleet run <role>` process, with its stderr collected. */
export interface TaskfleetProcess {
  readonly role: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  stderr: string;
}

/**
 * Starts `taskfleet run <role> --config <configPath>` with the current node binary, in this
 * process's environment or `env`; `nodeArgs` go to node itself (`--cpu-prof` is not allowed in
 * NODE_OPTIONS).
 */
export function startTaskfleetRun(
  role: string,
  configPath: string,
  env?: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): TaskfleetProcess {
  const child = spawn(
    process.execPath,
    ['--no-warnings', ...nodeArgs, cliMain, 'run', role, '--config', configPath],
    { stdio: ['ignore', 'ignore', 'pipe'], ...(env === undefined ? {} : { env }) },
  );
  const entry: TaskfleetProcess = {
    role,
    process: child,
    stderr: '',
    exited: new Promise(resolve => {
      child.once('exit', code => {
        resolve(code);
      });
    }),
  };
  child.stderr.on('data', (chunk: Buffer) => {
    entry.stderr += chunk.toString('utf8');
  });
  return entry;
}

/** SIGKILLs whichever of the processes still run and waits for all of them to exit. */
export async function killTaskfleetRuns(children: readonly TaskfleetProcess[]): Promise<void> {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
    }
  }
  await Promise.all(children.map(c => c.exited));
}

/**
 * Asks one process to stop (SIGTERM, as an orchestrator does) and waits for its exit; SIGKILLs it
 * after `graceMs`. A clean exit is what lets `--cpu-prof` write its profile.
 */
export async function stopTaskfleetRun(
  child: TaskfleetProcess,
  graceMs: number,
): Promise<number | null> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) {
    return child.exited;
  }
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    child.process.kill('SIGKILL');
  }, graceMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every `intervalMs` until it holds; throws once `boundMs` have passed. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  boundMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${boundMs} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
