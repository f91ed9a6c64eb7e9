import { AwsApiError } from '../errors';
import type { QueryParams } from '../protocol/query-request';
import type { Tag } from './instance';

/** A `Filter.N` entry. */
export interface Ec2Filter {
  readonly name: string;
  readonly values: string[];
}

/** Reads `Filter.N.Name` / `Filter.N.Value.M`. */
export function readFilters(params: QueryParams): Ec2Filter[] {
  return params
    .elements('Filter', false)
    .map(f => ({ name: f.requiredString('Name'), values: f.strings('Value', false) }));
}

/** Reads `TagSpecification.N` tags for one resource type. */
export function readTagSpecifications(
  params: QueryParams,
  prefix: string,
  resourceType: string,
): Tag[] {
  return params
    .elements(prefix, false)
    .filter(spec => spec.string('ResourceType') === resourceType)
    .flatMap(spec =>
      spec
        .elements('Tag', false)
        .map(t => ({ key: t.requiredString('Key'), value: t.string('Value') ?? '' })),
    );
}

/** Matches EC2 filter values, which allow `*` and `?` wildcards. */
export function matchesAny(actual: string | undefined, patterns: readonly string[]): boolean {
  if (actual === undefined) {
    return false;
  }
  return patterns.some(pattern => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return regex.test(actual);
  });
}

/** Checks instance ids are well formed, as AWS does before looking them up. */
export function assertInstanceIds(ids: readonly string[]): void {
  for (const id of ids) {
    if (!/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) {
      throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    }
  }
}

/** The NotFound error for unknown instance ids, worded as AWS does for one or several. */
export function instancesNotFound(ids: readonly string[]): AwsApiError {
  return new AwsApiError(
    'InvalidInstanceID.NotFound',
    ids.length === 1
      ? `The instance ID '${ids[0] ?? ''}' does not exist`
      : `The instance IDs '${ids.join(', ')}' do not exist`,
  );
}

/** Tags as `tagSet/item{key,value}`. */
export function tagSetXml(tags: readonly Tag[]): { key: string; value: string }[] {
  return tags.map(t => ({ key: t.key, value: t.value }));
}
