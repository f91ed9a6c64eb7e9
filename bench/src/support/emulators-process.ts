import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Where the launcher's emulators listen, as its one JSON line says. */
export interface EmulatorEndpoints {
  readonly aws: { readonly endpoint: string; readonly admin: string };
  readonly gitlab: { readonly url: string; readonly admin: string };
}

/** The emulators in a child process, so their CPU and memory stay out of the bench's figures. */
export interface EmulatorsProcess {
  readonly endpoints: EmulatorEndpoints;
  stop(): Promise<void>;
}

/** Starts `emulators/launcher` (built) and waits for its endpoints line. */
export async function startEmulatorsProcess(): Promise<EmulatorsProcess> {
  const launcher = require.resolve('@taskfleet/emulator-launcher/dist/main.js');
  const child: ChildProcess = spawn(process.execPath, [launcher], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stdout = child.stdout;
  if (stdout === null) {
    throw new Error('bench: emulator launcher has no stdout');
  }
  const lines = createInterface({ input: stdout });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`bench: emulator launcher exited with ${String(code)}`);
    }),
  ])) as [string];
  lines.close();
  return {
    endpoints: JSON.parse(first) as EmulatorEndpoints,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Calls one route of an emulator's admin API and returns its JSON answer. */
export async function adminCall<T>(base: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, base), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    throw new Error(`bench: admin ${path} answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as T;
}
