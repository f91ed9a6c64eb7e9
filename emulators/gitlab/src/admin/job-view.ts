import { crc32 } from 'node:zlib';

import { traceOf, type FinalUpdate, type JobRuntime } from '../state/job-runtime';
import type { GitlabWorld } from '../world/gitlab-world';

/** A job as the read API reports it. */
export interface JobView {
  readonly id: number;
  readonly pipelineId: number;
  readonly projectId: number;
  readonly name: string | undefined;
  readonly stage: string | undefined;
  /** GitLab's status, including `canceling`; `pending` while waiting for the runner's ack. */
  readonly status: string;
  readonly runnerAck: JobRuntime['ack'];
  readonly runnerId: number | undefined;
  readonly systemId: string | undefined;
  readonly token: string;
  readonly failureReason: string | undefined;
  readonly exitCode: number | undefined;
  readonly traceBytes: number;
  /** `crc32:<hex>` of the stored trace, comparable with the runner's `output.checksum`. */
  readonly traceChecksum: string;
  readonly debugTrace: boolean;
  readonly finalUpdate: FinalUpdate | undefined;
  readonly keepAliveCount: number;
  readonly handOutCount: number;
  readonly finalAcceptedCount: number;
  /** Final PUTs answered 412 (`reject-final-trace`). */
  readonly finalTraceRejectedCount: number;
  readonly assignedAtMs: number | undefined;
  readonly startedAtMs: number | undefined;
  readonly finishedAtMs: number | undefined;
  readonly lastUpdateAtMs: number | undefined;
  readonly artifacts: readonly {
    filename: string;
    size: number;
    format: string;
    type: string;
    expireIn: string | undefined;
  }[];
}

/** The checksum format of the runner's `output.checksum`. */
export function traceChecksum(trace: Buffer): string {
  return `crc32:${crc32(trace).toString(16).padStart(8, '0')}`;
}

/** Builds the read-API view of one job. */
export function jobView(world: GitlabWorld, runtime: JobRuntime): JobView {
  const job = world.ciJob(runtime.jobId);
  const trace = traceOf(runtime);
  return {
    id: runtime.jobId,
    pipelineId: runtime.pipelineId,
    projectId: runtime.projectId,
    name: job?.name,
    stage: job?.stage,
    status: world.status(runtime.jobId),
    runnerAck: runtime.ack,
    runnerId: runtime.runnerId,
    systemId: runtime.systemId,
    token: runtime.token,
    failureReason: runtime.failureReason,
    exitCode: runtime.exitCode,
    traceBytes: runtime.traceBytes,
    traceChecksum: traceChecksum(trace),
    debugTrace: runtime.debugTrace,
    finalUpdate: runtime.finalUpdate,
    keepAliveCount: runtime.keepAliveCount,
    handOutCount: runtime.handOutCount,
    finalAcceptedCount: runtime.finalAcceptedCount,
    finalTraceRejectedCount: runtime.finalTraceRejectedCount,
    assignedAtMs: runtime.assignedAtMs,
    startedAtMs: runtime.startedAtMs,
    finishedAtMs: runtime.finishedAtMs,
    lastUpdateAtMs: runtime.lastUpdateAtMs,
    artifacts: runtime.artifacts.map(a => ({
      filename: a.filename,
      size: a.size,
      format: a.format,
      type: a.type,
      expireIn: a.expireIn,
    })),
  };
}
