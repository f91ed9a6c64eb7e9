// Shared set-up of the scaler integration tests: the AWS emulator with real sshd instances on a
// manual clock, a README-conformant group per test, real Redis under a unique prefix.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  createManualClock,
  createSshdInstanceHost,
  startAwsEmulator,
} from '@taskfleet/emulator-aws';
import type { AwsEmulator, InstanceHost, ManualClock } from '@taskfleet/emulator-aws';
import { AwsInstanceGroup, OWNER_TAG_KEYS } from '@taskfleet/provider-aws';
import type { OwnerTags } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import type { ScalerOptions, ScalerSettings, ScalerTimers, TickOutcome } from '@taskfleet/scaler';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Logger } from 'pino';

import { createAwsSdkClients } from './support/aws-sdk-clients';
import type { AwsSdkClients } from './support/aws-sdk-clients';
import { linuxImageId } from './support/scenario-names';

/** Emulated boot time of an instance, on the manual clock. */
export const bootDelayMs = 1_000;
/** Policy idle_time of every scenario. */
export const idleTimeMs = 60_000;
const defaultGroupMaxSize = 5;

/** The autoscaler settings of a scenario, with overrides. */
export function settingsWith(overrides: Partial<ScalerSettings> = {}): ScalerSettings {
  return {
    capacityPerInstance: 2,
    maxUseCount: null,
    maxInstanceCount: 3,
    instanceReadyCommand: null,
    updateIntervalMs: 1_000,
    failureThreshold: 3,
    scaleThrottle: { limitPerSecond: null, burst: null },
    policies: [
      {
        periods: ['* * * * *'],
        timezone: 'UTC',
        idleCount: 0,
        idleTimeMs,
        scaleFactor: 0,
        scaleFactorLimit: null,
        preemptiveMode: false,
      },
    ],
    ...overrides,
  };
}

/** Scaler options a scenario may set beyond the world's own (hooks, timeouts, intervals). */
export type ScalerExtras = Partial<
  Omit<
    ScalerOptions,
    'holderId' | 'settings' | 'provider' | 'registry' | 'demand' | 'logger' | 'clock'
  >
>;

/** One group member as DescribeAutoScalingGroups lists it. */
export interface GroupMember {
  readonly id: string;
  readonly lifecycleState: string;
}

/** One scenario's group, registry and scalers. */
export interface ScalerWorld {
  readonly clock: ManualClock;
  readonly provider: AwsInstanceGroup;
  readonly registry: Registry;
  readonly emulator: AwsEmulator;
  /** The SDK clients on the emulator, for calls a scenario makes from outside the scaler. */
  readonly clients: AwsSdkClients;
  readonly groupName: string;
  /** Jobs the demand source reports as queued; the test sets it. */
  queued: number;
  /** Makes a scaler on this world's registry and provider (closed by cleanup). */
  scaler(
    holderId: string,
    settings: ScalerSettings,
    timers?: ScalerTimers,
    extra?: ScalerExtras,
  ): Scaler;
  /** Desired capacity and members of the group. */
  group(): Promise<{ desired: number; members: GroupMember[] }>;
  /**
   * Ticks (advancing the manual clock by `stepMs` first) until `done` holds; fails after
   * `maxTicks`. Returns every outcome seen.
   */
  tickUntil(
    scaler: Scaler,
    done: (last: TickOutcome) => boolean | Promise<boolean>,
    options?: { stepMs?: number; maxTicks?: number },
  ): Promise<TickOutcome[]>;
  terminateFromOutside(id: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates a group as fleeting-plugin-aws asks: min 0, desired 0, scale-in protection, no AZ rebalance. */
async function createGroup(
  clients: AwsSdkClients,
  safeSetup: boolean,
  groupMaxSize: number,
  ownerTags: OwnerTags | undefined,
): Promise<string> {
  const suffix = randomBytes(4).toString('hex');
  const template = `scaler-template-${suffix}`;
  const name = `scaler-group-${suffix}`;
  await clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: template,
      LaunchTemplateData: {
        ImageId: linuxImageId,
        InstanceType: 't3.micro',
        // The pool's ownership tags go on every instance at launch, never by a later call (B52).
        ...(ownerTags === undefined
          ? {}
          : {
              TagSpecifications: [
                {
                  ResourceType: 'instance',
                  Tags: [
                    { Key: OWNER_TAG_KEYS.clusterId, Value: ownerTags.clusterId },
                    { Key: OWNER_TAG_KEYS.pool, Value: ownerTags.pool },
                  ],
                },
              ],
            }),
      },
    }),
  );
  await clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: template, Version: '$Latest' },
      MinSize: 0,
      MaxSize: groupMaxSize,
      DesiredCapacity: 0,
      AvailabilityZones: ['us-east-1a'],
      NewInstancesProtectedFromScaleIn: safeSetup,
    }),
  );
  if (safeSetup) {
    await clients.autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: name,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
  }
  return name;
}

/** Options of {@link startScalerWorld}. */
export interface ScalerWorldOptions {
  readonly logger?: Logger;
  /** Create the group without scale-in protection and with AZRebalance running. */
  readonly unsafeSetup?: boolean;
  /** The group's MaxSize; default 5. */
  readonly groupMaxSize?: number;
  /** Wraps the sshd instance host, e.g. to make a launch fail after the instance exists. */
  readonly wrapHost?: (host: InstanceHost) => InstanceHost;
  /** The pool's ownership tags: put on the launch template and given to the provider. */
  readonly ownerTags?: OwnerTags;
}

/** Starts a world: emulator, sshd host, group, Redis connection and registry. */
export async function startScalerWorld(options: ScalerWorldOptions = {}) {
  const logger = options.logger ?? pino({ level: process.env.SCALER_TEST_LOG ?? 'silent' });
  const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-scaler-'));
  const sshdHost: InstanceHost = createSshdInstanceHost({ stateRoot });
  const host = options.wrapHost?.(sshdHost) ?? sshdHost;
  const clock = createManualClock();
  const emulator = await startAwsEmulator({
    clock,
    instanceHost: host,
    defaultBootDelayMs: bootDelayMs,
  });
  const clients = createAwsSdkClients(emulator.endpoint);
  const name = await createGroup(
    clients,
    options.unsafeSetup !== true,
    options.groupMaxSize ?? defaultGroupMaxSize,
    options.ownerTags,
  );
  const now = (): number => clock.now();
  const provider = new AwsInstanceGroup({
    name,
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    now,
    ...(options.ownerTags === undefined ? {} : { ownerTags: options.ownerTags }),
    clientOverrides: {
      maxAttempts: 1,
      credentials: { accessKeyId: 'scaler', secretAccessKey: 'scaler' },
    },
  });
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const keyPrefix = `test-scaler-${process.pid}-${randomBytes(4).toString('hex')}`;
  const registry = createRegistry({ redis, keyPrefix, runnerKey: 'runner-1', clock: now, logger });
  const scalers: Scaler[] = [];
  const world: ScalerWorld = {
    clock,
    provider,
    registry,
    emulator,
    clients,
    groupName: name,
    queued: 0,
    scaler(holderId, settings, timers, extra = {}) {
      const scaler = new Scaler({
        readyConnectTimeoutMs: 20_000,
        readyTimeoutMs: 30_000,
        ...extra,
        ...(timers === undefined ? {} : { timers }),
        holderId,
        settings,
        provider,
        registry,
        demand: { queuedJobCount: () => Promise.resolve(world.queued) },
        logger,
        clock: now,
      });
      scalers.push(scaler);
      return scaler;
    },
    async group() {
      const answer = await clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      );
      const group = answer.AutoScalingGroups?.[0];
      return {
        desired: group?.DesiredCapacity ?? -1,
        members: (group?.Instances ?? []).map(i => ({
          id: i.InstanceId ?? '',
          lifecycleState: i.LifecycleState ?? '',
        })),
      };
    },
    async tickUntil(scaler, done, options = {}) {
      const outcomes: TickOutcome[] = [];
      const maxTicks = options.maxTicks ?? 40;
      for (let i = 0; i < maxTicks; i += 1) {
        clock.advance(options.stepMs ?? bootDelayMs);
        // sshd processes start and stop on real time: give them a moment between ticks.
        await new Promise(resolve => setTimeout(resolve, 50));
        const outcome = await scaler.tick();
        outcomes.push(outcome);
        if (await done(outcome)) {
          return outcomes;
        }
      }
      throw new Error(`condition not reached after ${maxTicks} ticks`);
    },
    async terminateFromOutside(id) {
      const response = await fetch(`${emulator.adminEndpoint}/instances/${id}/terminate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) {
        throw new Error(`admin terminate answered ${response.status}`);
      }
    },
    async cleanup() {
      await Promise.all(scalers.map(s => s.close()));
      await provider.shutdown();
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
      await sshdHost.close();
      await rm(stateRoot, { recursive: true, force: true });
    },
  };
  return world;
}
