// Set-up of the intake scenarios (scenario-intake-*, scenario-planning-*): the GitLab emulator,
// real Redis under a unique prefix, the real poller and registry, and optionally a real scaler
// on the AWS emulator sharing that registry. The test plays the executor through the registry's
// own claim and release scripts, so use counts and demand are the real ones.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { Clock as EmulatorClock, GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { Clock } from '@taskfleet/gitlab';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { Poller } from '@taskfleet/poller';
import type { IntakeObserver } from '@taskfleet/poller';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import type { ScalerSettings } from '@taskfleet/scaler';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import type { ScalerWorld } from '../scaler-harness';

const logger = pino({ level: process.env.INTAKE_TEST_LOG ?? 'silent' });

/** One `[[runners]]` entry of the scenario's config.toml, as TOML lines. */
export interface RunnerToml {
  readonly runner?: string;
  readonly autoscaler?: string;
  readonly policy?: string;
}

/** Options of {@link startIntakeWorld}. */
export interface IntakeWorldOptions {
  /** How long the emulator holds a job request open with no job (real time). */
  readonly longPollTimeoutMs: number;
  /** Global lines of config.toml. @defaultValue `concurrent = 20` */
  readonly globalToml?: string;
  /** The runner entries; each becomes a runner on the emulator. @defaultValue one entry */
  readonly runners?: readonly RunnerToml[];
  /** The poller's clock. @defaultValue real time (waits are real, so keep them short) */
  readonly clock?: Clock;
  readonly reservationTtlMs?: number;
  readonly noCapacityWakeMs?: number;
  /** The project's `.gitlab-ci.yml`. @defaultValue one job */
  readonly ciYaml?: string;
  /** The emulator's clock (long-poll holds, fault windows). @defaultValue real time */
  readonly emulatorClock?: EmulatorClock;
  /** Told the poller's intake events and request concurrency figures. */
  readonly observer?: IntakeObserver;
}

/** A scenario's world; {@link IntakeWorld.cleanup} stops and removes all of it. */
export interface IntakeWorld {
  readonly emulator: GitlabEmulator;
  readonly config: Config;
  readonly poller: Poller;
  /** One registry per runner entry, on the keys the poller uses. */
  readonly registries: readonly Registry[];
  readonly projectId: number;
  /** Creates a pipeline of the project's `.gitlab-ci.yml`; returns its job ids. */
  pipeline(): Promise<number[]>;
  /** Job requests the emulator has seen. */
  jobRequests(): ReturnType<GitlabEmulator['admin']['listRequests']>;
  /**
   * A scaler on `aws`'s group and runner 0's registry, ticking on `aws.clock`; `queued` is the
   * queue's demand beyond the registry's pending jobs (none unless a test says so).
   */
  scaler(aws: ScalerWorld, settings: ScalerSettings, queued?: () => number): Scaler;
  /** Reports a job as succeeded to GitLab, as an executor would at its end. */
  succeed(jobId: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** A clock that reads `nowOf` and sleeps on real time, for a poller beside a manual-clock scaler. */
export function clockReading(nowOf: () => number): Clock {
  return {
    now: nowOf,
    // The real clock's sleep, which removes its abort listener when it wakes.
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
  };
}

/** Starts the emulator, writes the config, and builds (but does not start) the poller. */
export async function startIntakeWorld(options: IntakeWorldOptions): Promise<IntakeWorld> {
  const emulator = await startGitlabEmulator({
    longPollTimeoutMs: options.longPollTimeoutMs,
    ...(options.emulatorClock === undefined ? {} : { clock: options.emulatorClock }),
  });
  const sourceDir = await mkdtemp(join(tmpdir(), 'intake-it-'));
  const ciYaml = options.ciYaml ?? 'build:\n  script:\n    - "true"\n';
  await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
  const project = await emulator.admin.createProject({
    path: `acme/intake-${randomBytes(3).toString('hex')}`,
    sourceDir,
  });
  const keyPrefix = `intake-it-${process.pid}-${randomBytes(4).toString('hex')}`;
  const entries = options.runners ?? [{}];
  const lines = [options.globalToml ?? 'concurrent = 20', 'check_interval = 1'];
  for (const [index, entry] of entries.entries()) {
    const runner = emulator.admin.createRunner({ description: `intake-${index}` });
    lines.push(
      '[[runners]]',
      `url = "${emulator.url}"`,
      `id = ${runner.id}`,
      `token = "${runner.token}"`,
      'executor = "instance"',
      entry.runner ?? 'request_concurrency = 2',
      '[runners.autoscaler]',
      'plugin = "aws"',
      entry.autoscaler ?? 'capacity_per_instance = 1\nmax_instances = 3',
      '[runners.autoscaler.plugin_config]',
      `name = "intake-asg-${index}"`,
      entry.policy ?? '',
    );
  }
  lines.push(
    '[taskfleet]',
    `key_prefix = "${keyPrefix}"`,
    `payload_encryption_key = "${randomBytes(32).toString('base64')}"`,
  );
  const { config } = parseConfig(lines.join('\n'), { env: {}, localTimeZone: 'UTC' });
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const clock = options.clock ?? clockReading(() => Date.now());
  const poller = new Poller({
    config,
    redis,
    logger,
    clock,
    backoff: { minMs: 10, maxMs: 50 },
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    ...(options.reservationTtlMs === undefined
      ? {}
      : { reservationTtlMs: options.reservationTtlMs }),
    ...(options.noCapacityWakeMs === undefined
      ? {}
      : { noCapacityWakeMs: options.noCapacityWakeMs }),
  });
  const registries = config.runners.map(runner =>
    createRegistry({
      redis,
      keyPrefix,
      runnerKey: runnerKeyFor(runner),
      logger,
      clock: () => clock.now(),
    }),
  );
  const client = new GitlabClient({
    url: emulator.url,
    logger,
    clock,
    runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
  });
  const scalers: Scaler[] = [];
  return {
    emulator,
    config,
    poller,
    registries,
    projectId: project.id,
    async pipeline() {
      const created = await emulator.admin.createPipeline(project.id);
      return created.jobs.map(job => job.id);
    },
    jobRequests() {
      return emulator.admin.listRequests({ method: 'POST', pathPrefix: '/api/v4/jobs/request' });
    },
    scaler(aws, settings, queued = () => 0) {
      const registry = registries[0];
      if (registry === undefined) {
        throw new Error('no runner entry');
      }
      const scaler = new Scaler({
        holderId: `scaler-${randomBytes(3).toString('hex')}`,
        settings,
        provider: aws.provider,
        registry,
        // Every accepted job is registry-pending until its claim, and the test plays the executor
        // without consuming the queue, so by default the queue adds no demand of its own.
        demand: { queuedJobCount: () => Promise.resolve(queued()) },
        logger,
        clock: () => aws.clock.now(),
        readyConnectTimeoutMs: 20_000,
        readyTimeoutMs: 30_000,
      });
      scalers.push(scaler);
      return scaler;
    },
    async succeed(jobId) {
      const { token } = emulator.admin.getJob(jobId);
      const answer = await client.updateJob(jobId, token, { state: 'success' });
      if (answer.kind !== 'accepted') {
        throw new Error(`job ${jobId} final update answered ${answer.kind}`);
      }
    },
    async cleanup() {
      await poller.close();
      await Promise.all(scalers.map(scaler => scaler.close()));
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${keyPrefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) {
          await redis.del(...keys);
        }
      } while (cursor !== '0');
      await redis.quit();
      await emulator.close();
      await rm(sourceDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms until it holds, failing after `boundMs` of real time. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  boundMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not reached in ${boundMs} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
