/** The GitLab runner API version this client speaks. */
export const gitlabApiVersion = 'v4';

export { statusLine } from './artifacts';
export type {
  DownloadArtifactResult,
  UploadArtifactInput,
  UploadArtifactResult,
} from './artifacts';
export { GitlabClient, apiBaseUrl } from './client';
export type { GitlabClientOptions, RequestJobInput, VerifiedRunner } from './client';
export { createRealClock, systemClock, unrefClock } from './clock';
export type { Clock } from './clock';
export { GitlabApiError, classifyGitlabError, codeForStatus } from './errors';
export type { GitlabApiErrorCode } from './errors';
export { TraceChecksum, formatCrc32 } from './checksum';
export { effectiveFailureReason } from './failure-reasons';
export type { RunnerFailureReason } from './failure-reasons';
export { defaultFinalUpdatePolicy, sendFinalUpdate } from './final-update';
export type { FinalUpdateOutcome, FinalUpdatePolicy, SendFinalUpdateInput } from './final-update';
export type { FetchLike } from './http';
export { jobPayloadSchema, parseJobPayload } from './job-payload';
export type {
  JobArtifact,
  JobCache,
  JobDependency,
  JobPayload,
  JobPayloadParseResult,
  JobStep,
  JobVariable,
} from './job-payload';
export { isAbortStatus, maxUpdateIntervalMs } from './job-status';
export type { JobStatusHeaders } from './job-status';
export { redactText, tokenRedactPaths, tokenRef } from './redact';
export type { RequestJobAnswer, RequestJobResult } from './request-job';
export { defaultRetryPolicy, isRetryableStatus, retryDelayMs } from './retry';
export type { RetryPolicy } from './retry';
export { buildRunnerInfo, defaultFeatures } from './runner-info';
export type { FeaturesInfo, RunnerInfo } from './runner-info';
export { ManualClock } from './testing/manual-clock';
export { LogMasker } from './trace/log-masker';
export { StreamMasker, defaultTokenPrefixes, maskText } from './trace/masker';
export { UrlParamMasker, sensitiveUrlParams } from './trace/url-param-masker';
export { OutputLimiter, defaultOutputLimitBytes, outputLimitMarker } from './trace/output-limit';
export { contentRange, maxPatchBytes, storedLengthFromRange } from './trace/patch-trace';
export type { PatchTraceResult } from './trace/patch-trace';
export {
  TraceWriter,
  defaultForceSendIntervalMs,
  defaultMaxRetainedBytes,
  defaultTraceUpdateIntervalMs,
} from './trace/trace-writer';
export type {
  HeldLog,
  TraceStopReason,
  TraceSummary,
  TraceWriterOptions,
} from './trace/trace-writer';
export type { JobState, UpdateJobInput, UpdateJobResult } from './update-job';
