import type { TimerHandle } from '../clock';

/** Where a job handed to a runner stands in GitLab's two-phase commit. */
export type RunnerAck = 'none' | 'waiting' | 'acked';

/** An artifact file stored for a job. */
export interface StoredArtifact {
  readonly filename: string;
  readonly filePath: string;
  readonly size: number;
  readonly format: string;
  readonly type: string;
  readonly expireIn: string | undefined;
  readonly uploadedAtMs: number;
}

/** The last final `PUT /jobs/:id` a runner sent, as received. */
export interface FinalUpdate {
  readonly state: string;
  readonly failureReason: string | undefined;
  readonly exitCode: number | undefined;
  readonly checksum: string | undefined;
  readonly bytesize: number | undefined;
  readonly receivedAtMs: number;
}

/** What the runner API tracks for one job beside its CI status. */
export interface JobRuntime {
  readonly jobId: number;
  readonly pipelineId: number;
  readonly projectId: number;
  readonly token: string;
  ack: RunnerAck;
  runnerId: number | undefined;
  systemId: string | undefined;
  ackTimer: TimerHandle | undefined;
  /** When the job last became available to runners (for `time_in_queue_seconds`). */
  pendingSinceMs: number | undefined;
  assignedAtMs: number | undefined;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  /** Graceful cancel requested: `canceling` until the runner's final PUT. */
  canceling: boolean;
  tokenExpired: boolean;
  readonly traceChunks: Buffer[];
  traceBytes: number;
  debugTrace: boolean;
  failureReason: string | undefined;
  exitCode: number | undefined;
  finalUpdate: FinalUpdate | undefined;
  /** How many more final PUTs answer 202 before the state is applied (admin knob). */
  finalAcceptDelaysLeft: number;
  finalPendingSinceMs: number | undefined;
  finalAcceptedCount: number;
  /** How many more final PUTs answer 412 (trace validation failed) after losing the trace (admin knob). */
  finalTraceRejectsLeft: number;
  /** The stored trace bytes kept when a final PUT is answered 412. */
  finalTraceRejectKeepBytes: number;
  finalTraceRejectedCount: number;
  keepAliveCount: number;
  lastUpdateAtMs: number | undefined;
  readonly artifacts: StoredArtifact[];
  /** How often the job was handed to a runner (more than once after ack timeouts). */
  handOutCount: number;
}

/** Creates the runtime record of a job the first time the runner API sees it. */
export function newJobRuntime(
  jobId: number,
  pipelineId: number,
  projectId: number,
  token: string,
): JobRuntime {
  return {
    jobId,
    pipelineId,
    projectId,
    token,
    ack: 'none',
    runnerId: undefined,
    systemId: undefined,
    ackTimer: undefined,
    pendingSinceMs: undefined,
    assignedAtMs: undefined,
    startedAtMs: undefined,
    finishedAtMs: undefined,
    canceling: false,
    tokenExpired: false,
    traceChunks: [],
    traceBytes: 0,
    debugTrace: false,
    failureReason: undefined,
    exitCode: undefined,
    finalUpdate: undefined,
    finalAcceptDelaysLeft: 0,
    finalPendingSinceMs: undefined,
    finalAcceptedCount: 0,
    finalTraceRejectsLeft: 0,
    finalTraceRejectKeepBytes: 0,
    finalTraceRejectedCount: 0,
    keepAliveCount: 0,
    lastUpdateAtMs: undefined,
    artifacts: [],
    handOutCount: 0,
  };
}

/** GitLab lost the stored trace past `keepBytes`: later PATCHes resync from there (416). */
export function truncateTrace(job: JobRuntime, keepBytes: number): void {
  const kept = Buffer.from(traceOf(job).subarray(0, keepBytes));
  job.traceChunks.splice(0, job.traceChunks.length, kept);
  job.traceBytes = kept.length;
}

/** The job's whole stored trace. */
export function traceOf(job: JobRuntime): Buffer {
  if (job.traceChunks.length > 1) {
    const whole = Buffer.concat(job.traceChunks);
    job.traceChunks.splice(0, job.traceChunks.length, whole);
  }
  return job.traceChunks[0] ?? Buffer.alloc(0);
}
