import type { JobPayload } from '@taskfleet/gitlab';

/**
 * The queue entry the poller writes, as the executor reads it. TODO(#3): replace with the types
 * of `@taskfleet/job-queue` once that package lands; the fields follow its announced shape.
 */
export interface WorkerQueuedJob<Encrypted = unknown> {
  readonly gitlabJobId: number;
  readonly runnerKey: string;
  /** When the poller accepted the job in GitLab (epoch ms, poller's clock). */
  readonly acceptedAtMs: number;
  /** The job payload (tokens included), encrypted at rest in Redis. */
  readonly payload: Encrypted;
}

/** Turns the encrypted payload back into the GitLab job; throws when it cannot. */
export type PayloadDecoder<Encrypted = unknown> = (payload: Encrypted) => JobPayload;
