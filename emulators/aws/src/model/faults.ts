import type { BootMode } from '../instances/instance-host';

/** Which API a throttle applies to. */
export type ServiceName = 'autoscaling' | 'ec2' | 'ec2-instance-connect' | 'sqs';

/** Error codes the admin API can inject besides throttling. */
export type InjectedErrorCode =
  | 'ResourceContention'
  | 'ScalingActivityInProgress'
  | 'ServiceLinkedRoleFailure'
  | 'InternalFailure'
  | 'ServiceUnavailable';

/** A throttle (or another injected error) on one action (or `*`) for N calls or until a time. */
export interface ThrottleRule {
  readonly id: number;
  /** Undefined: the service's own throttling error. */
  readonly errorCode: InjectedErrorCode | undefined;
  readonly action: string;
  readonly service: ServiceName | undefined;
  remainingCalls: number | undefined;
  readonly untilMs: number | undefined;
}

/** A window in which launches fail with InsufficientInstanceCapacity. */
export interface CapacityWindow {
  readonly id: number;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly availabilityZone: string | undefined;
  readonly instanceType: string | undefined;
  readonly groupName: string | undefined;
}

/**
 * The account's instance launch rate (EC2's RunInstances resource bucket): `burst` launches at
 * once, refilled at `perSecond`; a launch with no token left fails with RequestLimitExceeded.
 */
export interface LaunchRateLimit {
  readonly burst: number;
  readonly perSecond: number;
  tokens: number;
  updatedAtMs: number;
}

/** How instances of a group boot. */
export interface BootSettings {
  readonly bootDelayMs: number;
  readonly bootJitterMs: number;
  readonly bootMode: BootMode;
}

/** The faults currently injected through the admin API. */
export class FaultState {
  private nextId = 1;
  readonly throttles: ThrottleRule[] = [];
  readonly capacityWindows: CapacityWindow[] = [];
  /** Instances to leave out of the next DescribeInstances call. */
  readonly hiddenOnce = new Set<string>();
  /** Boot settings by group name (set before or after the group exists). */
  readonly boot = new Map<string, BootSettings>();
  /** The account's launch rate limit, when one is set. */
  launchRate: LaunchRateLimit | undefined;

  /** Limits launches account-wide to `burst` at once and `perSecond` after; starts full. */
  setLaunchRate(burst: number, perSecond: number, nowMs: number): void {
    this.launchRate = { burst, perSecond, tokens: burst, updatedAtMs: nowMs };
  }

  /** Takes one launch token; false when the account's launch rate is used up now. */
  takeLaunchToken(nowMs: number): boolean {
    const rate = this.launchRate;
    if (rate === undefined) {
      return true;
    }
    const elapsedMs = Math.max(0, nowMs - rate.updatedAtMs);
    rate.tokens = Math.min(rate.burst, rate.tokens + (elapsedMs * rate.perSecond) / 1000);
    rate.updatedAtMs = Math.max(rate.updatedAtMs, nowMs);
    if (rate.tokens < 1 - 1e-9) {
      return false;
    }
    rate.tokens -= 1;
    return true;
  }

  /** Throttles `action` for `calls` calls, or until `untilMs`, or both (whichever ends first). */
  addThrottle(input: {
    action: string;
    service?: ServiceName;
    calls?: number;
    untilMs?: number;
    errorCode?: InjectedErrorCode;
  }): ThrottleRule {
    const rule: ThrottleRule = {
      id: this.nextId++,
      errorCode: input.errorCode,
      action: input.action,
      service: input.service,
      remainingCalls: input.calls,
      untilMs: input.untilMs,
    };
    this.throttles.push(rule);
    return rule;
  }

  /** The rule that fails this call, if any; consumes one call of it. */
  consumeThrottle(service: ServiceName, action: string, nowMs: number): ThrottleRule | undefined {
    this.dropExpired(nowMs);
    const rule = this.throttles.find(
      r =>
        (r.action === '*' || r.action === action) &&
        (r.service === undefined || r.service === service),
    );
    if (rule === undefined) {
      return undefined;
    }
    if (rule.remainingCalls !== undefined) {
      rule.remainingCalls -= 1;
      if (rule.remainingCalls <= 0) {
        this.throttles.splice(this.throttles.indexOf(rule), 1);
      }
    }
    return rule;
  }

  /** Adds an InsufficientInstanceCapacity window. */
  addCapacityWindow(input: Omit<CapacityWindow, 'id'>): CapacityWindow {
    const window = { ...input, id: this.nextId++ };
    this.capacityWindows.push(window);
    return window;
  }

  /** Whether a launch in this zone of this type for this group fails for lack of capacity now. */
  capacityUnavailable(
    zone: string,
    instanceType: string,
    groupName: string,
    nowMs: number,
  ): boolean {
    return this.capacityWindows.some(
      w =>
        nowMs >= w.fromMs &&
        nowMs < w.untilMs &&
        (w.availabilityZone === undefined || w.availabilityZone === zone) &&
        (w.instanceType === undefined || w.instanceType === instanceType) &&
        (w.groupName === undefined || w.groupName === groupName),
    );
  }

  /** Removes every fault (boot settings stay: they are configuration, not faults). */
  clear(): void {
    this.throttles.length = 0;
    this.capacityWindows.length = 0;
    this.hiddenOnce.clear();
    this.launchRate = undefined;
  }

  private dropExpired(nowMs: number): void {
    for (let i = this.throttles.length - 1; i >= 0; i--) {
      const untilMs = this.throttles[i]?.untilMs;
      if (untilMs !== undefined && nowMs >= untilMs) {
        this.throttles.splice(i, 1);
      }
    }
  }
}
