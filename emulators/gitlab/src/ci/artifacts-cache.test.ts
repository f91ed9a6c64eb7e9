import { normalizeArtifacts } from './artifacts';
import { resolveCacheKey } from './cache-key';
import { normalizeCache } from './cache';
import { ConfigProblems } from './errors';
import { pipelineFrom } from './test-support';

describe('artifacts', () => {
  it.each([
    [
      { paths: ['a'] },
      [
        {
          name: 'artifacts',
          untracked: false,
          paths: ['a'],
          exclude: [],
          when: 'on_success',
          expire_in: '',
          artifact_type: 'archive',
          artifact_format: 'zip',
        },
      ],
    ],
    [
      { untracked: true, when: 'on_failure', expire_in: '1 week' },
      [
        {
          name: 'artifacts',
          untracked: true,
          paths: [],
          exclude: [],
          when: 'on_failure',
          expire_in: '1 week',
          artifact_type: 'archive',
          artifact_format: 'zip',
        },
      ],
    ],
    [
      { reports: { dotenv: 'build.env' } },
      [
        {
          name: '.env',
          untracked: false,
          paths: ['build.env'],
          exclude: [],
          when: 'always',
          expire_in: '',
          artifact_type: 'dotenv',
          artifact_format: 'gzip',
        },
      ],
    ],
    [
      { reports: { coverage_report: { coverage_format: 'cobertura', path: 'cov.xml' } } },
      [
        {
          name: 'cobertura-coverage.xml',
          untracked: false,
          paths: ['cov.xml'],
          exclude: [],
          when: 'always',
          expire_in: '',
          artifact_type: 'cobertura',
          artifact_format: 'gzip',
        },
      ],
    ],
    [
      { reports: { codequality: ['a.json', 'b.json'] } },
      [
        {
          name: 'gl-code-quality-report.json',
          untracked: false,
          paths: ['a.json', 'b.json'],
          exclude: [],
          when: 'always',
          expire_in: '',
          artifact_type: 'codequality',
          artifact_format: 'raw',
        },
      ],
    ],
    [{ expire_in: 'never', name: 'bin' }, []],
  ])('turns %j into payload entries', (value, entries) => {
    const problems = new ConfigProblems();
    expect(normalizeArtifacts(value, 'jobs:x:artifacts', problems)).toEqual(entries);
    expect(problems.list()).toEqual([]);
  });

  it.each([
    [{ when: 'sometimes' }, 'jobs:x:artifacts when should be on_success, on_failure or always'],
    [{ expire_in: 'a while' }, 'jobs:x:artifacts expire in should be a duration'],
    [{ paths: 'a' }, 'jobs:x:artifacts paths should be an array of strings'],
    [
      { reports: { coverage_report: { path: 'x' } } },
      'jobs:x:artifacts:reports:coverage_report config must have coverage_format (cobertura or jacoco) and path',
    ],
  ])('refuses %j', (value, message) => {
    const problems = new ConfigProblems();
    normalizeArtifacts(value, 'jobs:x:artifacts', problems);
    expect(problems.list()).toEqual([message]);
  });
});

describe('cache', () => {
  const resolve = (value: unknown, files: Record<string, string> = {}, protectedRef = true) => {
    const problems = new ConfigProblems();
    const caches = normalizeCache(value, 'jobs:x:cache', problems);
    expect(problems.list()).toEqual([]);
    const lookup = (name: string) => ({ CI_COMMIT_REF_SLUG: 'main', POLICY: 'pull' })[name];
    return caches.map(cache =>
      resolveCacheKey(cache, { lookup, readFile: path => files[path], protectedRef }),
    );
  };

  it('defaults key, policy, when and suffixes the key for protected refs', () => {
    expect(resolve({ paths: ['node_modules/'] })).toEqual([
      {
        key: 'default-protected',
        untracked: false,
        policy: 'pull-push',
        paths: ['node_modules/'],
        when: 'on_success',
        fallbackKeys: [],
      },
    ]);
    expect(resolve({ key: 'k' }, {}, false)[0]!.key).toBe('k-non_protected');
  });

  it('expands variables in key, policy and fallback keys', () => {
    expect(
      resolve({
        key: 'deps-$CI_COMMIT_REF_SLUG',
        policy: '$POLICY',
        fallback_keys: ['deps-$CI_DEFAULT_BRANCH'],
      })[0],
    ).toMatchObject({
      key: 'deps-main-protected',
      policy: 'pull',
      fallbackKeys: ['deps--protected'],
    });
  });

  it('derives key:files from the file content, with the prefix, and changes with it', () => {
    const one = resolve(
      { key: { files: ['package-lock.json'], prefix: 'npm' } },
      { 'package-lock.json': 'v1' },
    )[0]!.key;
    const two = resolve(
      { key: { files: ['package-lock.json'], prefix: 'npm' } },
      { 'package-lock.json': 'v2' },
    )[0]!.key;
    expect(one).toMatch(/^npm-[0-9a-f]{40}-protected$/);
    expect(two).not.toBe(one);
    expect(resolve({ key: { files: ['missing.lock'] } })[0]!.key).toBe('default-protected');
  });

  it('accepts a list of caches', () => {
    expect(
      resolve([
        { key: 'a', policy: 'pull' },
        { key: 'b', when: 'always', untracked: true },
      ]).map(cache => [cache.key, cache.policy, cache.when, cache.untracked]),
    ).toEqual([
      ['a-protected', 'pull', 'on_success', false],
      ['b-protected', 'pull-push', 'always', true],
    ]);
  });
});

describe('inherit:variables', () => {
  it('limits the global variables a job receives', () => {
    const pipeline = pipelineFrom(`
variables: {A: a, B: b}
all:
  script: x
some:
  inherit:
    variables: [B]
  script: x
none:
  inherit:
    variables: false
  script: x
`);
    const keys = (name: string) => {
      const job = pipeline.jobs().find(candidate => candidate.name === name)!;
      return pipeline
        .buildPayload(job.id, { jobToken: 't', runnerId: 1 })
        .variables.filter(variable => variable.key === 'A' || variable.key === 'B')
        .map(variable => variable.key);
    };
    expect([keys('all'), keys('some'), keys('none')]).toEqual([['A', 'B'], ['B'], []]);
  });
});
