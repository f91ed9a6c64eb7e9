import { JobQueueError } from './errors';

// Braces would break the hash tag, a colon is refused by BullMQ in names and ids.
const NAME_PART = /^[A-Za-z0-9_.-]+$/;

function checkNamePart(what: string, value: string): void {
  if (!NAME_PART.test(value)) {
    throw new JobQueueError(
      'invalid_argument',
      `could not use ${what}: letters, digits, _ . - only`,
    );
  }
}

/**
 * The BullMQ `prefix` of one runner's queue: `{tf:<keyPrefix>:<runnerKey>}`, the registry's hash
 * tag, so on Redis Cluster the queue and the runner's registry keys share one slot.
 */
export function jobQueuePrefix(keyPrefix: string, runnerKey: string): string {
  checkNamePart('keyPrefix', keyPrefix);
  checkNamePart('runnerKey', runnerKey);
  return `{tf:${keyPrefix}:${runnerKey}}`;
}

/** The BullMQ queue name of one runner's accepted jobs (used with jobQueuePrefix). */
export function jobQueueName(runnerKey: string): string {
  checkNamePart('runnerKey', runnerKey);
  return `jobs-${runnerKey}`;
}

/**
 * The BullMQ job id of a GitLab job: `gl-<id>`. BullMQ refuses integer-looking custom ids, and
 * one fixed mapping makes a second enqueue of the same GitLab job a no-op.
 */
export function queueJobId(gitlabJobId: number): string {
  if (!Number.isSafeInteger(gitlabJobId) || gitlabJobId <= 0) {
    throw new JobQueueError('invalid_argument', 'could not use gitlabJobId: positive integer only');
  }
  return `gl-${gitlabJobId}`;
}
