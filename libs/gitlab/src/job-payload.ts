import { z } from 'zod';

// GitLab Runner decodes with Go's encoding/json: a missing or null field becomes its zero value,
// while a field of the wrong type makes the whole payload undecodable. These helpers do the same.
const str = z
  .string()
  .nullish()
  .transform(v => v ?? '');
const num = z
  .number()
  .nullish()
  .transform(v => v ?? 0);
const bool = z
  .boolean()
  .nullish()
  .transform(v => v ?? false);
const strList = z
  .array(z.string())
  .nullish()
  .transform(v => v ?? []);
/** An object that Go would decode from null or absence as all zero values. */
function obj<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(v => v ?? {}, z.object(shape));
}
function list<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform(v => v ?? []);
}

// A project's full path becomes a directory on the instance (builds/<slot>/<path>), which the
// clone strategy empties with rm -rf: a path that climbs out of it must never decode.
const projectPathSegment = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const projectFullPath = str.refine(
  path => path === '' || path.split('/').every(s => projectPathSegment.test(s) && !/^\.+$/.test(s)),
  {
    error:
      'is not a GitLab project path (segments of letters, digits, "_", "-" and ".", separated by "/")',
  },
);

const jobVariableSchema = z.object({
  key: z.string(),
  value: str,
  public: bool,
  masked: bool,
  file: bool,
  raw: bool,
});

const imageSchema = z.object({
  name: str,
  alias: z.string().optional(),
  command: strList,
  entrypoint: strList,
  ports: list(
    z.object({
      number: z.number().optional(),
      protocol: z.string().optional(),
      name: z.string().optional(),
    }),
  ),
  variables: list(jobVariableSchema),
  pull_policy: strList,
  executor_opts: z.record(z.string(), z.unknown()).nullish(),
});

const stepSchema = z.object({
  name: str,
  script: strList,
  timeout: num,
  when: str.transform(v => (v === '' ? 'on_success' : v)),
  allow_failure: bool,
});

const artifactSchema = z.object({
  name: str,
  untracked: bool,
  paths: strList,
  exclude: strList,
  when: str,
  expire_in: str,
  artifact_type: str,
  artifact_format: str,
});

const cacheSchema = z.object({
  key: str,
  untracked: bool,
  policy: str,
  paths: strList,
  when: str,
  fallback_keys: strList,
});

const dependencySchema = z.object({
  id: num,
  token: str,
  name: str,
  artifacts_file: z.object({ filename: str, size: num }).nullish(),
});

/** The parser for the 201 body of `POST /jobs/request` (reference §3.6). */
export const jobPayloadSchema = z.object({
  id: z.number().int().positive(),
  token: z.string().min(1),
  allow_git_fetch: bool,
  job_info: obj({
    id: z.number().optional(),
    name: str,
    stage: str,
    project_id: num,
    project_name: str,
    project_full_path: projectFullPath,
    pipeline_id: z.number().optional(),
    namespace_id: num,
    root_namespace_id: num,
    organization_id: num,
    instance_id: str,
    instance_uuid: str,
    user_id: num,
    scoped_user_id: z.number().nullish(),
    time_in_queue_seconds: num,
    project_jobs_running_on_instance_runners_count: str,
    queue_size: num,
    queue_depth: num,
  }),
  git_info: obj({
    repo_url: str,
    repo_object_format: z.string().optional(),
    ref: str,
    sha: str,
    before_sha: str,
    ref_type: str,
    refspecs: strList,
    depth: num,
    protected: z.boolean().nullish(),
  }),
  runner_info: obj({
    timeout: num,
    runner_session_url: z.string().nullish(),
    uuid: z.string().optional(),
  }),
  inputs: list(z.object({ key: z.string(), value: z.unknown() })),
  variables: list(jobVariableSchema),
  steps: list(stepSchema),
  image: imageSchema.nullish(),
  services: list(imageSchema),
  artifacts: list(artifactSchema),
  cache: list(cacheSchema),
  credentials: list(z.object({ type: str, url: str, username: str, password: str })),
  dependencies: list(dependencySchema),
  features: obj({
    trace_sections: bool,
    failure_reasons: strList,
    token_mask_prefixes: strList,
    tracing: z.unknown().optional(),
  }),
  secrets: z.record(z.string(), z.unknown()).optional(),
  hooks: list(z.object({ name: str, script: strList })),
  // GitLab sends CI Steps as a JSON string holding an array; an array here is undecodable.
  run: z.string().optional(),
  policy_options: z.record(z.string(), z.unknown()).optional(),
  suspend_options: z.record(z.string(), z.unknown()).optional(),
});

/** A job as GitLab hands it to the runner, with Go's zero values filled in for absent fields. */
export type JobPayload = z.output<typeof jobPayloadSchema>;
/** One CI/CD variable of a job. */
export type JobVariable = z.output<typeof jobVariableSchema>;
/** One step (`script`, `after_script`, `release`) of a job. */
export type JobStep = z.output<typeof stepSchema>;

/** One `artifacts` entry: the archive or one report. */
export type JobArtifact = z.output<typeof artifactSchema>;
/** One `cache` entry, its key already resolved and suffixed by GitLab. */
export type JobCache = z.output<typeof cacheSchema>;
/** One job whose artifacts this job downloads (`dependencies`/`needs`). */
export type JobDependency = z.output<typeof dependencySchema>;

/** The outcome of decoding a job payload: the job, or every problem found with it. */
export type JobPayloadParseResult =
  | { readonly ok: true; readonly job: JobPayload }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Decodes a 201 body already parsed from JSON, listing every problem when it is not a job. */
export function parseJobPayload(raw: unknown): JobPayloadParseResult {
  const result = jobPayloadSchema.safeParse(raw);
  if (result.success) {
    return { ok: true, job: result.data };
  }
  const problems = result.error.issues.map(
    issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  return { ok: false, problems };
}
