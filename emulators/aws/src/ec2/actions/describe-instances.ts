import { AwsApiError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { paginate } from '../../protocol/pagination';
import { assertInstanceIds, instancesNotFound, matchesAny, readFilters } from '../ec2-params';
import { instanceFilterValues, instanceXml, isKnownInstanceFilter } from '../instance-xml';

/** DescribeInstances: by id and/or filters, paged with MaxResults (5–1000), one reservation per instance. */
export const describeInstances: QueryHandler = (model, params) => {
  const ids = params.strings('InstanceId', false);
  const filters = readFilters(params);
  const maxResults = params.int('MaxResults');
  if (maxResults !== undefined && ids.length > 0) {
    throw new AwsApiError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value ${maxResults < 5 ? 'greater than 5' : 'less than 1000'}.`,
    );
  }
  assertInstanceIds(ids);
  // The eventual-consistency fault: these ids are invisible to exactly this one call.
  const hidden = new Set(model.faults.hiddenOnce);
  model.faults.hiddenOnce.clear();
  const visible = model.ec2.list().filter(i => !hidden.has(i.instanceId));
  const missing = ids.filter(id => !visible.some(i => i.instanceId === id));
  if (missing.length > 0) {
    throw instancesNotFound(missing);
  }
  for (const filter of filters) {
    if (!isKnownInstanceFilter(filter.name)) {
      throw new AwsApiError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    }
  }
  const selected = visible
    .filter(i => ids.length === 0 || ids.includes(i.instanceId))
    .filter(i =>
      filters.every(f =>
        (instanceFilterValues(i, f.name) ?? []).some(v => matchesAny(v, f.values)),
      ),
    );
  const scope = `di:${JSON.stringify(filters)}`;
  const page = paginate(
    selected,
    maxResults ?? 1000,
    params.string('NextToken'),
    scope,
    'InvalidParameterValue',
  );
  return {
    reservationSet: page.items.map(instance => ({
      reservationId: instance.reservationId,
      ownerId: model.ctx.accountId,
      requesterId: instance.tags.some(t => t.key === 'aws:autoscaling:groupName')
        ? '940372691376'
        : undefined,
      groupSet: [],
      instancesSet: [instanceXml(instance, model.ctx.accountId)],
    })),
    nextToken: page.nextToken,
  };
};
