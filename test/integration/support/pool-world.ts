// Many pools in one process on the AWS emulator (instances in the model only, manual clock) and
// real Redis: one group, registry and scaler per pool, one shared describer for the account,
// and every scaler's ticks on one manual timer queue.
import { randomBytes } from 'node:crypto';

import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { createManualClock, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator, CallRecord, ManualClock } from '@taskfleet/emulator-aws';
import { AwsInstanceGroup, SharedGroupDescriber } from '@taskfleet/provider-aws';
import type { AwsProviderSettings } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import type { ScalerOptions, ScalerSettings } from '@taskfleet/scaler';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Logger } from 'pino';

import { createAwsSdkClients } from './aws-sdk-clients';
import type { AwsSdkClients } from './aws-sdk-clients';
import { ManualTimerQueue } from './manual-timers';
import { linuxImageId } from './scenario-names';

/** One pool: its group, registry, provider and scaler, and the jobs its demand reports. */
export interface Pool {
  readonly index: number;
  readonly groupName: string;
  readonly registry: Registry;
  readonly provider: AwsInstanceGroup;
  scaler: Scaler;
  queued: number;
}

/** Options of {@link startPoolWorld}. */
export interface PoolWorldOptions {
  readonly pools: number;
  readonly settings: ScalerSettings;
  readonly groupMaxSize?: number;
  /** Extra scaler options per pool (start offset, creation budget …), made at clock `nowMs`. */
  readonly scalerOptions?: (index: number, nowMs: number) => Partial<ScalerOptions>;
  /** Back-off options of the shared describer (its clock is the world's). */
  readonly backoff?: { readonly baseMs?: number; readonly random?: () => number };
  readonly bootDelayMs?: number;
  readonly logger?: Logger;
}

/** A world of many pools sharing one account. */
export interface PoolWorld {
  readonly clock: ManualClock;
  readonly emulator: AwsEmulator;
  readonly clients: AwsSdkClients;
  readonly describer: SharedGroupDescriber;
  readonly timers: ManualTimerQueue;
  readonly pools: readonly Pool[];
  /** Starts every pool's loop (each at its start offset). */
  start(): void;
  /** Runs every tick due up to `untilMs` (clock time), each to its end. */
  runUntil(untilMs: number): Promise<void>;
  /** Replaces a pool's scaler by a new one on the same registry (a restart), not started. */
  restart(index: number, extra?: Partial<ScalerOptions>): Promise<Scaler>;
  /** The accepted calls of one action, from the emulator's admin `GET /calls`. */
  calls(action: string): Promise<CallRecord[]>;
  /** Members per group (only those in `lifecycleState` when given), by pool index. */
  members(lifecycleState?: string): Promise<number[]>;
  /** Injects an emulator fault through its admin API. */
  fault(path: string, body: unknown): Promise<void>;
  cleanup(): Promise<void>;
}

async function createGroups(clients: AwsSdkClients, count: number, maxSize: number) {
  const suffix = randomBytes(4).toString('hex');
  const template = `pools-template-${suffix}`;
  await clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: template,
      LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
    }),
  );
  const names = Array.from({ length: count }, (_, i) => `pools-${suffix}-${i}`);
  for (const name of names) {
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateName: template, Version: '$Latest' },
        MinSize: 0,
        MaxSize: maxSize,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    await clients.autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: name,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
  }
  return names;
}

/** Starts the emulator, creates one group per pool and makes (does not start) the scalers. */
export async function startPoolWorld(options: PoolWorldOptions): Promise<PoolWorld> {
  const logger = options.logger ?? pino({ level: process.env.SCALER_TEST_LOG ?? 'silent' });
  const clock = createManualClock();
  const emulator = await startAwsEmulator({
    clock,
    defaultBootDelayMs: options.bootDelayMs ?? 1_000,
  });
  const clients = createAwsSdkClients(emulator.endpoint);
  const names = await createGroups(clients, options.pools, options.groupMaxSize ?? 10);
  const now = (): number => clock.now();
  const providerSettings = (name: string): AwsProviderSettings => ({
    name,
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    now,
    clientOverrides: { maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
  });
  const describer = SharedGroupDescriber.forSettings(providerSettings(names[0] ?? ''), {
    ...options.backoff,
  });
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const keyPrefix = `test-pools-${process.pid}-${randomBytes(4).toString('hex')}`;
  const timers = new ManualTimerQueue(clock);
  const makeScaler = (pool: Omit<Pool, 'scaler'>, extra: Partial<ScalerOptions>): Scaler =>
    new Scaler({
      holderId: `pools-${pool.index}-${randomBytes(2).toString('hex')}`,
      settings: options.settings,
      provider: pool.provider,
      registry: pool.registry,
      demand: { queuedJobCount: () => Promise.resolve((pool as Pool).queued) },
      logger,
      clock: now,
      timers: timers.timersFor(pool.index),
      accountBackoff: describer.backoff,
      ...options.scalerOptions?.(pool.index, clock.now()),
      ...extra,
    });
  const pools: Pool[] = names.map((groupName, index) => {
    const base = {
      index,
      groupName,
      queued: 0,
      registry: createRegistry({
        redis,
        keyPrefix,
        runnerKey: `pool-${index}`,
        clock: now,
        logger,
      }),
      provider: new AwsInstanceGroup({ ...providerSettings(groupName), describer }),
    };
    const pool = base as Pool;
    pool.scaler = makeScaler(base, {});
    return pool;
  });
  const settle = async (owner: number): Promise<void> => {
    await pools[owner]?.scaler.tick().catch(() => undefined);
    await new Promise(resolve => setImmediate(resolve));
  };
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${emulator.adminEndpoint}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      throw new Error(`admin ${method} ${path} answered ${response.status}`);
    }
    return response.json();
  };
  return {
    clock,
    emulator,
    clients,
    describer,
    timers,
    pools,
    start: () => {
      pools.forEach(pool => {
        pool.scaler.start();
      });
    },
    runUntil: untilMs => timers.runUntil(untilMs, settle),
    async restart(index, extra = {}) {
      const pool = pools[index] as Pool;
      await pool.scaler.close();
      pool.scaler = makeScaler(pool, extra);
      return pool.scaler;
    },
    async calls(action) {
      const answer = (await admin('GET', `/calls?action=${action}`)) as { calls: CallRecord[] };
      return answer.calls;
    },
    async members(lifecycleState) {
      const answer = await clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }),
      );
      const byName = new Map(answer.AutoScalingGroups?.map(g => [g.AutoScalingGroupName, g]));
      return names.map(
        name =>
          (byName.get(name)?.Instances ?? []).filter(
            i => lifecycleState === undefined || i.LifecycleState === lifecycleState,
          ).length,
      );
    },
    async fault(path, body) {
      await admin('POST', path, body);
    },
    async cleanup() {
      await Promise.all(pools.map(pool => pool.scaler.close()));
      await Promise.all(pools.map(pool => pool.provider.shutdown()));
      describer.close();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `{tf:${keyPrefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) {
          await redis.del(...keys);
        }
      } while (cursor !== '0');
      await redis.quit();
      clients.destroy();
      await emulator.close();
    },
  };
}
