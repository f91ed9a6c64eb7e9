/** The package name, for logs. */
export const packageName = '@taskfleet/executor';

export { buildJobScripts, runnerVersion } from './job/build-scripts';
export type {
  BuildScriptsOptions,
  JobScripts,
  JobStatusForAfterScript,
  RunnerScriptSettings,
  ScriptShell,
  StepStage,
} from './job/build-scripts';
export { shellQuote } from './job/bash-quote';
export { expandValue, expandVariables } from './job/expand-variables';
export type { ShellVariable } from './job/expand-variables';
export { sourcesSettings, splitCredentials } from './job/get-sources';
export type {
  GetSourcesHooks,
  GitStrategy,
  SourcesSettings,
  SubmoduleStrategy,
} from './job/get-sources';
export { failedOutcome } from './job/failure-mapping';
export type { JobOutcome, StageEnd } from './job/failure-mapping';
export { runJob } from './job/run-job';
export type { RunJobInput, TraceSink } from './job/run-job';
export { openTransfers } from './artifacts/job-transfers';
export type { JobTransferRun, JobTransfers, TransferStageEnd } from './artifacts/job-transfers';
export { removeTransferDirsSync } from './artifacts/transfer-dirs';
export type { ArtifactClient } from './artifacts/transfer-context';
export { selectFiles } from './artifacts/select-files';
export type { FileSelection, SelectedFiles, TreeEntry } from './artifacts/select-files';
export { cacheObjectName, sanitizeCacheKey, shortRunnerToken } from './cache/cache-key';
export type { CacheObjectNaming, SanitizedKey } from './cache/cache-key';
export type { CacheSettings } from './cache/cache-stages';
export { S3CacheStore, s3ClientConfig } from './cache/s3-cache-store';
export type { CacheStore, S3CacheSettings } from './cache/s3-cache-store';
export { ExecutorError } from './errors';
export type { ExecutorErrorCode, ExecutorErrorOptions } from './errors';
export { ExecutorWorker } from './worker/executor-worker';
export type { ExecutorWorkerOptions } from './worker/executor-worker';
export { JobProcessor } from './worker/process-job';
export type {
  ExecutorSettings,
  JobProcessorOptions,
  JobRunHooks,
  ProcessResult,
} from './worker/processor-options';
export { ConnectionPool } from './worker/connection-pool';
export type {
  ConnectionLease,
  ConnectionPoolOptions,
  PoolConnection,
  PoolStats,
} from './worker/connection-pool';
export { acquireSlot } from './worker/acquire-slot';
export type { AcquireSlotInput, HeldSlot } from './worker/acquire-slot';
export { JobRecords } from './worker/job-record';
export type { JobRecordsOptions, JobStage, OutboxEntry, TakeResult } from './worker/job-record';
export { RecoverySweep } from './worker/recovery-sweep';
export type { ReportTarget } from './worker/report-target';
export { decodeQueuedPayload } from './worker/decode-payload';
export type { DecodedPayload } from './worker/decode-payload';
