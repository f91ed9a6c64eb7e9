import type { PayloadVariable } from './variables';
import type { EnvironmentSpec, PipelineSource, ProjectInfo } from './types';

/** What the predefined pipeline variables are computed from. */
export interface PipelineFacts {
  readonly project: ProjectInfo;
  readonly serverUrl: string;
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly sha: string;
  readonly beforeSha: string;
  readonly pipelineId: number;
  readonly pipelineIid: number;
  readonly source: PipelineSource;
  readonly createdAt: Date;
  readonly configPath: string;
  readonly protectedRef: boolean;
  readonly pipelineName?: string;
  readonly commit?: CommitFacts;
  readonly user: UserFacts;
}

/** The commit details GitLab exposes as `CI_COMMIT_*` (optional: the caller may not know them). */
export interface CommitFacts {
  readonly message: string;
  readonly timestamp: string;
  readonly authorName: string;
  readonly authorEmail: string;
}

/** The user who started the pipeline (`GITLAB_USER_*`). */
export interface UserFacts {
  readonly id: number;
  readonly username: string;
  readonly name: string;
  readonly email: string;
}

/** What the predefined job variables are computed from. */
export interface JobFacts {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly token: string;
  readonly manual: boolean;
  readonly nodeIndex?: number;
  readonly nodeTotal?: number;
  readonly environment?: EnvironmentSpec;
  readonly startedAt?: Date;
  readonly timeoutSeconds: number;
  readonly runnerId: number;
  readonly runnerShortToken?: string;
  readonly runnerDescription?: string;
  readonly runnerTags?: readonly string[];
}

/** The emulated GitLab version, reported as `CI_SERVER_VERSION` (matches runner 19.4 in the reference). */
export const emulatedServerVersion = { major: 19, minor: 4, patch: 0 };

/** GitLab's slug: lower-case, non-alphanumerics to `-`, at most 63 characters, no edge dashes. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

/** GitLab's ISO 8601 form without fractions, e.g. `2026-12-03T09:00:00Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function pub(key: string, value: string): PayloadVariable {
  return { key, value, public: true, masked: false };
}

function serverVariables(serverUrl: string): PayloadVariable[] {
  const url = new URL(serverUrl);
  const protocol = url.protocol.replace(':', '');
  const port = url.port === '' ? (protocol === 'https' ? '443' : '80') : url.port;
  const base = serverUrl.replace(/\/+$/, '');
  const { major, minor, patch } = emulatedServerVersion;
  return [
    pub('CI_SERVER', 'yes'),
    pub('CI_SERVER_URL', base),
    pub('CI_SERVER_HOST', url.hostname),
    pub('CI_SERVER_PORT', port),
    pub('CI_SERVER_PROTOCOL', protocol),
    pub('CI_SERVER_FQDN', url.host),
    pub('CI_SERVER_NAME', 'GitLab'),
    pub('CI_SERVER_VERSION', `${major}.${minor}.${patch}`),
    pub('CI_SERVER_VERSION_MAJOR', String(major)),
    pub('CI_SERVER_VERSION_MINOR', String(minor)),
    pub('CI_SERVER_VERSION_PATCH', String(patch)),
    pub('CI_SERVER_REVISION', 'emulator'),
    pub('CI_API_V4_URL', `${base}/api/v4`),
    pub('CI_API_GRAPHQL_URL', `${base}/api/graphql`),
  ];
}

function projectVariables(project: ProjectInfo): PayloadVariable[] {
  const path = project.pathWithNamespace;
  const namespace = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  return [
    pub('CI_PROJECT_ID', String(project.id)),
    pub('CI_PROJECT_NAME', project.name),
    pub('CI_PROJECT_TITLE', project.name),
    pub('CI_PROJECT_PATH', path),
    pub('CI_PROJECT_PATH_SLUG', slugify(path)),
    pub('CI_PROJECT_NAMESPACE', namespace),
    pub('CI_PROJECT_NAMESPACE_SLUG', slugify(namespace)),
    pub('CI_PROJECT_NAMESPACE_ID', String(project.namespaceId)),
    pub('CI_PROJECT_ROOT_NAMESPACE', path.split('/')[0] ?? ''),
    pub('CI_PROJECT_URL', project.webUrl),
    pub('CI_PROJECT_VISIBILITY', 'private'),
    pub('CI_PROJECT_REPOSITORY_LANGUAGES', ''),
    pub('CI_PROJECT_CLASSIFICATION_LABEL', ''),
    pub('CI_DEFAULT_BRANCH', project.defaultBranch),
    pub('CI_CONFIG_PATH', '.gitlab-ci.yml'),
  ];
}

function commitVariables(facts: PipelineFacts): PayloadVariable[] {
  const list = [
    pub('CI_COMMIT_SHA', facts.sha),
    pub('CI_COMMIT_SHORT_SHA', facts.sha.slice(0, 8)),
    pub('CI_COMMIT_BEFORE_SHA', facts.beforeSha),
    pub('CI_COMMIT_REF_NAME', facts.ref),
    pub('CI_COMMIT_REF_SLUG', slugify(facts.ref)),
    pub('CI_COMMIT_REF_PROTECTED', String(facts.protectedRef)),
  ];
  list.push(
    facts.refType === 'tag' ? pub('CI_COMMIT_TAG', facts.ref) : pub('CI_COMMIT_BRANCH', facts.ref),
  );
  if (facts.commit) {
    const message = facts.commit.message;
    const title = message.split('\n')[0] ?? '';
    list.push(
      pub('CI_COMMIT_MESSAGE', message),
      pub('CI_COMMIT_TITLE', title),
      pub('CI_COMMIT_DESCRIPTION', message.slice(title.length).replace(/^\n+/, '')),
      pub('CI_COMMIT_TIMESTAMP', facts.commit.timestamp),
      pub('CI_COMMIT_AUTHOR', `${facts.commit.authorName} <${facts.commit.authorEmail}>`),
    );
  }
  if (facts.refType === 'tag' && facts.commit) {
    list.push(pub('CI_COMMIT_TAG_MESSAGE', ''));
  }
  return list;
}

/**
 * The predefined variables known when the pipeline is created (usable in `workflow:rules`,
 * `rules:if` and `only/except`), in the order GitLab lists them.
 */
export function pipelinePredefinedVariables(facts: PipelineFacts): PayloadVariable[] {
  const base = facts.project.webUrl.replace(/\/+$/, '');
  const list = [
    pub('CI', 'true'),
    pub('GITLAB_CI', 'true'),
    ...serverVariables(facts.serverUrl),
    ...projectVariables(facts.project),
    pub('CI_PIPELINE_IID', String(facts.pipelineIid)),
    pub('CI_PIPELINE_SOURCE', facts.source),
    pub('CI_PIPELINE_CREATED_AT', isoSeconds(facts.createdAt)),
    ...commitVariables(facts),
    pub('GITLAB_USER_ID', String(facts.user.id)),
    pub('GITLAB_USER_LOGIN', facts.user.username),
    pub('GITLAB_USER_NAME', facts.user.name),
    pub('GITLAB_USER_EMAIL', facts.user.email),
  ];
  // CI_PIPELINE_ID and CI_PIPELINE_URL exist only once the pipeline is persisted; GitLab still
  // exposes them to jobs, so they are part of the job set below.
  list.push(
    pub('CI_PIPELINE_ID', String(facts.pipelineId)),
    pub('CI_PIPELINE_URL', `${base}/-/pipelines/${facts.pipelineId}`),
  );
  if (facts.pipelineName !== undefined) {
    list.push(pub('CI_PIPELINE_NAME', facts.pipelineName));
  }
  if (facts.source === 'trigger') {
    list.push(pub('CI_PIPELINE_TRIGGERED', 'true'));
  }
  return list;
}

function environmentVariables(environment: EnvironmentSpec | undefined): PayloadVariable[] {
  if (!environment) {
    return [];
  }
  const list = [
    pub('CI_ENVIRONMENT_NAME', environment.name),
    pub('CI_ENVIRONMENT_SLUG', slugify(environment.name).slice(0, 24).replace(/-+$/, '')),
    pub('CI_ENVIRONMENT_ACTION', environment.action),
    pub('CI_ENVIRONMENT_TIER', environment.deploymentTier ?? 'other'),
  ];
  if (environment.url !== undefined) {
    list.push(pub('CI_ENVIRONMENT_URL', environment.url));
  }
  return list;
}

/** The repository URL a job clones from: the project URL with `gitlab-ci-token:<token>@`. */
export function repositoryUrl(project: ProjectInfo, token: string): string {
  const url = new URL(`${project.webUrl.replace(/\/+$/, '')}.git`);
  url.username = 'gitlab-ci-token';
  url.password = token;
  return url.toString();
}

/** The predefined variables of one job handed to a runner (on top of the pipeline ones). */
export function jobPredefinedVariables(facts: PipelineFacts, job: JobFacts): PayloadVariable[] {
  const base = facts.project.webUrl.replace(/\/+$/, '');
  const list: PayloadVariable[] = [
    pub('CI_JOB_ID', String(job.id)),
    pub('CI_JOB_NAME', job.name),
    pub('CI_JOB_NAME_SLUG', slugify(job.name)),
    pub('CI_JOB_STAGE', job.stage),
    pub('CI_JOB_URL', `${base}/-/jobs/${job.id}`),
    pub('CI_JOB_TIMEOUT', String(job.timeoutSeconds)),
    { key: 'CI_JOB_TOKEN', value: job.token, public: false, masked: true },
    {
      key: 'CI_REPOSITORY_URL',
      value: repositoryUrl(facts.project, job.token),
      public: false,
      masked: false,
    },
  ];
  if (job.startedAt) {
    list.push(pub('CI_JOB_STARTED_AT', isoSeconds(job.startedAt)));
  }
  if (job.manual) {
    list.push(pub('CI_JOB_MANUAL', 'true'));
  }
  if (job.nodeIndex !== undefined && job.nodeTotal !== undefined) {
    list.push(
      pub('CI_NODE_INDEX', String(job.nodeIndex)),
      pub('CI_NODE_TOTAL', String(job.nodeTotal)),
    );
  } else {
    list.push(pub('CI_NODE_TOTAL', '1'));
  }
  list.push(pub('CI_RUNNER_ID', String(job.runnerId)));
  if (job.runnerShortToken !== undefined) {
    list.push(pub('CI_RUNNER_SHORT_TOKEN', job.runnerShortToken));
  }
  if (job.runnerDescription !== undefined) {
    list.push(pub('CI_RUNNER_DESCRIPTION', job.runnerDescription));
  }
  if (job.runnerTags !== undefined) {
    list.push(pub('CI_RUNNER_TAGS', JSON.stringify(job.runnerTags).replace(/","/g, '", "')));
  }
  return [...list, ...environmentVariables(job.environment)];
}

/** The job variables also known before a runner takes the job (for `rules:if`). */
export function jobRulesVariables(name: string, stage: string): PayloadVariable[] {
  return [
    pub('CI_JOB_NAME', name),
    pub('CI_JOB_NAME_SLUG', slugify(name)),
    pub('CI_JOB_STAGE', stage),
  ];
}
