import type { QueryHandler } from '../../protocol/handler';
import { EC2_STATE_CODES } from '../instance';
import { assertInstanceIds, instancesNotFound } from '../ec2-params';

/** TerminateInstances: idempotent; an Auto Scaling member is then replaced by its group. */
export const terminateInstances: QueryHandler = (model, params) => {
  const ids = params.strings('InstanceId', false);
  if (ids.length === 0) {
    params.requiredString('InstanceId.1');
  }
  assertInstanceIds(ids);
  const missing = ids.filter(id => model.ec2.get(id) === undefined);
  if (missing.length > 0) {
    throw instancesNotFound(missing);
  }
  return {
    instancesSet: ids.map(instanceId => {
      const { previous, current } = model.ec2.terminate(instanceId, 'external');
      return {
        instanceId,
        currentState: { code: EC2_STATE_CODES[current], name: current },
        previousState: { code: EC2_STATE_CODES[previous], name: previous },
      };
    }),
  };
};
