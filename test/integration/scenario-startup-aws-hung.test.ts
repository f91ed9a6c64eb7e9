// Scenario: `taskfleet run executor` started while the AWS endpoint accepts connections but never
// answers (a hung proxy or middlebox; what a blackholed route looks like for minutes). The start-
// up gate waits at most 10 s a round for its checks' answers, so the hung DescribeAutoScalingGroups
// shows as a 'waiting for dependencies' warning; the SDK's request timeout (30 s) and retry then
// reach the endpoint once it answers again, and the process starts.
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
import { jsonLogLines, startRunWorld } from './support/run-world';
import type { RunWorld } from './support/run-world';

jest.setTimeout(120_000);

const keyPrefix = `it-breaker-awshung-${process.pid}-${randomBytes(3).toString('hex')}`;

interface Line {
  readonly msg?: string;
  readonly missing?: readonly { name: string; reason: string }[];
}

function lines(child: TaskfleetProcess): Line[] {
  return jsonLogLines<Line>(child);
}

describe('start-up while the AWS endpoint hangs', () => {
  let run: RunWorld;
  let world: DemoWorld;
  let workDir: string;
  const sockets = new Set<Socket>();
  let closeServer: (() => Promise<void>) | undefined;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    run = await startRunWorld({ keyPrefix, workDirPrefix: 'it-breaker-awshung-', children });
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

  it('warns while the endpoint hangs and starts once it answers', async () => {
    const port = await findFreePort();
    const target = new URL(world.aws.endpoint);
    let answering = false;
    const server = createServer(client => {
      sockets.add(client);
      client.on('error', () => undefined).on('close', () => sockets.delete(client));
      if (!answering) {
        return; // accepted, read, never answered
      }
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      upstream.on('error', () => undefined);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
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
    const endpoint = `http://127.0.0.1:${port}`;
    const configPath = join(workDir, 'config.toml');
    const toml = demoConfigToml({
      world,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix,
      logLevel: 'info',
    }).replace(
      `aws_endpoint_url = ${JSON.stringify(world.aws.endpoint)}`,
      `aws_endpoint_url = "${endpoint}"`,
    );
    await writeFile(configPath, toml);
    const executor = startTaskfleetRun('executor', configPath);
    children.push(executor);
    const awsCheck = `aws ${world.groupName}`;
    let warned = false;
    try {
      await until(
        'aws warning',
        () =>
          lines(executor).some(
            l => l.msg === 'waiting for dependencies' && l.missing?.some(m => m.name === awsCheck),
          ),
        45_000,
        200,
      );
      warned = true;
    } catch {
      // reported below
    }
    // AWS answers again (new connections reach the emulator).
    answering = true;
    let started = false;
    try {
      await until(
        'started',
        () => lines(executor).some(l => l.msg === 'taskfleet started'),
        45_000,
        200,
      );
      started = true;
    } catch {
      // reported below
    }
    if (!started) {
      process.stderr.write(`executor stderr:\n${executor.stderr.slice(-3000)}\n`);
    }
    expect({ warned, started, exitCode: executor.process.exitCode }).toEqual({
      warned: true,
      started: true,
      exitCode: null,
    });
  });
});
