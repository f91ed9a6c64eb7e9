/** Timing and size settings of one emulator instance, fixed at start. */
export interface WorldConfig {
  /** How long a `POST /jobs/request` with an unchanged `last_update` is held (Workhorse). */
  readonly longPollTimeoutMs: number;
  /** How long a job handed out with a 201 waits for `PUT state=running` before it is requeued. */
  readonly ackTimeoutMs: number;
  /** The `X-GitLab-Trace-Update-Interval` sent on trace PATCH answers, in seconds. */
  readonly traceUpdateIntervalSec: number;
  /** A trace growing past this is dropped with `trace_size_exceeded` (GitLab: 100 MB). */
  readonly traceSizeLimitBytes: number;
  /** Largest artifact upload accepted; bigger ones get 413. */
  readonly artifactSizeLimitBytes: number;
  /** After this long in the 202 state, a final update is applied anyway (GitLab: 5 min). */
  readonly finalUpdateAcceptTimeoutMs: number;
  /** Directory for repositories and artifacts. */
  readonly stateDir: string;
}

/** Workhorse's recommended `apiCiLongPollingDuration` (reference §3.3). */
export const defaultLongPollTimeoutMs = 50_000;
/**
 * GitLab's ack expiry (`RUNNER_ACK_QUEUE_EXPIRY_TIME`) is not established by the reference;
 * two minutes is the emulator's choice, settable per instance.
 */
export const defaultAckTimeoutMs = 120_000;
