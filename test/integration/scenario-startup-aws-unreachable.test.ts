// `taskfleet run executor` and `run all` started while the AWS endpoint refuses connections:
// like `run scaler`, they keep running, warn through the start-up gate naming the endpoint and
// the errno, become ready once the endpoint answers, then run a job and stop cleanly. (Before,
// both exited 1 with a bare "could not describe auto scaling group" line.)
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { demoConfigToml } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';

import { findFreePort } from './support/free-port';
import { tcpProxy } from './support/tcp-proxy';
import type { TcpProxy } from './support/tcp-proxy';
import { startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';
import { jsonLogLines, startRunWorld } from './support/run-world';
import type { RunWorld } from './support/run-world';

jest.setTimeout(120_000);

const keyPrefix = `it-awsdown-${process.pid}-${randomBytes(3).toString('hex')}`;

interface WaitingLine {
  readonly msg?: string;
  readonly level?: number;
  readonly missing?: readonly { name: string; reason: string }[];
}

function lines(child: TaskfleetProcess): WaitingLine[] {
  return jsonLogLines<WaitingLine>(child);
}

describe('start-up while AWS is unreachable', () => {
  let run: RunWorld;
  let world: DemoWorld;
  let workDir: string;
  let proxy: TcpProxy | undefined;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    run = await startRunWorld({ keyPrefix, workDirPrefix: 'it-awsdown-', children });
    ({ world, workDir } = run);
  });

  afterAll(async () => {
    await run.close(async () => {
      await proxy?.close();
    });
  });

  it('waits and warns with the endpoint and errno, then starts once AWS answers', async () => {
    const port = await findFreePort();
    const target = new URL(world.aws.endpoint);
    proxy = tcpProxy(port, { host: target.hostname, port: Number(target.port) });
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
    expect(toml).toContain(endpoint);
    await writeFile(configPath, toml);

    const executor = startTaskfleetRun('executor', configPath);
    const all = startTaskfleetRun('all', configPath);
    children.push(executor, all);
    const awsCheck = `aws ${world.groupName}`;
    const warned = (child: TaskfleetProcess): boolean =>
      lines(child).some(
        l =>
          l.msg === 'waiting for dependencies' &&
          l.missing?.some(m => m.name === awsCheck && m.reason.includes(endpoint)) === true,
      );
    await until('both warned', () => warned(executor) && warned(all), 30_000, 100);
    for (const child of [executor, all]) {
      const warning = lines(child).find(l => l.msg === 'waiting for dependencies');
      expect(warning?.level).toBe(40);
      expect(warning?.missing?.find(m => m.name === awsCheck)?.reason).toContain(
        `could not describe group ${world.groupName} at ${endpoint} (ECONNREFUSED)`,
      );
      expect(child.process.exitCode).toBeNull();
      expect(child.stderr).not.toContain('taskfleet started');
    }

    await proxy.open();
    const started = (child: TaskfleetProcess): boolean =>
      lines(child).some(l => l.msg === 'taskfleet started');
    await until('both started', () => started(executor) && started(all), 30_000, 100);

    // Nothing is broken by the late start: a job runs to success.
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'late:\n  script:\n    - echo late-ok\n');
    const project = await world.gitlab.admin.createProject({
      path: `it/awsdown-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    await until(
      'the pipeline ended',
      () =>
        ['success', 'failed', 'canceled'].includes(
          world.gitlab.admin.getPipeline(pipeline.id).status,
        ),
      60_000,
      200,
    );
    expect(world.gitlab.admin.getPipeline(pipeline.id).status).toBe('success');

    for (const child of [executor, all]) {
      child.process.kill('SIGTERM');
    }
    expect(await Promise.all([executor.exited, all.exited])).toEqual([0, 0]);
  });
});
