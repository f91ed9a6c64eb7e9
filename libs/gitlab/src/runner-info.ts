/** The runner's features as GitLab expects them: every key always present (reference §2.1). */
export interface FeaturesInfo {
  variables: boolean;
  image: boolean;
  services: boolean;
  artifacts: boolean;
  cache: boolean;
  fallback_cache_keys: boolean;
  shared: boolean;
  upload_multiple_artifacts: boolean;
  upload_raw_artifacts: boolean;
  session: boolean;
  terminal: boolean;
  refspecs: boolean;
  masking: boolean;
  proxy: boolean;
  raw_variables: boolean;
  artifacts_exclude: boolean;
  multi_build_steps: boolean;
  trace_reset: boolean;
  trace_checksum: boolean;
  trace_size: boolean;
  vault_secrets: boolean;
  cancelable: boolean;
  return_exit_code: boolean;
  service_variables: boolean;
  service_multiple_aliases: boolean;
  image_executor_opts: boolean;
  service_executor_opts: boolean;
  cancel_gracefully: boolean;
  native_steps_integration: boolean;
  two_phase_job_commit: boolean;
  job_inputs: boolean;
}

/** The `info` object sent with verify, job request and job update calls. */
export interface RunnerInfo {
  name?: string;
  version?: string;
  revision?: string;
  platform?: string;
  architecture?: string;
  executor?: string;
  shell?: string;
  features: FeaturesInfo;
  config: { gpus: string };
  labels?: Record<string, string>;
}

/**
 * Features of a shell-style executor over SSH with GitLab Runner's network client: what the
 * client always sets, what every shell sets, and `variables`/`shared` of the shell executor.
 */
export function defaultFeatures(overrides: Partial<FeaturesInfo> = {}): FeaturesInfo {
  return {
    variables: true,
    image: false,
    services: false,
    artifacts: true,
    cache: true,
    fallback_cache_keys: true,
    shared: true,
    upload_multiple_artifacts: true,
    upload_raw_artifacts: true,
    session: false,
    terminal: false,
    refspecs: true,
    masking: true,
    proxy: false,
    raw_variables: true,
    artifacts_exclude: true,
    multi_build_steps: true,
    trace_reset: true,
    trace_checksum: true,
    trace_size: true,
    vault_secrets: false,
    cancelable: true,
    return_exit_code: true,
    service_variables: false,
    service_multiple_aliases: false,
    image_executor_opts: false,
    service_executor_opts: false,
    cancel_gracefully: true,
    native_steps_integration: false,
    two_phase_job_commit: true,
    job_inputs: true,
    ...overrides,
  };
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

/** Builds the `info` object for this process, with the caller's version, executor and shell. */
export function buildRunnerInfo(input: {
  version: string;
  revision?: string;
  executor?: string;
  shell?: string;
  features?: Partial<FeaturesInfo>;
  labels?: Record<string, string>;
}): RunnerInfo {
  return {
    name: 'taskfleet',
    version: input.version,
    ...(input.revision === undefined ? {} : { revision: input.revision }),
    platform: process.platform,
    architecture: GO_ARCH[process.arch] ?? process.arch,
    executor: input.executor ?? 'instance',
    shell: input.shell ?? 'bash',
    features: defaultFeatures(input.features),
    config: { gpus: '' },
    ...(input.labels === undefined ? {} : { labels: input.labels }),
  };
}
