import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import {
  closeAll,
  connectRedis,
  demoConfigToml,
  demoMaxInstances,
  loadOrReport,
  startDemoWorld,
  startServices,
} from '@taskfleet/cli';
import type { DemoWorld, RunningService, ServiceRole } from '@taskfleet/cli';
import type { Redis } from 'ioredis';
import { pino } from 'pino';

import { trivialProject, waitForPipeline, waitForWarmFleet } from '../support/demo-fleet';
import { fixed } from '../support/measure';
import { startOwnRedis } from '../support/redis-server';
import type { OwnRedis } from '../support/redis-server';
import type { Figure } from '../support/report';
import { startCountingProxy } from '../support/resp-counter';
import type { CountingProxy } from '../support/resp-counter';

const jobCount = 120;
const idleWindowMs = 10_000;
const warmTimeoutMs = 90_000;
const pipelineTimeoutMs = 300_000;
const silent = pino({ level: 'silent' });
const roles = ['poller', 'executor', 'scaler'] as const satisfies readonly ServiceRole[];
type Role = (typeof roles)[number];

/** Calls per command name in one window, for one role. */
type Counts = Map<string, number>;
const empty: Counts = new Map();

interface Window {
  readonly seconds: number;
  readonly byRole: ReadonlyMap<Role, Counts>;
  /** Server-side calls (INFO commandstats): scripts' inner calls included. */
  readonly server: Counts;
}

/**
 * Redis commands per job on a warm fleet (3 × 2 slots, kept ready by `idle_count`): the demo's
 * poller, scaler and executors run in this process, each on its own connection through a
 * counting proxy, so every command on the wire is put down to the part that sent it. An idle
 * window first measures what the parts send with no jobs at all (ticks, long-poll intake,
 * BullMQ's wait), then one pipeline of 120 trivial jobs runs to its end.
 */
export async function redisCostSuite(): Promise<Figure[]> {
  const logger = silent;
  const redis = await startOwnRedis();
  const target = new URL(redis.url);
  const proxies = new Map<Role, CountingProxy>();
  const connections: Redis[] = [];
  let world: DemoWorld | undefined;
  let services: RunningService[] = [];
  const configDir = await mkdtemp(join(tmpdir(), 'taskfleet-bench-redis-cost-'));
  try {
    for (const role of roles) {
      proxies.set(
        role,
        await startCountingProxy({ host: target.hostname, port: Number(target.port) }),
      );
    }
    world = await startDemoWorld(logger);
    const keyPrefix = 'bench';
    const configPath = join(configDir, 'config.toml');
    const toml = demoConfigToml({ world, redisUrl: redis.url, keyPrefix })
      // A warm fleet: every instance kept ready and idle, none removed during the run.
      .replace('idle_count = 0', `idle_count = ${demoMaxInstances * 2}`)
      .replace('idle_time = "5s"', 'idle_time = "30m"');
    await writeFile(configPath, toml, { mode: 0o600 });
    const loaded = await loadOrReport(configPath, line => {
      throw new Error(`bench: demo config refused: ${line}`);
    });
    if (loaded === undefined) {
      throw new Error('bench: could not load the demo config');
    }
    const { config } = loaded;
    // Executors first, as `run all` does, so no accepted job waits for a consumer.
    for (const role of ['executor', 'scaler', 'poller'] as const) {
      const connection = await connectRedis(proxyOf(proxies, role).url);
      connections.push(connection);
      services.push(...(await startServices(role, config, connection, logger)));
    }
    const harness = await connectRedis(redis.url);
    connections.push(harness);
    await waitForWarmFleet(harness, keyPrefix, world, warmTimeoutMs);
    await delay(2_000);
    const idle = await measureWindow(redis, proxies, () => delay(idleWindowMs));
    const project = await trivialProject(configDir, jobCount);
    const created = await world.gitlab.admin.createProject({
      path: 'bench/redis-cost',
      sourceDir: project,
    });
    const gitlab = world.gitlab;
    let finalStatus = '';
    const busy = await measureWindow(redis, proxies, async () => {
      const pipeline = await gitlab.admin.createPipeline(created.id);
      finalStatus = await waitForPipeline(gitlab, pipeline.id, pipelineTimeoutMs);
    });
    const jobs = gitlab.admin.getPipeline(gitlab.admin.listPipelines().at(-1)?.id ?? 0).jobs;
    const succeeded = jobs.filter(job => job.status === 'success').length;
    if (finalStatus !== 'success' || succeeded !== jobCount) {
      throw new Error(`bench: pipeline ${finalStatus}, ${succeeded}/${jobCount} jobs passed`);
    }
    return figures(idle, busy, scriptNames(connections));
  } finally {
    await closeAll(services);
    services = [];
    for (const connection of connections) {
      connection.disconnect();
    }
    await world?.close();
    for (const proxy of proxies.values()) {
      await proxy.close();
    }
    await redis.stop();
    await rm(configDir, { recursive: true, force: true });
  }
}

function proxyOf(proxies: ReadonlyMap<Role, CountingProxy>, role: Role): CountingProxy {
  const proxy = proxies.get(role);
  if (proxy === undefined) {
    throw new Error(`bench: no proxy for ${role}`);
  }
  return proxy;
}

/** Counts per role and on the server while `body` runs. */
async function measureWindow(
  redis: OwnRedis,
  proxies: ReadonlyMap<Role, CountingProxy>,
  body: () => Promise<unknown>,
): Promise<Window> {
  const before = new Map(roles.map(role => [role, proxyOf(proxies, role).counts()]));
  const serverBefore = await redis.commandCalls();
  const start = process.hrtime.bigint();
  await body();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const server = difference(await redis.commandCalls(), serverBefore);
  // One INFO call of ours lies between the two readings.
  server.set('info', (server.get('info') ?? 0) - 1);
  const byRole = new Map(
    roles.map(role => [
      role,
      difference(proxyOf(proxies, role).counts(), before.get(role) ?? empty),
    ]),
  );
  return { seconds, byRole, server };
}

/** sha1 → script name, from the scripts each connection defined (registry, records, BullMQ). */
function scriptNames(connections: readonly Redis[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const connection of connections) {
    const defined = (connection as unknown as { scriptsSet?: Record<string, { sha: string }> })
      .scriptsSet;
    for (const [name, script] of Object.entries(defined ?? {})) {
      names.set(script.sha, name);
    }
  }
  return names;
}

/** Folds `evalsha:<sha>` and `eval:<sha>` into the script's name where it is known. */
function named(counts: Counts, scripts: ReadonlyMap<string, string>): Counts {
  const out: Counts = new Map();
  for (const [key, n] of counts) {
    const sha = /^eval(?:sha)?:([0-9a-f]{40})$/.exec(key)?.[1];
    const name = sha === undefined ? key : `evalsha ${scripts.get(sha) ?? sha.slice(0, 8)}`;
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}

function total(counts: Counts): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

function top(counts: Counts, divisor: number, limit: number): string {
  return [...counts]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, n]) => `${name} ${fixed(n / divisor)}`)
    .join(', ');
}

function figures(idle: Window, busy: Window, scripts: ReadonlyMap<string, string>): Figure[] {
  const suite = `redis cost (${jobCount} trivial jobs, warm fleet ${demoMaxInstances} × 2 slots)`;
  const figure = (name: string, value: string, unit = '', targetText = ''): Figure => ({
    suite,
    name,
    value,
    unit,
    target: targetText,
  });
  const sent = roles.reduce((sum, role) => sum + total(busy.byRole.get(role) ?? empty), 0);
  const idlePerSecond = roles.reduce(
    (sum, role) => sum + total(idle.byRole.get(role) ?? empty) / idle.seconds,
    0,
  );
  const out: Figure[] = [
    figure('commands sent per job, all parts', fixed(sent / jobCount), '', '≤ 40'),
    figure(
      'commands sent per job, idle background taken out',
      fixed((sent - idlePerSecond * busy.seconds) / jobCount),
    ),
  ];
  for (const role of roles) {
    const counts = named(busy.byRole.get(role) ?? empty, scripts);
    const idleRate = total(idle.byRole.get(role) ?? empty) / idle.seconds;
    out.push(
      figure(
        `${role}: sent per job (idle rate ${fixed(idleRate)}/s)`,
        fixed(total(counts) / jobCount),
      ),
      figure(`${role}: top commands per job`, top(counts, jobCount, 6)),
    );
  }
  out.push(
    figure(
      'calls per job on the server (scripts’ inner calls included)',
      fixed(total(busy.server) / jobCount),
    ),
    figure(
      'calls per job on the server, idle background taken out',
      fixed((total(busy.server) - (total(idle.server) / idle.seconds) * busy.seconds) / jobCount),
    ),
    figure('server: top calls per job', top(busy.server, jobCount, 8)),
    figure('pipeline wall time', fixed(busy.seconds), 's'),
  );
  return out;
}

/** Calls made between two readings, by command. */
function difference(after: Counts, before: Counts): Counts {
  return new Map([...after].map(([name, n]) => [name, n - (before.get(name) ?? 0)]));
}
