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
import { CapacityState } from './capacity-state';
import type { GroupCapacity } from './capacity-state';
import { describeGroup, warnAboutSetup } from './group-setup';
import type { GroupSetup } from './group-setup';
import { applyIncrease, planIncrease } from './increase';
import { inspectInstances } from './inspect-instances';
import { resolveSettings } from './settings';
import type { AwsProviderSettings, ResolvedAwsSettings } from './settings';
import { TerminationHookCache } from './hook-cache';
import { memberStates } from './state-mapping';
import { findStrays, removeStillStrays, strayOf } from './strays';
import type { StrayScope } from './strays';
import { completeActions, recordHeartbeats } from './termination-hooks';
import type { TerminationHook } from './termination-hooks';

export type { GroupCapacity } from './capacity-state';

/** This provider's version, reported in ProviderInfo. */
export const providerAwsVersion = '0.1.0';

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
  private readonly state: CapacityState;
  private isShutDown = false;
  private setupWarned = false;
  /** The group's termination lifecycle hooks as last read. */
  private readonly hooks: TerminationHookCache;

  constructor(settings: AwsProviderSettings) {
    this.input = settings;
    this.logger = (settings.logger ?? pino({ enabled: false })).child({
      component: 'provider-aws',
      groupName: settings.name,
    });
    this.now = settings.now ?? Date.now;
    this.hooks = new TerminationHookCache(this.now);
    this.state = new CapacityState(this.logger);
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
    this.state.adopt(group, true);
    await this.readHooks(options.signal).catch((error: unknown) => {
      // Without the list, held members are still reported as deleting; the next update retries.
      this.logger.warn({ err: error }, 'could not read lifecycle hooks');
    });
    this.warnAboutSetup();

    return {
      id: `aws/${region}/${this.settings.name}`,
      // The group's own MaxSize, not the plugin's fixed 1000: the scaler must never plan past
      // what AWS will accept (B58), and this is the number AWS enforces.
      maxSize: this.state.setup?.maxSize ?? 0,
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
    const group = await this.state.serialized(async () => {
      const described = await this.describe(clients, settings.name, options.signal);
      this.state.adopt(described, false);
      return described;
    });

    const members = group.Instances ?? [];
    const holdTimeoutMs = members.some(m => m.LifecycleState === 'Terminating:Wait')
      ? await this.hooks.holdTimeoutMs(
          clients.autoScaling,
          settings.name,
          options.signal,
          this.logger,
        )
      : undefined;

    return memberStates(members, holdTimeoutMs);
  }

  /** RecordLifecycleActionHeartbeat for a member in `Terminating:Wait` on every termination hook. */
  async extendRemovalHold(id: string, options: CallOptions = {}): Promise<void> {
    const { clients, settings } = this.ready();
    const hooks = await this.readHooks(options.signal, true);
    await recordHeartbeats(clients.autoScaling, settings.name, hooks, id, options.signal);
    this.logger.debug({ instanceId: id }, 'lifecycle action heartbeat sent');
  }

  /** CompleteLifecycleAction CONTINUE on every termination hook; an action already gone is done. */
  async releaseRemovalHold(id: string, options: CallOptions = {}): Promise<void> {
    const { clients, settings } = this.ready();
    const hooks = await this.readHooks(options.signal, true);
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

    return this.state.serialized(() => this.increaseNow(clients, settings.name, delta, options));
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

    return this.state.serialized(() => this.decreaseNow(clients, settings.name, ids, options));
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
    const result = await removeStillStrays(
      clients.ec2,
      this.strayScope(settings),
      ids,
      options.signal,
    );
    if (result.succeeded.length > 0) {
      this.logger.info({ instanceIds: result.succeeded }, 'terminated stray instances');
    }
    return result;
  }

  private strayScope(settings: ResolvedAwsSettings): StrayScope {
    return {
      owner: settings.ownerTags,
      groupName: settings.name,
      memberIds: this.state.memberIds,
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
    const hooks = this.hooks.last;
    if (this.state.setup === undefined || hooks === undefined) {
      return this.state.setup;
    }
    return { ...this.state.setup, terminationHookNames: hooks.map(hook => hook.name) };
  }

  private readHooks(
    signal: AbortSignal | undefined,
    rereadEmpty = false,
  ): Promise<readonly TerminationHook[]> {
    const { clients, settings } = this.ready();
    return this.hooks.read(clients.autoScaling, settings.name, signal, rereadEmpty);
  }

  /** The desired capacity we expect and the group's size limits, as last seen. */
  capacity(): GroupCapacity | undefined {
    return this.state.capacity();
  }

  private async increaseNow(
    clients: AwsClients,
    groupName: string,
    delta: number,
    options: CallOptions,
  ): Promise<IncreaseResult> {
    const maxSize = this.state.setup?.maxSize ?? 0;
    const plan = planIncrease(this.state.expectedDesired, maxSize, delta);
    if (plan.capped) {
      this.logger.warn(
        { desiredCapacity: this.state.expectedDesired, delta, maxSize, requested: plan.requested },
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
      this.state.expectedDesired = plan.targetCapacity;
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
    this.state.adopt(group, false);
    const outcome = await decreaseInstances(clients.autoScaling, group, ids, options.signal);
    this.input.describer?.invalidate(groupName);
    if (outcome.failed.some(f => f.error.code === 'throttled')) {
      this.input.describer?.backoff.noteThrottled();
    }
    this.state.expectedDesired = Math.max(0, this.state.expectedDesired - outcome.decrementedCount);
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

  private warnAboutSetup(): void {
    // Once per provider: init may be called again, and the facts are in describeGroupSetup().
    if (!this.setupWarned) {
      this.setupWarned = true;
      warnAboutSetup(this.logger, this.state.setup, this.hooks.last);
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
    if (
      this.clients === undefined ||
      this.settings === undefined ||
      this.state.setup === undefined
    ) {
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
