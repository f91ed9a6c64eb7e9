import type { Scheduler } from '../model/scheduler';
import type { Random } from '../random';
import type {
  AutoScalingGroup,
  GroupMember,
  LifecycleActionResult,
  LifecycleTransition,
  PendingLifecycleAction,
} from './group';

/** Holds members in `*:Wait` until every hook of the transition is completed or times out. */
export class LifecycleActions {
  private readonly scheduler: Scheduler;
  private readonly random: Random;
  private readonly onDone = new Map<string, (result: LifecycleActionResult) => void>();

  constructor(scheduler: Scheduler, random: Random) {
    this.scheduler = scheduler;
    this.random = random;
  }

  /**
   * Starts one action per hook of `transition`; `done` runs once with ABANDON if any action
   * abandoned, else CONTINUE. Returns false (and never calls `done`) when there is no such hook.
   */
  begin(
    group: AutoScalingGroup,
    member: GroupMember,
    transition: LifecycleTransition,
    done: (result: LifecycleActionResult) => void,
  ): boolean {
    this.cancelAll(member);
    const hooks = [...group.hooks.values()].filter(h => h.lifecycleTransition === transition);
    if (hooks.length === 0) {
      return false;
    }
    const nowMs = this.scheduler.now();
    for (const hook of hooks) {
      const action: PendingLifecycleAction = {
        hook,
        token: this.random.uuid(),
        heartbeatDeadlineMs: nowMs + hook.heartbeatTimeoutS * 1000,
        globalDeadlineMs: nowMs + hook.globalTimeoutS * 1000,
        timer: undefined,
        result: undefined,
      };
      member.pendingActions.set(hook.lifecycleHookName, action);
      this.arm(member, action);
    }
    this.onDone.set(member.instanceId, done);
    return true;
  }

  /** The pending action of `hookName` on the member, found by instance or by token. */
  find(
    member: GroupMember,
    hookName: string,
    token: string | undefined,
  ): PendingLifecycleAction | undefined {
    const action = member.pendingActions.get(hookName);
    if (action === undefined || action.result !== undefined) {
      return undefined;
    }
    return token === undefined || action.token === token ? action : undefined;
  }

  /** Completes an action with CONTINUE or ABANDON. */
  complete(
    member: GroupMember,
    action: PendingLifecycleAction,
    result: LifecycleActionResult,
  ): void {
    this.scheduler.cancel(action.timer);
    action.result = result;
    this.settle(member);
  }

  /** Pushes the heartbeat deadline out by the hook's HeartbeatTimeout (capped by the global timeout). */
  heartbeat(member: GroupMember, action: PendingLifecycleAction): void {
    action.heartbeatDeadlineMs = this.scheduler.now() + action.hook.heartbeatTimeoutS * 1000;
    this.arm(member, action);
  }

  /** Drops every pending action of a member without running `done` (ForceDelete, instance gone). */
  cancelAll(member: GroupMember): void {
    for (const action of member.pendingActions.values()) {
      this.scheduler.cancel(action.timer);
    }
    member.pendingActions.clear();
    this.onDone.delete(member.instanceId);
  }

  private arm(member: GroupMember, action: PendingLifecycleAction): void {
    this.scheduler.cancel(action.timer);
    const deadlineMs = Math.min(action.heartbeatDeadlineMs, action.globalDeadlineMs);
    action.timer = this.scheduler.after(deadlineMs - this.scheduler.now(), () => {
      action.timer = undefined;
      action.result = action.hook.defaultResult;
      this.settle(member);
    });
  }

  private settle(member: GroupMember): void {
    const actions = [...member.pendingActions.values()];
    if (actions.some(a => a.result === undefined)) {
      return;
    }
    const result: LifecycleActionResult = actions.some(a => a.result === 'ABANDON')
      ? 'ABANDON'
      : 'CONTINUE';
    const done = this.onDone.get(member.instanceId);
    member.pendingActions.clear();
    this.onDone.delete(member.instanceId);
    done?.(result);
  }
}
