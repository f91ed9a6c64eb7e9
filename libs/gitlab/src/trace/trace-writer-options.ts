import type { Logger } from 'pino';

import type { Clock } from '../clock';
import type { GitlabClient } from '../client';

/** GitLab Runner's first trace update interval, used until the server names another. */
export const defaultTraceUpdateIntervalMs = 3000;
/** Acknowledged log bytes a writer keeps by default: 16 MiB. */
export const defaultMaxRetainedBytes = 16 * 1024 * 1024;
/** GitLab Runner's default `forceSendInterval`: a keep-alive PUT after this long without contact. */
export const defaultForceSendIntervalMs = 30_000;

/** Settings of one job's trace writer; only the client, job and logger are required. */
export interface TraceWriterOptions {
  readonly client: Pick<GitlabClient, 'patchTrace' | 'keepAlive'>;
  readonly jobId: number;
  readonly jobToken: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Values of the job's masked variables. */
  readonly maskedValues?: readonly string[];
  /** The job's `features.token_mask_prefixes`; GitLab Runner's default prefixes are always added. */
  readonly tokenMaskPrefixes?: readonly string[];
  /** `output_limit` in bytes (config gives KiB; default 4 MiB). */
  readonly outputLimitBytes?: number;
  /** Hard cap on unacknowledged bytes held; beyond it output is dropped, counted and marked. */
  readonly maxBufferedBytes?: number;
  /**
   * Acknowledged bytes kept so a GitLab that lost stored log can be sent it again (a 416 below
   * the sent offset, a 412 on the final update); beyond it the oldest are freed. Default 16 MiB,
   * which holds a whole log at the default `output_limit`; 0 keeps none.
   */
  readonly maxRetainedBytes?: number;
  /** Above this many unacknowledged bytes `write` returns false: the caller should pause. */
  readonly highWaterMarkBytes?: number;
  readonly updateIntervalMs?: number;
  readonly forceSendIntervalMs?: number;
  /** `debug_trace` query value (CI_DEBUG_TRACE / CI_DEBUG_SERVICES). */
  readonly debugTrace?: boolean;
  /** How long `finish` keeps trying to send the rest of the log when no timeout is passed. */
  readonly finishTimeoutMs?: number;
}

/** Why GitLab stopped the job: 403, `Job-Status: canceled|failed`, or 404 on a keep-alive. */
export interface TraceStopReason {
  readonly reason: 'forbidden' | 'job-status' | 'not-found';
  readonly status: number;
  readonly jobStatus: string | undefined;
}

/** The log bytes a sealed writer still holds, for a durable outbox. */
export interface HeldLog {
  /** Absolute offset of `bytes`' first byte: 0 while the whole log is held. */
  readonly fromOffset: number;
  /** Every byte held from `fromOffset` on, acknowledged or not. */
  readonly bytes: Buffer;
}

/** The state of the log when the writer finishes or drains. */
export interface TraceSummary {
  /** `crc32:<8 hex>` over every byte the writer produced (what GitLab stores once all is sent). */
  readonly checksum: string;
  readonly bytesize: number;
  /** Bytes GitLab acknowledged. */
  readonly sentBytes: number;
  /** Every byte produced is stored by GitLab. */
  readonly complete: boolean;
  readonly stopped: TraceStopReason | undefined;
  readonly cancelRequested: boolean;
  readonly limitReached: boolean;
  /** Bytes dropped after `output_limit`. */
  readonly bytesOverLimit: number;
  /** Bytes dropped because GitLab did not take the log fast enough (buffer full). */
  readonly bytesDroppedUnsent: number;
}
