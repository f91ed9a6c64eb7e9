/** The package name, for logs. */
export const packageName = '@taskfleet/executor';

export { buildJobScripts, runnerVersion } from './job/build-scripts';
export type {
  BuildScriptsOptions,
  JobScripts,
  JobStatusForAfterScript,
  ScriptShell,
  StepStage,
} from './job/build-scripts';
export { shellQuote } from './job/bash-quote';
export { expandValue, expandVariables } from './job/expand-variables';
export type { ShellVariable } from './job/expand-variables';
export { sourcesSettings, splitCredentials } from './job/get-sources';
export type { GitStrategy, SourcesSettings, SubmoduleStrategy } from './job/get-sources';
export { failedOutcome } from './job/failure-mapping';
export type { JobOutcome, StageEnd } from './job/failure-mapping';
export { runJob } from './job/run-job';
export type { RunJobInput, TraceSink } from './job/run-job';
export { ExecutorError } from './errors';
export type { ExecutorErrorCode, ExecutorErrorOptions } from './errors';
export { ExecutorWorker } from './worker/executor-worker';
export type { ExecutorWorkerOptions } from './worker/executor-worker';
export { JobProcessor } from './worker/process-job';
export type { JobProcessorOptions, JobRunHooks, ProcessResult } from './worker/processor-options';
export { acquireSlot } from './worker/acquire-slot';
export type { AcquireSlotInput, HeldSlot } from './worker/acquire-slot';
export { JobRecords } from './worker/job-record';
export type { JobRecordsOptions, JobStage, OutboxEntry, TakeResult } from './worker/job-record';
export { RecoverySweep } from './worker/recovery-sweep';
export type { ReportTarget } from './worker/report-target';
export { decodeQueuedPayload } from './worker/decode-payload';
export type { DecodedPayload } from './worker/decode-payload';
