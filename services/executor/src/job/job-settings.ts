import { goParseBool } from './debug-trace';

/** What the job settings default to from the job itself. */
export interface JobSettingsDefaults {
  /** The payload's `allow_git_fetch`: fetch, not clone, when `GIT_STRATEGY` is unset or unknown. */
  readonly allowGitFetch: boolean;
  /** `git_info.depth`, the default of `GIT_SUBMODULE_DEPTH`. */
  readonly gitDepth: number;
}

/** The job-wide settings GitLab Runner reads from the job's variables, with its fallbacks. */
export interface JobSettings {
  /**
   * `GET_SOURCES_ATTEMPTS`, `RESTORE_CACHE_ATTEMPTS`, `ARTIFACT_DOWNLOAD_ATTEMPTS` as read (1
   * when unset or not an integer); one outside 1–10 fails the job when its stage comes.
   */
  readonly getSourcesAttempts: number;
  readonly restoreCacheAttempts: number;
  readonly artifactDownloadAttempts: number;
  /** `EXECUTOR_JOB_SECTION_ATTEMPTS`, 1–10 (out of range: 1, with a warning). */
  readonly executorJobSectionAttempts: number;
  /** `FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY` (default on): wait 5 s growing to 5 min between attempts. */
  readonly retryBackoff: boolean;
  /** GitLab Runner's setting errors, in its order and wording; printed as one warning. */
  readonly warnings: readonly string[];
}

const backoffFlag = 'FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY';

/** Go's `strconv.ParseInt(value, 10, 64)`: an optional sign and decimal digits in int64 range. */
export function goParseInt(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value)) {
    return undefined;
  }
  const big = BigInt(value);
  if (big > 9223372036854775807n || big < -9223372036854775808n) {
    return undefined;
  }
  return Number(big);
}

/**
 * Reads the setting variables as GitLab Runner's build settings do, in its order: each bool or
 * int that does not parse falls back to its default with the runner's error text, an unknown
 * `GIT_STRATEGY` or `GIT_SUBMODULE_STRATEGY` is named, `EXECUTOR_JOB_SECTION_ATTEMPTS` out of
 * 1–10 falls back to 1, and the stage-retry feature flag is read last.
 */
export function readJobSettings(
  variable: (name: string) => string | undefined,
  defaults: JobSettingsDefaults,
): JobSettings {
  const warnings: string[] = [];
  const raw = (name: string): string => variable(name) ?? '';
  const bool = (name: string, fallback: boolean): boolean => {
    const value = raw(name);
    if (value === '') {
      return fallback;
    }
    const parsed = goParseBool(value);
    if (parsed === undefined) {
      warnings.push(
        `${name}: expected bool got ${JSON.stringify(value)}, using default value: ${fallback}`,
      );
      return fallback;
    }
    return parsed;
  };
  const int = (name: string, fallback: number): number => {
    const value = raw(name);
    if (value === '') {
      return fallback;
    }
    const parsed = goParseInt(value);
    if (parsed === undefined) {
      warnings.push(
        `${name}: expected int got ${JSON.stringify(value)}, using default value: ${fallback}`,
      );
      return fallback;
    }
    return parsed;
  };

  bool('CI_DEBUG_SERVICES', false);
  bool('CI_DEBUG_TRACE', false);
  const strategy = raw('GIT_STRATEGY');
  if (strategy !== '' && !['clone', 'fetch', 'none', 'empty'].includes(strategy)) {
    warnings.push(
      `GIT_STRATEGY: expected either 'clone', 'fetch', 'none' or 'empty' got ` +
        `${JSON.stringify(strategy)}, using default value '${defaults.allowGitFetch ? 'fetch' : 'clone'}'`,
    );
  }
  bool('GIT_CHECKOUT', true);
  const submodules = raw('GIT_SUBMODULE_STRATEGY');
  if (!['', 'none', 'normal', 'recursive'].includes(submodules)) {
    warnings.push(
      `GIT_SUBMODULE_STRATEGY: expected either 'normal', 'recursive' or 'none' got ` +
        JSON.stringify(submodules),
    );
  }
  int('GIT_SUBMODULE_DEPTH', defaults.gitDepth);
  bool('GIT_LFS_SKIP_SMUDGE', false);
  bool('GIT_SUBMODULE_FORCE_HTTPS', false);
  const getSourcesAttempts = int('GET_SOURCES_ATTEMPTS', 1);
  const artifactDownloadAttempts = int('ARTIFACT_DOWNLOAD_ATTEMPTS', 1);
  const restoreCacheAttempts = int('RESTORE_CACHE_ATTEMPTS', 1);
  let executorJobSectionAttempts = int('EXECUTOR_JOB_SECTION_ATTEMPTS', 1);
  bool('AFTER_SCRIPT_IGNORE_ERRORS', true);
  int('CACHE_REQUEST_TIMEOUT', 10);
  if (executorJobSectionAttempts < 1 || executorJobSectionAttempts > 10) {
    warnings.push(
      'EXECUTOR_JOB_SECTION_ATTEMPTS: number of attempts out of the range [1, 10], using default 1',
    );
    executorJobSectionAttempts = 1;
  }
  // Feature flags always have a value in GitLab Runner (their defaults are variables too), so
  // only a set one can fail to parse.
  const flag = raw(backoffFlag);
  let retryBackoff = true;
  if (flag !== '') {
    const parsed = goParseBool(flag);
    if (parsed === undefined) {
      warnings.push(`${backoffFlag}: could not parse feature flag, expected bool, got ${flag}`);
    } else {
      retryBackoff = parsed;
    }
  }
  return {
    getSourcesAttempts,
    restoreCacheAttempts,
    artifactDownloadAttempts,
    executorJobSectionAttempts,
    retryBackoff,
    warnings,
  };
}
