/** Shapes shared by the CI pipeline model: inputs, normalised jobs and the public job view. */

/** A job's status as GitLab names it (`Ci::Build` statuses). */
export type JobStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceling'
  | 'canceled'
  | 'skipped'
  | 'manual'
  | 'scheduled';

/** A pipeline's status, derived from its latest jobs the way GitLab composes them. */
export type PipelineStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceling'
  | 'canceled'
  | 'skipped'
  | 'manual'
  | 'scheduled';

/** The `when` of a job, after rules and defaults are applied. */
export type JobWhen = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed';

/** What started a pipeline (`CI_PIPELINE_SOURCE`). */
export type PipelineSource =
  'push' | 'web' | 'api' | 'schedule' | 'trigger' | 'merge_request_event';

/** A project CI/CD variable as the admin API declares it (Settings, CI/CD, Variables). */
export interface ProjectVariable {
  readonly key: string;
  readonly value: string;
  readonly masked: boolean;
  readonly file: boolean;
  /** `true` = the runner must not expand `$VAR` inside the value. */
  readonly raw?: boolean;
}

/** A variable given for one pipeline (API, trigger, schedule or "Run pipeline" form). */
export interface PipelineVariable {
  readonly key: string;
  readonly value: string;
}

/** The project a pipeline belongs to. */
export interface ProjectInfo {
  readonly id: number;
  readonly name: string;
  readonly pathWithNamespace: string;
  readonly namespaceId: number;
  readonly webUrl: string;
  readonly defaultBranch: string;
  /** The project's "Git shallow clone" setting; GitLab's default for new projects is 20. */
  readonly defaultGitDepth?: number;
  /** The project's job timeout (Settings, CI/CD, General pipelines); GitLab's default is 3600. */
  readonly buildTimeoutSeconds?: number;
}

/** A variable defined in `.gitlab-ci.yml` (global, job, rules, matrix or workflow). */
export interface YamlVariable {
  readonly key: string;
  readonly value: string;
  /** `expand: false` in the YAML: sent to the runner with `raw: true`. */
  readonly raw: boolean;
}

/** One entry of `needs`, resolved to a job name (a parallel job's instances are expanded later). */
export interface NeedSpec {
  readonly job: string;
  readonly artifacts: boolean;
  readonly optional: boolean;
  /** `needs:parallel:matrix` selections: each one a set of variable values. */
  readonly matrix?: readonly Readonly<Record<string, string>>[];
}

/** An artifact entry as the runner payload carries it. */
export interface ArtifactEntry {
  readonly name: string;
  readonly untracked: boolean;
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly when: 'on_success' | 'on_failure' | 'always';
  readonly expire_in: string;
  readonly artifact_type: string;
  readonly artifact_format: string;
}

/** A cache entry as the runner payload carries it (key not yet expanded nor suffixed). */
export interface CacheSpec {
  readonly key: string;
  /** `key:files`: the key is derived from these files' content at the pipeline's commit. */
  readonly keyFiles?: readonly string[];
  readonly keyPrefix?: string;
  readonly untracked: boolean;
  readonly policy: 'pull-push' | 'pull' | 'push';
  readonly paths: readonly string[];
  readonly when: 'on_success' | 'on_failure' | 'always';
  readonly fallbackKeys: readonly string[];
}

/** An `image` or `services` entry as the runner payload carries it. */
export interface ImageSpec {
  readonly name: string;
  readonly alias?: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly pull_policy?: readonly string[];
  readonly ports?: readonly { number?: number; protocol?: string; name?: string }[];
  readonly variables?: readonly { key: string; value: string; public: boolean }[];
  readonly executor_opts?: { docker?: { platform?: string; user?: string } };
}

/** `environment` of a job. */
export interface EnvironmentSpec {
  readonly name: string;
  readonly url?: string;
  readonly action: 'start' | 'prepare' | 'stop' | 'verify' | 'access';
  readonly deploymentTier?: string;
}

/** `retry` of a job after defaults: at most `max` automatic retries for the listed reasons. */
export interface RetrySpec {
  readonly max: number;
  readonly when: readonly string[];
  readonly exitCodes?: readonly number[];
}

/** One job as the YAML defines it after extends, defaults, rules and parallel expansion. */
export interface JobSpec {
  /** The name GitLab shows, e.g. `test 1/3` or `deploy: [aws, eu]`. */
  readonly name: string;
  /** The key in `.gitlab-ci.yml`. */
  readonly baseName: string;
  readonly stage: string;
  readonly stageIndex: number;
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
  readonly preGetSourcesScript?: readonly string[];
  readonly variables: readonly YamlVariable[];
  readonly when: JobWhen;
  readonly startInSeconds?: number;
  readonly allowFailure: boolean;
  readonly allowFailureExitCodes?: readonly number[];
  /** `undefined` = stage ordering; an array (maybe empty) = DAG ordering. */
  readonly needs?: readonly NeedSpec[];
  readonly dependencies?: readonly string[];
  readonly artifacts: readonly ArtifactEntry[];
  readonly cache: readonly CacheSpec[];
  readonly image?: ImageSpec;
  readonly services: readonly ImageSpec[];
  readonly timeoutSeconds?: number;
  readonly retry: RetrySpec;
  readonly tags: readonly string[];
  readonly coverage?: string;
  readonly resourceGroup?: string;
  readonly environment?: EnvironmentSpec;
  readonly interruptible: boolean;
  readonly nodeIndex?: number;
  readonly nodeTotal?: number;
  /** The matrix variables of this instance (also in `variables`), used by `needs:parallel:matrix`. */
  readonly matrixValues?: Readonly<Record<string, string>>;
}

/** A job as callers see it: its spec plus its current state. */
export interface JobView {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly status: JobStatus;
  readonly when: JobWhen;
  readonly allowFailure: boolean;
  readonly tags: readonly string[];
  readonly failureReason?: string;
  readonly exitCode?: number;
  /** The id of the job this one retries. */
  readonly retryOf?: number;
  /** `true` once a newer job replaced this one (it no longer counts for the pipeline status). */
  readonly retried: boolean;
  /** How many automatic or manual retries came before this job (0 for the first try). */
  readonly retryCount: number;
  readonly coverage?: string;
  readonly resourceGroup?: string;
  readonly environment?: EnvironmentSpec;
  readonly interruptible: boolean;
  readonly timeoutSeconds: number;
  readonly queuedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  /** When a `when: delayed` job becomes pending. */
  readonly scheduledAt?: Date;
  readonly artifacts: readonly RecordedArtifact[];
}

/** An artifact file a runner uploaded for a job. */
export interface RecordedArtifact {
  readonly filename: string;
  readonly size: number;
  readonly format: string;
  readonly type: string;
}

/** How a runner finished a job, as its final `PUT /jobs/:id` reports it. */
export interface JobOutcome {
  readonly status: 'success' | 'failed' | 'canceled';
  readonly failureReason?: string;
  readonly exitCode?: number;
}
