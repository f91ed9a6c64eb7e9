import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';

import { findFreePort } from './free-port';

/** Whether moto can run here, and why not if it cannot. */
export interface MotoAvailability {
  readonly available: boolean;
  readonly reason: string;
}

/** A running `moto_server` child process bound to loopback. */
export interface MotoServer {
  readonly endpoint: string;
  readonly pid: number;
  /** Kills the process group and waits for the child to exit. Idempotent. */
  close(): Promise<void>;
}

const startTimeoutMs = 20_000;
const pollIntervalMs = 100;
const killGraceMs = 3_000;
const bindAttempts = 3;

/** Checks that moto imports and moto_server is on PATH; synchronous, so a file can pick describe.skip. */
export function checkMotoAvailable(): MotoAvailability {
  const python = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (python.status !== 0) {
    return { available: false, reason: 'python3 cannot import moto' };
  }
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    return { available: false, reason: 'moto_server is not on PATH' };
  }
  return { available: true, reason: `moto ${python.stdout.trim()}` };
}

/** Starts moto_server on a free loopback port and resolves once it answers HTTP. */
export async function startMotoServer(): Promise<MotoServer> {
  let lastError: unknown;
  // The free port can be taken by a parallel test between probe and bind, so retry a few times.
  for (let attempt = 0; attempt < bindAttempts; attempt += 1) {
    const port = await findFreePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const stderr: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.join('').length < 8_000) {
        stderr.push(chunk);
      }
    });
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilAnswering(endpoint, child);
      return { endpoint, pid: child.pid ?? -1, close: () => stopChild(child) };
    } catch (error) {
      await stopChild(child);
      lastError = new Error(`moto_server did not start: ${String(error)}\n${stderr.join('')}`);
    }
  }
  throw lastError;
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited early (code ${String(child.exitCode)})`);
    }
    if (await answers(`${endpoint}/moto-api/`)) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(`no answer within ${startTimeoutMs} ms`);
}

async function answers(url: string): Promise<boolean> {
  return new Promise(resolve => {
    const req = request(url, { method: 'GET', timeout: 1_000 }, res => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode < 500);
    });
    req.on('error', () => {
      resolve(false);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return;
  }
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const pid = child.pid;
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    signalGroup(pid, 'SIGKILL');
  }, killGraceMs);
  await exited;
  clearTimeout(timer);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // The child was spawned detached, so its pid is the id of a process group that is ours alone.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
