import { validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { paginate } from '../../protocol/pagination';
import { instanceDetailsXml } from '../serialize';

/** DescribeAutoScalingInstances: members of every group, by id or all, paged with MaxRecords (≤ 50). */
export const describeAutoScalingInstances: QueryHandler = (model, params) => {
  const ids = params.strings('InstanceIds', true);
  const maxRecords = params.int('MaxRecords') ?? 50;
  if (maxRecords < 1 || maxRecords > 50) {
    throw validationError(
      `1 validation error detected: Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 50`,
    );
  }
  const rows = [...model.autoscaling.groups.values()].flatMap(group =>
    [...group.members.values()]
      .filter(m => ids.length === 0 || ids.includes(m.instanceId))
      .map(member => ({ group, member })),
  );
  const page = paginate(
    rows,
    maxRecords,
    params.string('NextToken'),
    `asi:${ids.join(',')}`,
    'InvalidNextToken',
  );
  return {
    AutoScalingInstances: page.items.map(({ group, member }) => instanceDetailsXml(group, member)),
    NextToken: page.nextToken,
  };
};
