import { validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { paginate } from '../../protocol/pagination';
import { activityXml } from '../serialize';

/** DescribeScalingActivities: newest first, by group and/or ActivityIds, paged. */
export const describeScalingActivities: QueryHandler = (model, params) => {
  const groupName = params.string('AutoScalingGroupName');
  const ids = params.strings('ActivityIds', true);
  const maxRecords = params.int('MaxRecords') ?? 100;
  if (maxRecords < 1 || maxRecords > 100) {
    throw validationError(
      `1 validation error detected: Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  const activities = model.autoscaling.activities
    .list(groupName)
    .filter(a => ids.length === 0 || ids.includes(a.activityId));
  const scope = `act:${groupName ?? ''}:${ids.join(',')}`;
  const page = paginate(
    activities,
    maxRecords,
    params.string('NextToken'),
    scope,
    'InvalidNextToken',
  );
  return { Activities: page.items.map(activityXml), NextToken: page.nextToken };
};
