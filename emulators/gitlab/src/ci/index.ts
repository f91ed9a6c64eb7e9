/** The CI pipeline model of the GitLab emulator: `.gitlab-ci.yml` in, schedulable jobs and runner payloads out. */
export { createPipeline } from './create-pipeline';
export type { CreatePipelineInput, CreatePipelineResult } from './create-pipeline';
export { Pipeline } from './pipeline';
export type { CancelOptions } from './pipeline';
export { PipelineError } from './errors';
export type { PipelineErrorCode } from './errors';
export { ResourceGroups } from './resource-groups';
export { serverFailureReasons } from './failure-reasons';
export { coverageFromTrace } from './coverage';
export type {
  JobPayload,
  PayloadRunner,
  PayloadStep,
  PayloadDependency,
  PayloadCache,
} from './payload-types';
export type { PayloadVariable } from './variables';
export type { CommitFacts, UserFacts } from './predefined';
export type {
  JobOutcome,
  JobStatus,
  JobView,
  JobWhen,
  PipelineSource,
  PipelineStatus,
  PipelineVariable,
  ProjectInfo,
  ProjectVariable,
  RecordedArtifact,
  EnvironmentSpec,
} from './types';
