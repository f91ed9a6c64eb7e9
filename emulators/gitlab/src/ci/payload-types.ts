import type { ArtifactEntry, ImageSpec } from './types';
import type { PayloadVariable } from './variables';

/** The runner a job is handed to, and the queue facts GitLab reports in `job_info`. */
export interface PayloadRunner {
  readonly jobToken: string;
  readonly runnerId: number;
  readonly runnerShortToken?: string;
  readonly runnerDescription?: string;
  readonly runnerTags?: readonly string[];
  /** The runner's `maximum_timeout`: the job's timeout is capped to it. */
  readonly timeoutCapSeconds?: number;
  /** Overrides the time computed from the job's `queuedAt` and the pipeline clock. */
  readonly timeInQueueSeconds?: number;
  readonly queueSize?: number;
  readonly queueDepth?: number;
  readonly projectJobsRunningOnInstanceRunnersCount?: number | string;
}

/** One step of the payload (`script` = before_script + script, then `after_script`). */
export interface PayloadStep {
  readonly name: string;
  readonly script: readonly string[];
  readonly timeout: number;
  readonly when: 'on_success' | 'on_failure' | 'always';
  readonly allow_failure: boolean;
}

/** A dependency whose artifacts the job downloads (token = the running job's token). */
export interface PayloadDependency {
  readonly id: number;
  readonly token: string;
  readonly name: string;
  readonly artifacts_file?: { readonly filename: string; readonly size: number };
}

/** A cache entry of the payload. */
export interface PayloadCache {
  readonly key: string;
  readonly untracked: boolean;
  readonly policy: 'pull-push' | 'pull' | 'push' | '';
  readonly paths: readonly string[];
  readonly when: 'on_success' | 'on_failure' | 'always' | '';
  readonly fallback_keys: readonly string[];
}

/** The `POST /jobs/request` 201 body, as §3.6 of the runner API reference defines it. */
export interface JobPayload {
  readonly id: number;
  readonly token: string;
  readonly allow_git_fetch: boolean;
  readonly job_info: {
    readonly id: number;
    readonly name: string;
    readonly stage: string;
    readonly project_id: number;
    readonly project_name: string;
    readonly project_full_path: string;
    readonly pipeline_id: number;
    readonly namespace_id: number;
    readonly root_namespace_id: number;
    readonly organization_id: number;
    readonly instance_id: string;
    readonly instance_uuid: string;
    readonly user_id: number;
    readonly time_in_queue_seconds: number;
    readonly project_jobs_running_on_instance_runners_count: string;
    readonly queue_size: number;
    readonly queue_depth: number;
  };
  readonly git_info: {
    readonly repo_url: string;
    readonly repo_object_format: 'sha1' | 'sha256';
    readonly ref: string;
    readonly sha: string;
    readonly before_sha: string;
    readonly ref_type: 'branch' | 'tag';
    readonly refspecs: readonly string[];
    readonly depth: number;
    readonly protected: boolean;
  };
  readonly runner_info: { readonly timeout: number; readonly runner_session_url: null };
  readonly variables: readonly PayloadVariable[];
  readonly steps: readonly PayloadStep[];
  readonly hooks?: readonly {
    readonly name: 'pre_get_sources_script';
    readonly script: readonly string[];
  }[];
  readonly image: ImageSpec | null;
  readonly services: readonly ImageSpec[];
  readonly artifacts:
    readonly (Omit<ArtifactEntry, 'exclude'> & { readonly exclude?: readonly string[] })[] | null;
  readonly cache: readonly PayloadCache[] | null;
  readonly credentials: readonly {
    type: 'registry';
    url: string;
    username: string;
    password: string;
  }[];
  readonly dependencies: readonly PayloadDependency[];
  readonly features: {
    readonly trace_sections: boolean;
    readonly failure_reasons: readonly string[];
    readonly token_mask_prefixes: readonly string[];
  };
}
