// B53: the process must not take jobs before its dependencies are there. Compressed timings:
// Redis becomes reachable (a loopback proxy opens) after 5 s instead of 20 s, and the SSH key
// file appears after 1.5 s instead of 10 s. Until both are there no job request reaches GitLab,
// /readyz names what is missing, and the job waiting in GitLab from the start succeeds.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { findFreePort } from './support/free-port';
import { ed25519TestKey } from './support/ssh-key';
import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';
import { getJson } from './support/telemetry-scrape';
import { tcpProxy } from './support/tcp-proxy';
import type { TcpProxy } from './support/tcp-proxy';

jest.setTimeout(90_000);

const keyPrefix = `it-b53-${process.pid}-${randomBytes(3).toString('hex')}`;
const redisLateMs = 5_000;
const keyLateMs = 1_500;

interface ReadyBody {
  readonly ready: boolean;
  readonly missing: readonly string[];
  readonly checks: readonly { name: string; ok: boolean; reason?: string }[];
}

describe('B53 start-up readiness gate', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  let child: TaskfleetProcess | undefined;
  let proxy: TcpProxy;

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-b53-'));
  });

  afterAll(async () => {
    await killTaskfleetRuns(child === undefined ? [] : [child]);
    await proxy.close();
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  it('takes no job before Redis and the SSH key are there, says which is missing, fails none', async () => {
    const [listenPort, redisPort] = [await findFreePort(), await findFreePort()];
    // A proxy to the real Redis, opened only when asked (Redis "comes up").
    proxy = tcpProxy(redisPort, { host: '127.0.0.1', port: 6379 });
    const keyPath = join(workDir, 'id_ed25519');
    const configPath = join(workDir, 'config.toml');
    const toml = demoConfigToml({ world, redisUrl: `redis://127.0.0.1:${redisPort}`, keyPrefix })
      .replace(
        /log_level = "warn"\n/,
        `log_level = "warn"\nlisten_address = "127.0.0.1:${listenPort}"\n`,
      )
      .replace(
        /( *)\[\[runners\.autoscaler\.policy\]\]/,
        `$1[runners.autoscaler.connector_config]\n$1  key_path = ${JSON.stringify(keyPath)}\n$&`,
      );
    expect(toml).toContain('key_path');
    await writeFile(configPath, toml);

    // A job already waits in GitLab when the process starts.
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'early:\n  script:\n    - echo started\n');
    const project = await world.gitlab.admin.createProject({
      path: `it/b53-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);

    child = startTaskfleetRun('all', configPath);
    const seen: { atMs: number; status: number; body: ReadyBody }[] = [];
    const latest = () => seen.at(-1);
    const watch = async (): Promise<boolean> => {
      const answer = await getJson(listenPort, '/readyz');
      if (answer !== undefined) {
        seen.push({ atMs: Date.now(), status: answer.status, body: answer.body as ReadyBody });
      }
      return answer?.status === 200;
    };
    const keyMissing = `ssh_key ${keyPath}`;
    // The steps follow what the process shows, not fixed times, so a loaded machine cannot
    // shift them: both missing for a while, then the key, then (later still) Redis.
    const startedAtMs = Date.now();
    await until(
      'both named missing',
      async () => {
        await watch();
        const reason = latest()?.body.checks.find(c => c.name === 'redis')?.reason;
        return (
          reason !== undefined &&
          reason !== 'not checked yet' &&
          Date.now() - startedAtMs >= keyLateMs
        );
      },
      20_000,
      100,
    );
    // A reload signal while waiting must not end the process (Node's default for SIGHUP would).
    child.process.kill('SIGHUP');
    await writeFile(keyPath, ed25519TestKey().private, { mode: 0o600 });
    const keyAtMs = Date.now();
    await until(
      'the key seen',
      async () => {
        await watch();
        return latest()?.body.missing.includes(keyMissing) === false;
      },
      20_000,
      100,
    );
    await until(
      'Redis late',
      async () => {
        await watch();
        return Date.now() - startedAtMs >= redisLateMs;
      },
      20_000,
      100,
    );
    await proxy.open();
    const redisAtMs = Date.now();
    await until('ready', watch, 20_000, 100);

    // /readyz named both, then only Redis, and turned 200 only after both were there.
    const early = seen.filter(s => s.atMs < keyAtMs);
    expect(early.length).toBeGreaterThan(0);
    for (const s of early) {
      expect(s.status).toBe(503);
      expect(s.body.missing).toEqual(expect.arrayContaining(['redis', keyMissing]));
    }
    const redisCheck = early.at(-1)?.body.checks.find(c => c.name === 'redis');
    expect(redisCheck?.reason).toContain(`could not reach redis at redis://127.0.0.1:${redisPort}`);
    const keyCheck = early.at(-1)?.body.checks.find(c => c.name === keyMissing);
    expect(keyCheck?.reason).toContain('ENOENT');
    const between = seen.filter(
      s => s.atMs > keyAtMs && s.atMs < redisAtMs && !s.body.missing.includes(keyMissing),
    );
    expect(between.length).toBeGreaterThan(0);
    for (const s of between) {
      expect(s.status).toBe(503);
      expect(s.body.missing).toContain('redis');
    }
    const firstReady = seen.find(s => s.status === 200);
    expect(firstReady?.atMs).toBeGreaterThan(redisAtMs);
    expect(child.process.exitCode).toBeNull();

    // No job request reached GitLab before every check passed.
    const requests = world.gitlab.admin
      .listRequests({ method: 'POST', pathPrefix: '/api/v4/jobs/request' })
      .map(r => r.receivedAtMs);
    expect(requests.filter(t => t < redisAtMs)).toEqual([]);

    // The job that waited from the start runs and succeeds: nothing failed during start-up.
    await until(
      'the early job',
      () =>
        ['success', 'failed', 'canceled'].includes(
          world.gitlab.admin.getPipeline(pipeline.id).status,
        ),
      40_000,
      200,
    );
    expect(world.gitlab.admin.getPipeline(pipeline.id).status).toBe('success');
    expect(
      world.gitlab.admin.listRequests({ method: 'POST', pathPrefix: '/api/v4/jobs/request' })
        .length,
    ).toBeGreaterThan(0);
  });
});
