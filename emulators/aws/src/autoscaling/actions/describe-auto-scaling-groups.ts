import { validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { paginate } from '../../protocol/pagination';
import type { QueryParams } from '../../protocol/query-request';
import type { AutoScalingGroup } from '../group';
import { groupXml } from '../serialize';

/** DescribeAutoScalingGroups: names, tag filters and MaxRecords/NextToken paging; unknown names are no error. */
export const describeAutoScalingGroups: QueryHandler = (model, params) => {
  const names = params.strings('AutoScalingGroupNames', true);
  const filters = readFilters(params);
  const maxRecords = params.int('MaxRecords') ?? 50;
  if (maxRecords < 1 || maxRecords > 100) {
    throw validationError(
      `1 validation error detected: Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  const groups = [...model.autoscaling.groups.values()]
    .filter(g => names.length === 0 || names.includes(g.name))
    .filter(g => filters.every(f => matchesFilter(g, f)))
    .sort((a, b) => a.name.localeCompare(b.name));
  const scope = `asg:${names.join(',')}:${JSON.stringify(filters)}`;
  const page = paginate(groups, maxRecords, params.string('NextToken'), scope, 'InvalidNextToken');
  const includeInstances = params.bool('IncludeInstances') ?? true;
  return {
    AutoScalingGroups: page.items.map(g => {
      const xml = groupXml(g);
      return includeInstances ? xml : { ...xml, Instances: undefined };
    }),
    NextToken: page.nextToken,
  };
};

interface GroupFilter {
  readonly name: string;
  readonly values: string[];
}

function readFilters(params: QueryParams): GroupFilter[] {
  return params.elements('Filters', true).map(f => {
    const name = f.requiredString('Name');
    if (!['tag-key', 'tag-value'].includes(name) && !name.startsWith('tag:')) {
      throw validationError(
        `Filter type ${name} is not correct. Allowed Filter types are: auto-scaling-group tag-key tag-value tag:<key>`,
      );
    }
    return { name, values: f.strings('Values', true) };
  });
}

function matchesFilter(group: AutoScalingGroup, filter: GroupFilter): boolean {
  if (filter.name === 'tag-key') {
    return group.tags.some(t => filter.values.includes(t.key));
  }
  if (filter.name === 'tag-value') {
    return group.tags.some(t => filter.values.includes(t.value));
  }
  const key = filter.name.slice('tag:'.length);
  return group.tags.some(t => t.key === key && filter.values.includes(t.value));
}
