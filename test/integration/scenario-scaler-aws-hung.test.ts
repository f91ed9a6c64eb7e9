// Scenario: `taskfleet run scaler` running while its AWS endpoint starts to hang (accepts, reads,
// never answers: a hung proxy or middlebox) for ten seconds, then answers again. A call caught in
// the hang must end in the SDK clients' request timeout (30 s) and its retry, so the scaler's
// ticks call AWS again; without the timeout the tick waited on that call forever.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';

import { demoConfigToml } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';

import { findFreePort } from './support/free-port';
import { startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';
import { startRunWorld } from './support/run-world';
import type { RunWorld } from './support/run-world';

jest.setTimeout(150_000);

const keyPrefix = `it-breaker-scalerhung-${process.pid}-${randomBytes(3).toString('hex')}`;

describe('scaler while the AWS endpoint hangs for a while', () => {
  let run: RunWorld;
  let world: DemoWorld;
  let workDir: string;
  const sockets = new Set<Socket>();
  let closeServer: (() => Promise<void>) | undefined;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    run = await startRunWorld({ keyPrefix, workDirPrefix: 'it-breaker-scalerhung-', children });
    ({ world, workDir } = run);
  });

  afterAll(async () => {
    await run.close(async () => {
      for (const s of sockets) {
        s.destroy();
      }
      await closeServer?.();
    });
  });

  it('calls AWS again once the endpoint answers again', async () => {
    const port = await findFreePort();
    const target = new URL(world.aws.endpoint);
    let hanging = false;
    // Requests (bytes from the scaler) forwarded to the emulator, counted per phase.
    let forwarded = 0;
    const server = createServer(client => {
      sockets.add(client);
      client.on('error', () => undefined).on('close', () => sockets.delete(client));
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      upstream.on('error', () => undefined).on('close', () => sockets.delete(upstream));
      sockets.add(upstream);
      // A connection made while hanging stays hung for good, as one caught in a hung middlebox.
      let stuck = hanging;
      client.on('data', chunk => {
        if (hanging) {
          stuck = true;
        }
        if (!stuck) {
          forwarded += 1;
          upstream.write(chunk);
        }
      });
      upstream.on('data', chunk => {
        if (!stuck) {
          client.write(chunk);
        }
      });
    });
    await new Promise<void>(resolve => {
      server.listen(port, '127.0.0.1', resolve);
    });
    closeServer = () =>
      new Promise(resolve =>
        server.close(() => {
          resolve();
        }),
      );
    const configPath = join(workDir, 'config.toml');
    const toml = demoConfigToml({
      world,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix,
      logLevel: 'info',
    }).replace(
      `aws_endpoint_url = ${JSON.stringify(world.aws.endpoint)}`,
      `aws_endpoint_url = "http://127.0.0.1:${port}"`,
    );
    await writeFile(configPath, toml);
    const scaler = startTaskfleetRun('scaler', configPath);
    children.push(scaler);
    // The scaler ticks and calls AWS.
    await until('scaler calls aws', () => forwarded >= 5, 60_000, 200);
    hanging = true;
    await new Promise(resolve => setTimeout(resolve, 10_000));
    hanging = false;
    const before = forwarded;
    let resumed = false;
    try {
      await until('scaler calls aws again', () => forwarded > before + 2, 45_000, 200);
      resumed = true;
    } catch {
      process.stderr.write(`scaler stderr:\n${scaler.stderr.slice(-3000)}\n`);
    }
    expect({ resumed, exitCode: scaler.process.exitCode }).toEqual({
      resumed: true,
      exitCode: null,
    });
  });
});
