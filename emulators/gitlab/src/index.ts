/** The emulator's version, reported by the launcher. */
export const emulatorGitlabVersion = '0.1.0';

export type { AdminService, ProjectView, RunnerPatch, RunnerView } from './admin/admin-service';
export type { JobView } from './admin/job-view';
export type { CreatePipelineInput, PipelineView } from './admin/pipelines';
export type { Clock, TimerHandle } from './clock';
export { ManualClock, systemClock } from './clock';
export type { GitlabEmulatorErrorCode } from './errors';
export { GitlabEmulatorError } from './errors';
export type { FaultInput, FaultRule, RateLimitInput, RateLimitRule } from './faults/fault-rules';
export type {
  CiJobStatus,
  CiJobView,
  CiPipelinePort,
  PipelineFactory,
  PipelineRequest,
  ProjectVariable,
} from './pipeline-port';
export type { RequestLogEntry, RequestLogFilter } from './state/request-log';
export type { CreateRunnerInput } from './state/runner-registry';
export type { GitlabEmulator, GitlabEmulatorOptions } from './start-emulator';
export { startGitlabEmulator } from './start-emulator';
export type { CancelMode } from './world/gitlab-world';
