import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import pino from 'pino';
import type { Logger } from 'pino';

import { createAdminServer } from './admin/admin-server';
import { stateSnapshot } from './admin/state-snapshot';
import { createRealClock, isManualClock } from './clock';
import type { Clock } from './clock';
import { EmulatorError } from './errors';
import type { InstanceHost } from './instances/instance-host';
import { AwsModel } from './model/aws-model';
import { CallLog } from './model/call-log';
import type { CallRecord } from './model/call-log';
import type { BootSettings } from './model/faults';
import { Scheduler } from './model/scheduler';
import { createRandom } from './random';
import { createAwsApiServer } from './server';

/** Options of `startAwsEmulator`; everything has a default. */
export interface AwsEmulatorOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** API port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Admin API port; 0 (default) picks a free one. */
  readonly adminPort?: number;
  /** The clock every delay runs on (default: real time). */
  readonly clock?: Clock;
  /** Starts real sshd instances; without it instances exist only in the model. */
  readonly instanceHost?: InstanceHost;
  readonly logger?: Logger;
  /** Region name used in ARNs and zones (default us-east-1). */
  readonly region?: string;
  /** Account id used in ARNs and ownerId (default 123456789012). */
  readonly accountId?: string;
  /** How long a new instance stays pending (default 1000 ms). */
  readonly defaultBootDelayMs?: number;
  /** Random extra boot delay in [0, jitter) (default 0). */
  readonly defaultBootJitterMs?: number;
  /** How long shutting-down lasts (default 500 ms). */
  readonly shutdownDelayMs?: number;
  /** How long terminated instances stay in DescribeInstances (default 1 h). */
  readonly terminatedRetentionMs?: number;
  /** How long after a failed launch the group retries (default 10 s). */
  readonly launchRetryDelayMs?: number;
  /** Boot settings per group name, as if set through the admin API at start. */
  readonly groupBoot?: Readonly<Record<string, Partial<BootSettings>>>;
  /** Login user of the emulated AMI (default ec2-user). */
  readonly osUser?: string;
  /** Port sshd listens on inside each instance (default 22). */
  readonly sshPort?: number;
  /** Seed for ids, jitter and the termination policy's random step. */
  readonly randomSeed?: number | string;
}

/** Read-only access to the emulator's model for tests. */
export interface AwsEmulatorState {
  /** A JSON-ready copy of every group, instance, activity, key and fault. */
  snapshot(): Record<string, unknown>;
  /** The API calls answered so far, optionally of one action. */
  calls(action?: string): readonly CallRecord[];
  /** API calls per action. */
  callCounts(): Record<string, number>;
}

/** A running AWS emulator. */
export interface AwsEmulator {
  /** Base URL for the SDK's `endpoint`, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Base URL of the JSON admin API. */
  readonly adminEndpoint: string;
  readonly state: AwsEmulatorState;
  /** Stops both servers, cancels every timer and terminates this emulator's instances (the host stays open). */
  close(): Promise<void>;
}

/** Starts Auto Scaling, EC2 and EC2 Instance Connect on one loopback port, plus the admin API. */
export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) {
    throw new EmulatorError(
      'bad-request',
      `could not start the emulator: ${host} is not a loopback address`,
    );
  }
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? pino({ level: 'silent' });
  const scheduler = new Scheduler(clock);
  const model = new AwsModel({
    clock,
    scheduler,
    random: createRandom(options.randomSeed),
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    logger,
    host: options.instanceHost,
    osUser: options.osUser ?? 'ec2-user',
    sshPort: options.sshPort ?? 22,
    timings: {
      defaultBootDelayMs: options.defaultBootDelayMs ?? 1000,
      defaultBootJitterMs: options.defaultBootJitterMs ?? 0,
      shutdownDelayMs: options.shutdownDelayMs ?? 500,
      terminatedRetentionMs: options.terminatedRetentionMs ?? 3_600_000,
      launchRetryDelayMs: options.launchRetryDelayMs ?? 10_000,
    },
  });
  for (const [groupName, boot] of Object.entries(options.groupBoot ?? {})) {
    model.faults.boot.set(groupName, {
      bootDelayMs: boot.bootDelayMs ?? model.ctx.timings.defaultBootDelayMs,
      bootJitterMs: boot.bootJitterMs ?? model.ctx.timings.defaultBootJitterMs,
      bootMode: boot.bootMode ?? 'ok',
    });
  }
  const calls = new CallLog();
  const api = createAwsApiServer(model, calls);
  const admin = createAdminServer({
    model,
    calls,
    manualClock: isManualClock(clock) ? clock : undefined,
  });
  const apiPort = await listen(api, host, options.port ?? 0);
  let adminPort: number;
  try {
    adminPort = await listen(admin, host, options.adminPort ?? 0);
  } catch (error) {
    await closeServer(api);
    throw error;
  }
  logger.info({ apiPort, adminPort }, 'aws emulator listening');
  let closed = false;
  return {
    endpoint: `http://${host}:${apiPort}`,
    adminEndpoint: `http://${host}:${adminPort}`,
    state: {
      snapshot: () => stateSnapshot(model),
      calls: action => calls.list(action),
      callCounts: () => calls.counts(),
    },
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      scheduler.close();
      await Promise.all([closeServer(api), closeServer(admin)]);
      // The host belongs to whoever created it; only this emulator's instances end here.
      await model.ec2.closeAll();
      logger.info({}, 'aws emulator stopped');
    },
  };
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (cause: NodeJS.ErrnoException): void => {
      const reason = cause.code ?? cause.message;
      reject(
        new EmulatorError('listen-failed', `could not listen on ${host}:${port} (${reason})`, {
          cause,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>(resolve =>
    server.close(() => {
      resolve();
    }),
  );
}
