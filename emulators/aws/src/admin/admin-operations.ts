import { refreshCause } from '../autoscaling/causes';
import { isSuspended } from '../autoscaling/group';
import type { Ec2Instance } from '../ec2/instance';
import type { InstanceProcess } from '../instances/instance-host';
import { EmulatorError } from '../errors';
import type { AwsModel } from '../model/aws-model';

/** Looks up an instance EC2 still shows, or a not-found admin error. */
export function requireInstance(model: AwsModel, instanceId: string): Ec2Instance {
  const instance = model.ec2.get(instanceId);
  if (instance === undefined) {
    throw new EmulatorError('not-found', `could not find instance ${instanceId}`);
  }
  return instance;
}

/** The real process behind a running instance, or a conflict when there is none. */
export function requireProcess(model: AwsModel, instanceId: string): InstanceProcess {
  const instance = requireInstance(model, instanceId);
  if (instance.process === undefined || instance.state !== 'running') {
    throw new EmulatorError(
      'conflict',
      `could not reach the process of instance ${instanceId}: it has none or is not running`,
    );
  }
  return instance.process;
}

/** Terminates an instance from outside its group (a person, or a spot reclaim); the group replaces it. */
export function terminateFromOutside(
  model: AwsModel,
  instanceId: string,
  reason: 'user' | 'spot',
): void {
  const instance = requireInstance(model, instanceId);
  model.ec2.terminate(instanceId, 'external');
  if (reason === 'spot') {
    instance.stateReason = {
      code: 'Server.SpotInstanceTermination',
      message: 'Server.SpotInstanceTermination: Spot instance termination',
    };
  }
}

/** Options of {@link startInstanceRefresh}. */
export interface InstanceRefreshOptions {
  /** `Ignore` leaves members protected from scale-in alone. */
  readonly protectedInstances: 'Refresh' | 'Ignore';
  /** Only these in-service members (one batch of a refresh); default all. */
  readonly instanceIds?: readonly string[];
  /**
   * `launch-at-once`: replacements launch as soon as the members leave service.
   * `after-termination`: each replacement waits until its member is gone, as AWS's
   * terminate-and-launch refresh (MinHealthyPercentage below 100) does.
   */
  readonly replacement: 'launch-at-once' | 'after-termination';
}

/**
 * Starts an instance refresh: the chosen in-service members are taken out of service
 * (`Terminating:Wait` when a termination hook exists) and the group launches replacements.
 */
export function startInstanceRefresh(
  model: AwsModel,
  groupName: string,
  options: InstanceRefreshOptions,
): string[] {
  const { protectedInstances, instanceIds } = options;
  const group = model.autoscaling.groups.get(groupName);
  if (group === undefined) {
    throw new EmulatorError('not-found', `could not find group ${groupName}`);
  }
  if (isSuspended(group, 'InstanceRefresh')) {
    throw new EmulatorError(
      'conflict',
      `could not start an instance refresh: InstanceRefresh is suspended on ${groupName}`,
    );
  }
  const nowMs = model.ctx.clock.now();
  const victims = [...group.members.values()].filter(
    m =>
      m.lifecycleState === 'InService' &&
      (instanceIds === undefined || instanceIds.includes(m.instanceId)) &&
      (protectedInstances === 'Refresh' || !m.protectedFromScaleIn),
  );
  for (const member of victims) {
    member.replaceAfterTermination = options.replacement === 'after-termination';
    model.autoscaling.startTermination(group, member, {
      cause: refreshCause(nowMs, member.instanceId),
      useHooks: true,
    });
  }
  model.autoscaling.reconcile(group);
  return victims.map(m => m.instanceId);
}
