import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { FleetingError } from '@taskfleet/fleeting';
import type {
  CallOptions,
  ConnectInfo,
  DecreaseResult,
  IncreaseResult,
  InstanceFacts,
  InstanceGroup,
  InstanceState,
  ProviderInfo,
  StrayInstance,
} from '@taskfleet/fleeting';
import { pino } from 'pino';
import type { Logger } from 'pino';

import { createAwsClients } from './aws-clients';
import type { AwsClients } from './aws-clients';
import { connectInfoOf, describeRunningInstance } from './connect-info';
import { decreaseInstances, failAll } from './decrease';
import { describeGroup, groupSetupOf } from './group-setup';
import type { GroupSetup } from './group-setup';
import { applyIncrease, planIncrease } from './increase';
import { inspectInstances } from './inspect-instances';
import { resolveSettings } from './settings';
import type { AwsProviderSettings, ResolvedAwsSettings } from './settings';
import { instanceStatusOf } from './state-mapping';
import { findStrays, strayOf, terminateStrays } from './strays';
import type { StrayScope } from './strays';
import { completeActions, describeTerminationHooks, recordHeartbeats } from './termination-hooks';
import type { TerminationHook } from './termination-hooks';

/** This provider's version, reported in ProviderInfo. */
export const providerAwsVersion = '0.1.0';

/** How long a list of the group's termination hooks is trusted before it is read again. */
const hooksMaxAgeMs = 60_000;

/** The capacity figures the provider last saw on the group. */
export interface GroupCapacity {
  readonly desiredCapacity: number;
  readonly minSize: number;
  readonly maxSize: number;
}

/**
 * The fleeting port on one EC2 Auto Scaling Group, with fleeting-plugin-aws's calls: describe
 * for state, absolute SetDesiredCapacity to grow, TerminateInstanceInAutoScalingGroup with
 * decrement to shrink, and EC2 Instance Connect for per-connection keys.
 */
export class AwsInstanceGroup implements InstanceGroup {
  private readonly input: AwsProviderSettings;
  private readonly logger: Logger;
  private readonly now: () => number;
  private settings: ResolvedAwsSettings | undefined;
  private clients: AwsClients | undefined;
  private setup: GroupSetup | undefined;
  /** The desired capacity as we last set or adopted it. */
  private expectedDesired = 0;
  private isShutDown = false;
  private setupWarned = false;
  /** The tail of the capacity calls in flight; they run one at a time (see `serialized`). */
  private capacityQueue: Promise<unknown> = Promise.resolve();
  /** The group's termination lifecycle hooks as last read, and when. */
  private hooks: { list: readonly TerminationHook[]; readAtMs: number } | undefined;
  /** The group's members as last described: never strays, whatever their tags say. */
  private memberIds: ReadonlySet<string> = new Set();

  constructor(settings: AwsProviderSettings) {
    this.input = settings;
    this.logger = (settings.logger ?? pino({ enabled: false })).child({
      component: 'provider-aws',
      groupName: settings.name,
    });
    this.now = settings.now ?? Date.now;
    settings.describer?.register(settings.name);
    if (settings.ownerTags !== undefined) {
      settings.strayFinder?.register(settings.ownerTags);
    }
  }

  /** Validates settings, creates the clients once, describes the group and checks its setup. */
  async init(options: CallOptions = {}): Promise<ProviderInfo> {
    this.ensureOpen();
    this.settings ??= resolveSettings(this.input);
    this.clients ??= createAwsClients(this.settings);
    const region = await this.resolveRegion();
    const group = await this.describe(this.clients, this.settings.name, options.signal, true);
    this.adopt(group, true);
    await this.readHooksIfStale(options.signal).catch((error: unknown) => {
      // Without the list, held members are still reported as deleting; the next update retries.
      this.logger.warn({ err: error }, 'could not read lifecycle hooks');
    });
    this.warnAboutSetup();

    return {
      id: `aws/${region}/${this.settings.name}`,
      // The group's own MaxSize, not the plugin's fixed 1000: the scaler must never plan past
      // what AWS will accept (B58), and this is the number AWS enforces.
      maxSize: this.setup?.maxSize ?? 0,
      version: providerAwsVersion,
      capabilities:
        this.settings.ownerTags === undefined
          ? ['removal_hold', 'instance_facts']
          : ['removal_hold', 'instance_facts', 'stray_instances'],
    };
  }

  /** Lists the group's members with their port state, adopting any outside capacity change. */
  async update(options: CallOptions = {}): Promise<readonly InstanceState[]> {
    const { clients, settings } = this.ready();
    const group = await this.serialized(async () => {
      const described = await this.describe(clients, settings.name, options.signal);
      this.adopt(described, false);
      return described;
    });

    const members = group.Instances ?? [];
    const holdTimeoutMs = members.some(m => m.LifecycleState === 'Terminating:Wait')
      ? await this.holdTimeoutMs(options.signal)
      : undefined;

    return members.flatMap(member =>
      member.InstanceId === undefined
        ? []
        : [
            {
              id: member.InstanceId,
              state: instanceStatusOf(member.LifecycleState),
              ...(member.LifecycleState === undefined
                ? {}
                : { providerState: member.LifecycleState }),
              ...(member.LifecycleState === 'Terminating:Wait' && holdTimeoutMs !== undefined
                ? { removalHold: { timeoutMs: holdTimeoutMs } }
                : {}),
            },
          ],
    );
  }

  /** RecordLifecycleActionHeartbeat for a member in `Terminating:Wait` on every termination hook. */
  async extendRemovalHold(id: string, options: CallOptions = {}): Promise<void> {
    const { clients, settings } = this.ready();
    const hooks = await this.readHooksIfStale(options.signal, true);
    await recordHeartbeats(clients.autoScaling, settings.name, hooks, id, options.signal);
    this.logger.debug({ instanceId: id }, 'lifecycle action heartbeat sent');
  }

  /** CompleteLifecycleAction CONTINUE on every termination hook; an action already gone is done. */
  async releaseRemovalHold(id: string, options: CallOptions = {}): Promise<void> {
    const { clients, settings } = this.ready();
    const hooks = await this.readHooksIfStale(options.signal, true);
    try {
      await completeActions(clients.autoScaling, settings.name, hooks, id, options.signal);
    } catch (error) {
      if ((error as FleetingError).code !== 'instance_not_found') {
        throw error;
      }
    }
    this.logger.info({ instanceId: id }, 'lifecycle action completed');
  }

  /** Raises the desired capacity by `delta`, capped at MaxSize (partial, `capacity_exceeded`). */
  async increase(delta: number, options: CallOptions = {}): Promise<IncreaseResult> {
    if (!Number.isInteger(delta) || delta < 1) {
      throw new FleetingError('invalid_argument', 'could not increase group: delta must be ≥ 1');
    }
    const { clients, settings } = this.ready();

    return this.serialized(() => this.increaseNow(clients, settings.name, delta, options));
  }

  /** Terminates exactly the named members, each id answered on its own. */
  async decrease(ids: readonly string[], options: CallOptions = {}): Promise<DecreaseResult> {
    if (!Array.isArray(ids) || new Set(ids).size !== ids.length) {
      throw new FleetingError('invalid_argument', 'could not decrease group: ids must be distinct');
    }
    const { clients, settings } = this.ready();
    if (ids.length === 0) {
      return { succeeded: [], failed: [] };
    }

    return this.serialized(() => this.decreaseNow(clients, settings.name, ids, options));
  }

  /** Fresh addresses and credentials for one running member. */
  async connectInfo(id: string, options: CallOptions = {}): Promise<ConnectInfo> {
    const { clients, settings } = this.ready();
    const instance = await describeRunningInstance(clients.ec2, id, settings.name, options.signal);

    return connectInfoOf(
      clients.instanceConnect,
      instance,
      settings.connector,
      this.now(),
      options.signal,
    );
  }

  /** DescribeInstances of the named ids: launch time, the pool's owner tags, spot or outside end. */
  async inspect(ids: readonly string[], options: CallOptions = {}): Promise<InstanceFacts[]> {
    const { clients, settings } = this.ready();
    if (ids.length === 0) {
      return [];
    }
    return inspectInstances(clients.ec2, ids, settings.ownerTags, options.signal);
  }

  /**
   * Live instances with this pool's owner tags that are no members of the group as last
   * described (DescribeInstances by tag, shared with the account's other pools through the
   * stray finder); none without owner tags.
   */
  async listStrays(options: CallOptions = {}): Promise<readonly StrayInstance[]> {
    const { clients, settings } = this.ready();
    const found = await findStrays(clients.ec2, this.strayScope(settings), options.signal);
    return found.map(strayOf);
  }

  /**
   * TerminateInstances of each named stray, after a fresh look that it still is one (a member or
   * a stranger fails `instance_not_found` without a call); not-found from EC2 is that code too.
   */
  async removeStrays(ids: readonly string[], options: CallOptions = {}): Promise<DecreaseResult> {
    const { clients, settings } = this.ready();
    if (ids.length === 0) {
      return { succeeded: [], failed: [] };
    }
    // The fresh look never goes through the shared finder: its round may be older.
    const scope = { ...this.strayScope(settings), finder: undefined };
    const strays = new Set(
      (await findStrays(clients.ec2, scope, options.signal)).map(i => i.InstanceId),
    );
    const result = await terminateStrays(clients.ec2, ids, strays, options.signal);
    if (result.succeeded.length > 0) {
      this.logger.info({ instanceIds: result.succeeded }, 'terminated stray instances');
    }
    return result;
  }

  private strayScope(settings: ResolvedAwsSettings): StrayScope {
    return {
      owner: settings.ownerTags,
      groupName: settings.name,
      memberIds: this.memberIds,
      finder: this.input.strayFinder,
    };
  }

  /** Resolves when EC2 reports the member running; rejects not found or unhealthy otherwise. */
  async heartbeat(id: string, options: CallOptions = {}): Promise<void> {
    const { clients, settings } = this.ready();
    await describeRunningInstance(clients.ec2, id, settings.name, options.signal);
  }

  /** Closes the SDK clients; idempotent, and every later call rejects `shut_down`. */
  shutdown(): Promise<void> {
    this.isShutDown = true;
    this.clients?.destroy();

    return Promise.resolve();
  }

  /** The setup facts of the last describe (protection, AZRebalance, hooks), for the scaler's check. */
  describeGroupSetup(): GroupSetup | undefined {
    if (this.setup === undefined || this.hooks === undefined) {
      return this.setup;
    }
    return { ...this.setup, terminationHookNames: this.hooks.list.map(hook => hook.name) };
  }

  /** The hold timeout of a `Terminating:Wait` member: the shortest hook heartbeat timeout. */
  private async holdTimeoutMs(signal: AbortSignal | undefined): Promise<number | undefined> {
    try {
      // A member waits, so some hook holds it: an empty list is out of date.
      const hooks = await this.readHooksIfStale(signal, true);
      return hooks.length === 0 ? undefined : Math.min(...hooks.map(h => h.heartbeatTimeoutMs));
    } catch (error) {
      // The member is still reported deleting (no new work); its hold waits for the next update.
      this.logger.warn({ err: error }, 'could not read lifecycle hooks');
      return undefined;
    }
  }

  private async readHooksIfStale(
    signal: AbortSignal | undefined,
    rereadEmpty = false,
  ): Promise<readonly TerminationHook[]> {
    const { clients, settings } = this.ready();
    const nowMs = this.now();
    const fresh = this.hooks !== undefined && nowMs - this.hooks.readAtMs < hooksMaxAgeMs;
    if (this.hooks !== undefined && fresh && !(rereadEmpty && this.hooks.list.length === 0)) {
      return this.hooks.list;
    }
    const list = await describeTerminationHooks(clients.autoScaling, settings.name, signal);
    this.hooks = { list, readAtMs: nowMs };
    return list;
  }

  /** The desired capacity we expect and the group's size limits, as last seen. */
  capacity(): GroupCapacity | undefined {
    if (this.setup === undefined) {
      return undefined;
    }

    return {
      desiredCapacity: this.expectedDesired,
      minSize: this.setup.minSize,
      maxSize: this.setup.maxSize,
    };
  }

  private async increaseNow(
    clients: AwsClients,
    groupName: string,
    delta: number,
    options: CallOptions,
  ): Promise<IncreaseResult> {
    const maxSize = this.setup?.maxSize ?? 0;
    const plan = planIncrease(this.expectedDesired, maxSize, delta);
    if (plan.capped) {
      this.logger.warn(
        { desiredCapacity: this.expectedDesired, delta, maxSize, requested: plan.requested },
        'capped_by_asg_max',
      );
    }
    const result = await applyIncrease(
      clients.autoScaling,
      groupName,
      plan,
      maxSize,
      options.signal,
    );
    this.input.describer?.invalidate(groupName);
    if (result.error?.code === 'throttled') {
      this.input.describer?.backoff.noteThrottled();
    }
    if (result.error?.code === 'canceled') {
      throw result.error;
    }
    if (result.requested > 0) {
      this.expectedDesired = plan.targetCapacity;
      this.logger.info(
        { desiredCapacity: plan.targetCapacity, delta },
        'increased desired capacity',
      );
    }

    return result;
  }

  private async decreaseNow(
    clients: AwsClients,
    groupName: string,
    ids: readonly string[],
    options: CallOptions,
  ): Promise<DecreaseResult> {
    let group: AutoScalingGroup;
    try {
      group = await this.describe(clients, groupName, options.signal);
    } catch (error) {
      return toResult(failAll(ids, error as FleetingError));
    }
    this.adopt(group, false);
    const outcome = await decreaseInstances(clients.autoScaling, group, ids, options.signal);
    this.input.describer?.invalidate(groupName);
    if (outcome.failed.some(f => f.error.code === 'throttled')) {
      this.input.describer?.backoff.noteThrottled();
    }
    this.expectedDesired = Math.max(0, this.expectedDesired - outcome.decrementedCount);
    this.logger.info(
      { succeededCount: outcome.succeeded.length, failedCount: outcome.failed.length },
      'decreased group',
    );

    return toResult(outcome);
  }

  /** The group through the account's shared describer when there is one, else on its own. */
  private describe(
    clients: AwsClients,
    name: string,
    signal: AbortSignal | undefined,
    peek = false,
  ): Promise<AutoScalingGroup> {
    const describer = this.input.describer;
    return describer === undefined
      ? describeGroup(clients.autoScaling, name, signal)
      : describer.describe(name, signal, { peek });
  }

  private adopt(group: AutoScalingGroup, first: boolean): void {
    this.memberIds = new Set((group.Instances ?? []).flatMap(m => m.InstanceId ?? []));
    const setup = groupSetupOf(group);
    if (!first && setup.desiredCapacity !== this.expectedDesired) {
      // Someone else (a person, a policy, AWS) changed it; AWS's value is the truth from now on.
      this.logger.warn(
        { expected: this.expectedDesired, actual: setup.desiredCapacity },
        'out-of-sync capacity',
      );
    }
    this.expectedDesired = setup.desiredCapacity;
    this.setup = setup;
  }

  /**
   * Runs capacity reads and changes one at a time: each computes from and updates the expected
   * desired capacity, so overlapping calls would lose an increase or report false drift.
   */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.capacityQueue.then(work, work);
    this.capacityQueue = run.catch(() => undefined);

    return run;
  }

  private warnAboutSetup(): void {
    // Once per provider: init may be called again, and the facts are in describeGroupSetup().
    if (this.setupWarned) {
      return;
    }
    this.setupWarned = true;
    if (this.setup?.newInstancesProtectedFromScaleIn === false) {
      this.logger.warn({}, 'new instances are not protected from scale in and should be');
    }
    if (this.setup?.azRebalanceSuspended === false) {
      this.logger.warn({}, 'AZRebalance is not suspended and should be');
    }
    if (this.hooks?.list.length === 0) {
      this.logger.warn({}, 'no termination lifecycle hook; aws may end busy instances');
    }
  }

  private async resolveRegion(): Promise<string> {
    try {
      return await (this.clients as AwsClients).region();
    } catch (error) {
      throw new FleetingError('invalid_config', 'could not resolve aws region', { cause: error });
    }
  }

  private ensureOpen(): void {
    if (this.isShutDown) {
      throw new FleetingError('shut_down', 'could not call provider: it is shut down');
    }
  }

  private ready(): { clients: AwsClients; settings: ResolvedAwsSettings } {
    this.ensureOpen();
    if (this.clients === undefined || this.settings === undefined || this.setup === undefined) {
      throw new FleetingError('invalid_argument', 'could not call provider: init() first');
    }

    return { clients: this.clients, settings: this.settings };
  }
}

function toResult(outcome: {
  succeeded: readonly string[];
  failed: DecreaseResult['failed'];
}): DecreaseResult {
  return { succeeded: outcome.succeeded, failed: outcome.failed };
}
