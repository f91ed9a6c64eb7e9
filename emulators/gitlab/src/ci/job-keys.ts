/** The keys GitLab accepts in a job, in `default:` and at the top level of `.gitlab-ci.yml`. */

/** Job keys the emulator models. */
export const supportedJobKeys = [
  'script',
  'before_script',
  'after_script',
  'image',
  'services',
  'stage',
  'variables',
  'when',
  'start_in',
  'allow_failure',
  'needs',
  'dependencies',
  'artifacts',
  'cache',
  'parallel',
  'timeout',
  'retry',
  'tags',
  'only',
  'except',
  'rules',
  'coverage',
  'resource_group',
  'environment',
  'interruptible',
  'inherit',
  'hooks',
  'manual_confirmation',
  'extends',
] as const;

/** Job keys GitLab accepts that the emulator refuses plainly instead of ignoring. */
export const unsupportedJobKeys = [
  'trigger',
  'release',
  'secrets',
  'id_tokens',
  'pages',
  'dast_configuration',
  'identity',
  'run',
  'publish',
  'inputs',
] as const;

/** Keys `default:` may set (each one replaces the job's value only when the job lacks it). */
export const defaultKeys = [
  'after_script',
  'artifacts',
  'before_script',
  'cache',
  'hooks',
  'image',
  'interruptible',
  'retry',
  'services',
  'tags',
  'timeout',
] as const;

/** Top-level keys that are not jobs. */
export const reservedTopLevelKeys = [
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'spec',
] as const;

/** Deprecated top-level keys GitLab still treats as defaults for every job. */
export const legacyGlobalKeys = [
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
] as const;

/** `when` values a job may set itself (outside rules). */
export const jobWhenValues = ['on_success', 'on_failure', 'always', 'manual', 'delayed'] as const;
