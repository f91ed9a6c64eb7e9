import { validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import type { QueryParams } from '../../protocol/query-request';
import { causeTime } from '../activities';
import { SCALING_PROCESSES } from '../group';
import type { ScalingProcess } from '../group';
import { requireGroup } from './group-params';

function readProcesses(params: QueryParams): ScalingProcess[] {
  const names = params.strings('ScalingProcesses', true);
  if (names.length === 0) {
    return [...SCALING_PROCESSES];
  }
  return names.map(name => {
    if (!(SCALING_PROCESSES as readonly string[]).includes(name)) {
      throw validationError(`Process name ${name} is not valid.`);
    }
    return name as ScalingProcess;
  });
}

/** SuspendProcesses: suspends the named processes (all when none are named). */
export const suspendProcesses: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const reason = `User suspended at ${causeTime(model.ctx.clock.now())}`;
  for (const process of readProcesses(params)) {
    if (!group.suspended.has(process)) {
      group.suspended.set(process, reason);
    }
  }
  return undefined;
};

/** ResumeProcesses: resumes the named processes and catches up on what they would have done. */
export const resumeProcesses: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  for (const process of readProcesses(params)) {
    group.suspended.delete(process);
  }
  model.autoscaling.healthSweep(group);
  return undefined;
};
