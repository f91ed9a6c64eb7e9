import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

import { Redis } from 'ioredis';

/** A redis-server of the bench's own, so its command counts hold nothing but the bench's. */
export interface OwnRedis {
  readonly url: string;
  /** Calls per command since start (`INFO commandstats`), by command name. */
  commandCalls(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** A free loopback TCP port, found by binding port 0. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') {
    throw new Error('bench: could not find a free port');
  }
  return address.port;
}

/** Starts `redis-server` on a free loopback port, with nothing kept on disk. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitForListener(port, 5000);
  const client = new Redis(url);
  await client.ping();
  return {
    url,
    async commandCalls() {
      const info = await client.info('commandstats');
      // Lines look like `cmdstat_get:calls=12,usec=30,...`; the bench's own INFO calls count too.
      return new Map(
        [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(m => [m[1] ?? '', Number(m[2])]),
      );
    },
    async stop() {
      client.disconnect();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
async function waitForListener(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const accepted = await new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (accepted) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`bench: redis-server did not listen on port ${port}`);
    }
    await delay(50);
  }
}
