import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connectRedis, demoConfigToml, demoMaxInstances, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import type { Redis } from 'ioredis';
import { pino } from 'pino';

import { waitForWarmFleet } from './demo-fleet';
import { startOwnRedis } from './redis-server';
import type { OwnRedis } from './redis-server';
import { killTaskfleetRuns, startTaskfleetRun, stopTaskfleetRun } from './taskfleet-processes';
import type { TaskfleetProcess } from './taskfleet-processes';

const silent = pino({ level: 'silent' });
const keyPrefix = 'bench';
const warmTimeoutMs = 90_000;
const stopGraceMs = 20_000;

/** How the warm fleet is sized; every slot is kept ready and idle (`idle_count`). */
export interface ProcessFleetOptions {
  /** Slots per instance (`capacity_per_instance`); the demo group has 3 instances. */
  readonly capacityPerInstance: number;
  /** Job requests the poller keeps in flight (`request_concurrency`). */
  readonly requestConcurrency: number;
  /** Where the services write `--cpu-prof` profiles; none when undefined. */
  readonly cpuProfileDir?: string | undefined;
  /** More environment for the services (OpenTelemetry's exporter settings, for one). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The three services of one runner as their own processes, on a warm demo fleet. */
export interface ProcessFleet {
  readonly world: DemoWorld;
  readonly slots: number;
  readonly executor: TaskfleetProcess;
  readonly poller: TaskfleetProcess;
  readonly scaler: TaskfleetProcess;
  /** A project on the GitLab emulator from a directory holding a `.gitlab-ci.yml`. */
  createProject(path: string, sourceDir: string): Promise<number>;
  /** Stops the services (SIGTERM, so profiles are written), the emulators and Redis. */
  close(): Promise<void>;
}

/**
 * Starts both emulators in this process (real sshd instances), a Redis of the bench's own, and
 * `taskfleet run executor|scaler|poller` as child processes on the demo group, so each figure
 * taken from a service's pid holds that service alone; resolves once all three instances are
 * ready. GitLab's rate limits are removed: they cap a runner at 2000 job requests per minute,
 * which the throughput target exceeds by design.
 */
export async function startProcessFleet(options: ProcessFleetOptions): Promise<ProcessFleet> {
  const slots = demoMaxInstances * options.capacityPerInstance;
  const cleanups: (() => Promise<unknown>)[] = [];
  const runAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
    cleanups.length = 0;
  };
  try {
    const redis: OwnRedis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const configDir = await mkdtemp(join(tmpdir(), 'taskfleet-bench-fleet-'));
    cleanups.push(() => rm(configDir, { recursive: true, force: true }));
    const world = await startDemoWorld(silent);
    cleanups.push(() => world.close());
    world.gitlab.admin.clearFaults();
    const configPath = join(configDir, 'config.toml');
    await writeFile(configPath, fleetToml(world, redis.url, options, slots), { mode: 0o600 });
    const env = { ...process.env, ...options.env };
    const nodeArgs =
      options.cpuProfileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
    const started: TaskfleetProcess[] = [];
    cleanups.push(async () => {
      await Promise.all(started.map(child => stopTaskfleetRun(child, stopGraceMs)));
      await killTaskfleetRuns(started);
    });
    // Executor first, as `run all` does, so no accepted job waits for a consumer.
    const [executor, scaler, poller] = (['executor', 'scaler', 'poller'] as const).map(role => {
      const child = startTaskfleetRun(role, configPath, env, nodeArgs);
      started.push(child);
      return child;
    }) as [TaskfleetProcess, TaskfleetProcess, TaskfleetProcess];
    const harness: Redis = await connectRedis(redis.url);
    try {
      // A service that exits (a refused config, say) ends the wait at once.
      const exited = started.map(child =>
        child.exited.then(code => {
          throw new Error(`bench: ${child.role} exited with ${String(code)}`);
        }),
      );
      await Promise.race([waitForWarmFleet(harness, keyPrefix, world, warmTimeoutMs), ...exited]);
    } catch (error) {
      const logs = started.map(c => `${c.role}: ${c.stderr.slice(-2000)}`).join('\n');
      throw new Error(`${String(error)}\n${logs}`, { cause: error });
    } finally {
      harness.disconnect();
    }
    for (const child of started) {
      if (child.process.exitCode !== null) {
        throw new Error(`bench: ${child.role} exited early: ${child.stderr.slice(-2000)}`);
      }
    }
    return {
      world,
      slots,
      executor,
      poller,
      scaler,
      async createProject(path, sourceDir) {
        return (await world.gitlab.admin.createProject({ path, sourceDir })).id;
      },
      close: runAll,
    };
  } catch (error) {
    await runAll();
    throw error;
  }
}

/** The demo's config.toml with every slot kept warm and the fleet's size and intake set. */
function fleetToml(
  world: DemoWorld,
  redisUrl: string,
  options: ProcessFleetOptions,
  slots: number,
): string {
  let toml = demoConfigToml({ world, redisUrl, keyPrefix });
  const edits: readonly (readonly [string, string])[] = [
    [`concurrent = ${demoMaxInstances * 2}`, `concurrent = ${slots}`],
    ['request_concurrency = 2', `request_concurrency = ${options.requestConcurrency}`],
    ['capacity_per_instance = 2', `capacity_per_instance = ${options.capacityPerInstance}`],
    // A warm fleet: every slot kept ready and idle, none removed during the run.
    ['idle_count = 0', `idle_count = ${slots}`],
    ['idle_time = "5s"', 'idle_time = "30m"'],
  ];
  for (const [from, to] of edits) {
    if (!toml.includes(from)) {
      throw new Error(`bench: the demo config no longer has "${from}"`);
    }
    toml = toml.replace(from, to);
  }
  return toml;
}
