import { generateEd25519KeyPair } from '../ssh/generate-key-pair';

import { FleetingError } from '../errors';
import { buildConnectInfo } from '../port/build-connect-info';
import type { ConnectInfo, ConnectorConfig } from '../port/connector-config';
import type {
  CallOptions,
  DecreaseResult,
  IncreaseResult,
  InstanceGroup,
} from '../port/instance-group';
import type { StrayInstance } from '../port/instance-facts';
import type { InstanceState, InstanceStatus } from '../port/instance-state';
import type { ProviderInfo } from '../port/provider-info';
import { answerEach, notFound } from './fake-removals';
import type { FakeInstance, FakeInstanceGroupOptions, FakeStray } from './fake-types';

export type { FakeInstanceGroupOptions } from './fake-types';

/**
 * An instance group held in memory for unit tests of the scaler: instances move from
 * `creating` to `running` and from `deleting` to gone as its clock passes the delays, and every
 * call can be made to fail on demand.
 */
export class FakeInstanceGroup implements InstanceGroup {
  private readonly instances = new Map<string, FakeInstance>();
  /** Instances with the pool's tags outside the group, and when each one's end was asked for. */
  private readonly strays = new Map<string, FakeStray>();
  private readonly maxSize: number;
  private readonly bootDelayMs: number;
  private readonly deleteDelayMs: number;
  private readonly externalClock: (() => number) | undefined;
  private readonly settings: ConnectorConfig;
  private readonly providerId: string;
  private readonly idPrefix: string;
  private ownClockMs = 0;
  private sequence = 0;
  private generatedKey: Buffer | undefined;
  private isShutDown = false;
  private readonly updateFailures: FleetingError[] = [];
  private readonly increaseFailures: { error: FleetingError; requested: number }[] = [];
  private readonly decreaseFailures = new Map<string, FleetingError>();
  private bootFailuresPending = 0;

  constructor(options: FakeInstanceGroupOptions = {}) {
    this.maxSize = options.maxSize ?? 10;
    this.bootDelayMs = options.bootDelayMs ?? 1_000;
    this.deleteDelayMs = options.deleteDelayMs ?? 1_000;
    this.externalClock = options.now;
    this.settings = options.settings ?? {};
    this.providerId = options.providerId ?? 'fake/local/group';
    this.idPrefix = options.idPrefix ?? 'i-fake';
  }

  /** Moves the fake's own clock forward; refused when an external clock was injected. */
  tick(ms = Math.max(this.bootDelayMs, this.deleteDelayMs)): void {
    if (this.externalClock !== undefined) {
      throw new FleetingError(
        'invalid_argument',
        'could not tick: the fake uses an injected clock',
      );
    }
    this.ownClockMs += ms;
  }

  /** Makes the next `update()` reject with `error`. */
  failNextUpdate(error: FleetingError): void {
    this.updateFailures.push(error);
  }

  /** Makes the next `increase()` request at most `requested` instances and report `error`. */
  failNextIncrease(error: FleetingError, requested = 0): void {
    this.increaseFailures.push({ error, requested });
  }

  /** Makes the next `decrease()` or `removeStrays()` naming `id` fail for that id with `error`. */
  failNextDecreaseOf(id: string, error: FleetingError): void {
    this.decreaseFailures.set(id, error);
  }

  /** Makes the next `count` instances created end in `timeout` instead of `running`. */
  failNextBoots(count = 1): void {
    this.bootFailuresPending += count;
  }

  /** Marks an instance unhealthy at the cloud level: heartbeat and connectInfo then reject. */
  markUnhealthy(id: string): void {
    this.require(id).unhealthy = true;
  }

  /** Removes an instance as something outside the scaler would (spot reclaim, a person). */
  removeExternally(id: string): void {
    this.instances.delete(id);
  }

  /** Takes a member out of the group behind the provider's back; it lives on as a stray. */
  detach(id: string): void {
    const instance = this.require(id);
    this.instances.delete(id);
    this.strays.set(id, { createdAtMs: instance.createdAtMs });
  }

  /** Adds a stray with the pool's tags that was never a member (a crashed run's launch). */
  addStray(): string {
    this.sequence += 1;
    const id = `${this.idPrefix}${this.sequence.toString(16).padStart(12, '0')}`;
    this.strays.set(id, { createdAtMs: this.now() });
    return id;
  }

  /**
   * Starts a removal the way a cloud does on its own (an instance refresh with a termination
   * hook): the instance is `deleting` with a removal hold until released or `timeoutMs` passes.
   */
  holdRemoval(id: string, timeoutMs: number): void {
    const instance = this.require(id);
    instance.hold = { timeoutMs, deadlineMs: this.now() + timeoutMs, extensions: 0 };
  }

  /** How often the hold on `id` was extended; undefined when it holds none. */
  holdExtensions(id: string): number | undefined {
    return this.instances.get(id)?.hold?.extensions;
  }

  /** The group as it is now, for assertions. */
  snapshot(): readonly InstanceState[] {
    this.sweep();
    return [...this.instances.values()].map(instance => ({
      id: instance.id,
      state: this.stateOf(instance),
      ...(instance.hold === undefined
        ? {}
        : { removalHold: { timeoutMs: instance.hold.timeoutMs } }),
    }));
  }

  init(options?: CallOptions): Promise<ProviderInfo> {
    return this.call(options, () => ({
      id: this.providerId,
      maxSize: this.maxSize,
      version: '0.1.0',
      capabilities: ['removal_hold', 'stray_instances'],
    }));
  }

  update(options?: CallOptions): Promise<readonly InstanceState[]> {
    return this.call(options, () => {
      const failure = this.updateFailures.shift();
      if (failure !== undefined) {
        throw failure;
      }
      return this.snapshot();
    });
  }

  increase(delta: number, options?: CallOptions): Promise<IncreaseResult> {
    return this.call(options, () => {
      if (!Number.isInteger(delta) || delta < 1) {
        throw new FleetingError('invalid_argument', 'could not increase: delta must be ≥ 1');
      }
      const injected = this.increaseFailures.shift();
      const active = this.snapshot().filter(member => member.state !== 'deleting').length;
      const room = Math.max(0, this.maxSize - active);
      const requested = Math.min(delta, room, injected?.requested ?? delta);
      for (let created = 0; created < requested; created += 1) {
        this.create();
      }
      if (injected !== undefined) {
        return { requested, error: injected.error };
      }
      if (requested < delta) {
        const error = new FleetingError('capacity_exceeded', 'could not increase beyond max size');
        return { requested, error };
      }
      return { requested };
    });
  }

  decrease(ids: readonly string[], options?: CallOptions): Promise<DecreaseResult> {
    return this.call(options, () => {
      this.sweep();
      return answerEach(ids, this.decreaseFailures, this.instances, instance => {
        instance.deletingSinceMs ??= this.now();
      });
    });
  }

  connectInfo(id: string, options?: CallOptions): Promise<ConnectInfo> {
    return this.call(options, () => {
      const instance = this.usable(id);
      const needsKey = this.settings.key === undefined && this.settings.password === undefined;
      return buildConnectInfo(this.settings, {
        id,
        internalAddr: instance.address,
        defaultUsername: 'fake-user',
        ...(needsKey && this.settings.useStaticCredentials !== true ? { key: this.key() } : {}),
      });
    });
  }

  heartbeat(id: string, options?: CallOptions): Promise<void> {
    return this.call(options, () => {
      this.usable(id);
    });
  }

  extendRemovalHold(id: string, options?: CallOptions): Promise<void> {
    return this.call(options, () => {
      const instance = this.require(id);
      if (instance.hold === undefined) {
        throw notFound(id);
      }
      instance.hold.deadlineMs = this.now() + instance.hold.timeoutMs;
      instance.hold.extensions += 1;
    });
  }

  releaseRemovalHold(id: string, options?: CallOptions): Promise<void> {
    return this.call(options, () => {
      this.sweep();
      const instance = this.instances.get(id);
      if (instance?.hold !== undefined) {
        instance.hold = undefined;
        instance.deletingSinceMs = this.now();
      }
    });
  }

  listStrays(options?: CallOptions): Promise<readonly StrayInstance[]> {
    return this.call(options, () => {
      this.sweep();
      return [...this.strays].map(([id, stray]) => ({
        id,
        launchedAtMs: stray.createdAtMs,
        providerState: stray.endingSinceMs === undefined ? 'running' : 'shutting-down',
      }));
    });
  }

  removeStrays(ids: readonly string[], options?: CallOptions): Promise<DecreaseResult> {
    return this.call(options, () => {
      this.sweep();
      return answerEach(ids, this.decreaseFailures, this.strays, stray => {
        stray.endingSinceMs ??= this.now();
      });
    });
  }

  shutdown(): Promise<void> {
    this.isShutDown = true;
    return Promise.resolve();
  }

  private now(): number {
    return this.externalClock?.() ?? this.ownClockMs;
  }

  /** Runs a port call with the checks every call shares, as a promise. */
  private call<T>(options: CallOptions | undefined, body: () => T): Promise<T> {
    if (options?.signal?.aborted === true) {
      return Promise.reject(new FleetingError('canceled', 'could not call the fake: aborted'));
    }
    if (this.isShutDown) {
      return Promise.reject(new FleetingError('shut_down', 'could not call the fake: shut down'));
    }
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private create(): void {
    this.sequence += 1;
    const id = `${this.idPrefix}${this.sequence.toString(16).padStart(12, '0')}`;
    // Loopback addresses that nothing listens on, so an accidental dial fails fast and locally.
    const address = `127.200.${Math.floor(this.sequence / 250) % 250}.${(this.sequence % 250) + 1}`;
    const failsBoot = this.bootFailuresPending > 0;
    this.bootFailuresPending -= failsBoot ? 1 : 0;
    this.instances.set(id, {
      id,
      address,
      createdAtMs: this.now(),
      failsBoot,
      unhealthy: false,
    });
  }

  /** Drops instances whose deletion has completed. */
  private sweep(): void {
    const now = this.now();
    for (const [id, instance] of this.instances) {
      if (instance.hold !== undefined && now >= instance.hold.deadlineMs) {
        // Nobody answered in time: the cloud goes ahead, as a hook's DefaultResult does.
        instance.hold = undefined;
        instance.deletingSinceMs = now;
      }
      if (
        instance.deletingSinceMs !== undefined &&
        now - instance.deletingSinceMs >= this.deleteDelayMs
      ) {
        this.instances.delete(id);
      }
    }
    for (const [id, stray] of this.strays) {
      if (stray.endingSinceMs !== undefined && now - stray.endingSinceMs >= this.deleteDelayMs) {
        this.strays.delete(id);
      }
    }
  }

  private stateOf(instance: FakeInstance): InstanceStatus {
    if (instance.deletingSinceMs !== undefined || instance.hold !== undefined) {
      return 'deleting';
    }
    if (this.now() - instance.createdAtMs < this.bootDelayMs) {
      return 'creating';
    }
    return instance.failsBoot ? 'timeout' : 'running';
  }

  private require(id: string): FakeInstance {
    this.sweep();
    const instance = this.instances.get(id);
    if (instance === undefined) {
      throw notFound(id);
    }
    return instance;
  }

  private usable(id: string): FakeInstance {
    const instance = this.require(id);
    if (instance.unhealthy || this.stateOf(instance) === 'timeout') {
      throw new FleetingError('instance_unhealthy', `could not use instance ${id}: unhealthy`, {
        instanceId: id,
      });
    }
    return instance;
  }

  private key(): Buffer {
    this.generatedKey ??= Buffer.from(generateEd25519KeyPair().privateKey);
    return this.generatedKey;
  }
}
