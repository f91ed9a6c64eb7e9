import { goParseInt, readJobSettings } from './job-settings';

const read = (variables: Record<string, string>, allowGitFetch = false) =>
  readJobSettings(name => variables[name], { allowGitFetch, gitDepth: 20 });

describe('readJobSettings', () => {
  it('defaults every attempt count to 1 with exponential retry backoff on, and warns of nothing', () => {
    expect(read({})).toEqual({
      getSourcesAttempts: 1,
      restoreCacheAttempts: 1,
      artifactDownloadAttempts: 1,
      executorJobSectionAttempts: 1,
      retryBackoff: true,
      warnings: [],
    });
  });

  it('reads the attempt counts as Go integers and keeps one out of 1–10 for its stage to refuse', () => {
    const settings = read({
      GET_SOURCES_ATTEMPTS: '3',
      RESTORE_CACHE_ATTEMPTS: '+2',
      ARTIFACT_DOWNLOAD_ATTEMPTS: '0',
      EXECUTOR_JOB_SECTION_ATTEMPTS: '10',
      FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY: 'false',
    });
    expect(settings).toMatchObject({
      getSourcesAttempts: 3,
      restoreCacheAttempts: 2,
      artifactDownloadAttempts: 0,
      executorJobSectionAttempts: 10,
      retryBackoff: false,
      warnings: [],
    });
  });

  it("names every unreadable value in GitLab Runner's order and words, falling back to defaults", () => {
    const settings = read(
      {
        CACHE_REQUEST_TIMEOUT: 'soon',
        AFTER_SCRIPT_IGNORE_ERRORS: 'maybe',
        EXECUTOR_JOB_SECTION_ATTEMPTS: '99',
        RESTORE_CACHE_ATTEMPTS: ' 2',
        ARTIFACT_DOWNLOAD_ATTEMPTS: 'two',
        GET_SOURCES_ATTEMPTS: '1.5',
        GIT_SUBMODULE_FORCE_HTTPS: 'y',
        GIT_LFS_SKIP_SMUDGE: 'yes',
        GIT_SUBMODULE_DEPTH: 'deep',
        GIT_SUBMODULE_STRATEGY: 'upside-down',
        GIT_CHECKOUT: 'no',
        GIT_STRATEGY: 'sideways',
        CI_DEBUG_TRACE: 'loud',
        CI_DEBUG_SERVICES: 'on',
        FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY: 'sometimes',
      },
      true,
    );
    expect(settings.warnings).toEqual([
      'CI_DEBUG_SERVICES: expected bool got "on", using default value: false',
      'CI_DEBUG_TRACE: expected bool got "loud", using default value: false',
      `GIT_STRATEGY: expected either 'clone', 'fetch', 'none' or 'empty' got "sideways", using default value 'fetch'`,
      'GIT_CHECKOUT: expected bool got "no", using default value: true',
      `GIT_SUBMODULE_STRATEGY: expected either 'normal', 'recursive' or 'none' got "upside-down"`,
      'GIT_SUBMODULE_DEPTH: expected int got "deep", using default value: 20',
      'GIT_LFS_SKIP_SMUDGE: expected bool got "yes", using default value: false',
      'GIT_SUBMODULE_FORCE_HTTPS: expected bool got "y", using default value: false',
      'GET_SOURCES_ATTEMPTS: expected int got "1.5", using default value: 1',
      'ARTIFACT_DOWNLOAD_ATTEMPTS: expected int got "two", using default value: 1',
      'RESTORE_CACHE_ATTEMPTS: expected int got " 2", using default value: 1',
      'AFTER_SCRIPT_IGNORE_ERRORS: expected bool got "maybe", using default value: true',
      'CACHE_REQUEST_TIMEOUT: expected int got "soon", using default value: 10',
      'EXECUTOR_JOB_SECTION_ATTEMPTS: number of attempts out of the range [1, 10], using default 1',
      'FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY: could not parse feature flag, expected bool, got sometimes',
    ]);
    expect(settings).toMatchObject({
      getSourcesAttempts: 1,
      artifactDownloadAttempts: 1,
      restoreCacheAttempts: 1,
      executorJobSectionAttempts: 1,
      retryBackoff: true,
    });
  });

  it('takes empty as a known strategy (GitLab Runner 17.3+)', () => {
    expect(read({ GIT_STRATEGY: 'empty' }).warnings).toEqual([]);
  });
});

describe('goParseInt', () => {
  it('takes what strconv.ParseInt(s, 10, 64) takes', () => {
    expect(goParseInt('-7')).toBe(-7);
    expect(goParseInt('007')).toBe(7);
    expect(goParseInt('9223372036854775807')).toBe(2 ** 63);
    expect(goParseInt('9223372036854775808')).toBeUndefined();
    expect(goParseInt('0x10')).toBeUndefined();
    expect(goParseInt('')).toBeUndefined();
    expect(goParseInt('3 ')).toBeUndefined();
  });
});
