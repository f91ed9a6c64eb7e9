import type { EncryptedPayload } from './payload-crypto';

/** The data of one queue entry: a job accepted from GitLab, its payload encrypted. */
export interface QueuedJob {
  readonly gitlabJobId: number;
  readonly runnerKey: string;
  /** When the poller accepted the job (PUT state=running), on the poller's clock. */
  readonly acceptedAtMs: number;
  /** The whole /jobs/request response body (token, variables included), encrypted. */
  readonly payload: EncryptedPayload;
  /**
   * Only the job's id and token (`{"id":…,"token":"…"}`), encrypted on their own: a payload
   * that is damaged or too odd to read can still be failed back to GitLab with them.
   */
  readonly report?: EncryptedPayload;
  /**
   * The W3C `traceparent` of the poller's enqueue span, in the clear: it holds only random trace
   * and span ids, never job data, and lets the executor continue the job's trace. Absent when
   * the poller does not trace.
   */
  readonly traceparent?: string;
}
