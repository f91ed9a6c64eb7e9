import type { CreatePipelineInput } from './create-pipeline';
import examples from './payload-examples.json';
import { finish, payloadOf, pipelineFrom, testRunner as runner } from './test-support';

// The example payloads of §3.7 of the runner API reference, verbatim (A: shell job, B: docker
// job with services, artifacts, cache and a dependency, C: merge-request job with hooks, depth 0).
const exampleA = examples.A;
const exampleB = examples.B;
const exampleC = examples.C;

// Keys the schema (§3.6) marks optional, which the examples may leave out.
const optionalKeys = new Set([
  'hooks',
  'token_mask_prefixes',
  'exclude',
  'untracked',
  'artifacts_file',
  'runner_session_url',
]);
// Optional schema keys none of the examples shows, with the type §3.6 gives them.
const schemaOnlyKeys: Record<string, string> = {
  pipeline_id: 'number',
  repo_object_format: 'string',
  protected: 'boolean',
};

/** Every type mismatch between `actual` and the example shapes, as `path: problem` lines. */
function shapeProblems(actual: unknown, examples: readonly unknown[], path = '$'): string[] {
  const present = examples.filter(example => example !== undefined);
  const nonNull = present.filter(example => example !== null);
  if (actual === null) {
    return present.includes(null) ? [] : [`${path}: null where examples have a value`];
  }
  if (nonNull.length === 0) {
    return [];
  }
  if (Array.isArray(actual)) {
    const items = nonNull.flatMap(example =>
      Array.isArray(example) ? (example as unknown[]) : [],
    );
    if (!nonNull.every(example => Array.isArray(example))) {
      return [`${path}: array where examples are not`];
    }
    return actual.flatMap((item, index) =>
      items.length === 0 ? [] : shapeProblems(item, items, `${path}[${index}]`),
    );
  }
  if (typeof actual === 'object') {
    const objects = nonNull.filter(
      example => typeof example === 'object' && !Array.isArray(example),
    ) as Record<string, unknown>[];
    if (objects.length === 0) {
      return [`${path}: object where examples are ${typeof nonNull[0]}`];
    }
    const record = actual as Record<string, unknown>;
    const known = new Set(objects.flatMap(example => Object.keys(example)));
    const problems = Object.keys(record)
      .filter(key => !known.has(key) && typeof record[key] !== schemaOnlyKeys[key])
      .map(key => `${path}.${key}: not in any example`);
    for (const key of known) {
      if (!(key in record)) {
        if (!optionalKeys.has(key) && objects.every(example => key in example)) {
          problems.push(`${path}.${key}: missing`);
        }
        continue;
      }
      problems.push(
        ...shapeProblems(
          record[key],
          objects.map(example => example[key]),
          `${path}.${key}`,
        ),
      );
    }
    return problems;
  }
  const types = new Set(nonNull.map(example => typeof example));
  return types.has(typeof actual)
    ? []
    : [`${path}: ${typeof actual} where examples are ${[...types].join('/')}`];
}

const shellJob = 'unit:\n  script: [echo hello, make test]\n';
const dockerJob = `
build:
  stage: build
  script: make
  artifacts:
    paths: [dist/]
integration:
  image:
    name: ruby:3.3
    entrypoint: [/bin/sh, -c]
    pull_policy: if-not-present
    docker: {platform: linux/amd64}
  services:
    - name: postgres:16
      alias: db,postgres
      command: [postgres, -c, fsync=off]
      variables: {POSTGRES_DB: test}
  timeout: 1h 30m
  script: [bundle install, bundle exec rspec]
  after_script: [echo cleanup]
  artifacts:
    name: coverage
    paths: [coverage/]
    exclude: [coverage/tmp/**]
    when: always
    expire_in: 7 days
    reports:
      junit: rspec.xml
  cache:
    key: gems-$CI_COMMIT_REF_SLUG
    paths: [vendor/bundle]
    fallback_keys: [gems-default]
`;

describe('buildPayload', () => {
  it.each<[string, string, string, Partial<CreatePipelineInput>]>([
    ['a shell job (example A)', shellJob, 'unit', {}],
    [
      'a docker job with artifacts, cache and a dependency (example B)',
      dockerJob,
      'integration',
      { ref: 'v1.4.0', refType: 'tag' },
    ],
    [
      'a job with hooks (example C)',
      'lint:\n  hooks:\n    pre_get_sources_script: [git config --global x y]\n  script: npm ci\n',
      'lint',
      {},
    ],
  ])('matches the §3.7 key sets and types for %s', (_, yaml, name, overrides) => {
    const payload = payloadOf(yaml, name, overrides, pipeline => {
      const build = pipeline.jobs().find(job => job.name === 'build');
      if (build) {
        pipeline.recordArtifacts(build.id, {
          filename: 'artifacts.zip',
          size: 1048576,
          format: 'zip',
          type: 'archive',
        });
        finish(pipeline, 'build', 'success');
      }
    });
    expect(
      shapeProblems(JSON.parse(JSON.stringify(payload)), [exampleA, exampleB, exampleC]),
    ).toEqual([]);
  });

  it('fills a docker job like example B', () => {
    const payload = payloadOf(
      dockerJob,
      'integration',
      { ref: 'v1.4.0', refType: 'tag', project: { ...pipelineProject(), defaultGitDepth: 50 } },
      pipeline => {
        const build = pipeline.jobs().find(job => job.name === 'build')!;
        pipeline.recordArtifacts(build.id, {
          filename: 'artifacts.zip',
          size: 1048576,
          format: 'zip',
          type: 'archive',
        });
        finish(pipeline, 'build', 'success');
      },
    );
    expect(payload.git_info).toMatchObject({
      ref: 'v1.4.0',
      ref_type: 'tag',
      depth: 50,
      refspecs: ['+refs/pipelines/88:refs/pipelines/88', '+refs/tags/v1.4.0:refs/tags/v1.4.0'],
      protected: false,
    });
    expect(payload.runner_info.timeout).toBe(5400);
    expect(payload.steps).toEqual([
      {
        name: 'script',
        script: ['bundle install', 'bundle exec rspec'],
        timeout: 5400,
        when: 'on_success',
        allow_failure: false,
      },
      {
        name: 'after_script',
        script: ['echo cleanup'],
        timeout: 5400,
        when: 'always',
        allow_failure: true,
      },
    ]);
    expect(payload.image).toEqual(exampleB.image);
    expect(payload.services).toEqual(exampleB.services);
    expect(payload.artifacts).toEqual([
      exampleB.artifacts[0],
      {
        name: 'junit.xml',
        untracked: false,
        paths: ['rspec.xml'],
        when: 'always',
        expire_in: '7 days',
        artifact_type: 'junit',
        artifact_format: 'gzip',
      },
    ]);
    expect(payload.cache).toEqual([
      {
        key: 'gems-v1-4-0-non_protected',
        untracked: false,
        policy: 'pull-push',
        paths: ['vendor/bundle'],
        when: 'on_success',
        fallback_keys: ['gems-default-non_protected'],
      },
    ]);
    expect(payload.dependencies).toEqual([
      {
        id: 101,
        name: 'build',
        token: runner.jobToken,
        artifacts_file: { filename: 'artifacts.zip', size: 1048576 },
      },
    ]);
  });

  it.each([
    [
      'a branch',
      {},
      ['+refs/pipelines/88:refs/pipelines/88', '+refs/heads/main:refs/remotes/origin/main'],
      20,
    ],
    [
      'GIT_DEPTH 0 from the YAML',
      { yaml: 'variables:\n  GIT_DEPTH: "0"\n' },
      [
        '+refs/pipelines/88:refs/pipelines/88',
        '+refs/heads/*:refs/remotes/origin/*',
        '+refs/tags/*:refs/tags/*',
      ],
      0,
    ],
    [
      'GIT_DEPTH 5 from the YAML',
      { yaml: 'variables:\n  GIT_DEPTH: 5\n' },
      ['+refs/pipelines/88:refs/pipelines/88', '+refs/heads/main:refs/remotes/origin/main'],
      5,
    ],
  ])('sends refspecs and depth for %s', (_, extra, refspecs, depth) => {
    const payload = payloadOf(`${'yaml' in extra ? extra.yaml : ''}${shellJob}`, 'unit');
    expect(payload.git_info.refspecs).toEqual(refspecs);
    expect(payload.git_info.depth).toBe(depth);
  });

  it('caps the timeout at the runner maximum', () => {
    const pipeline = pipelineFrom('slow:\n  script: x\n  timeout: 3h\n');
    const payload = pipeline.buildPayload(pipeline.jobs()[0]!.id, {
      ...runner,
      timeoutCapSeconds: 1800,
    });
    expect(payload.runner_info.timeout).toBe(1800);
    expect(payload.steps[0]!.timeout).toBe(1800);
  });

  it('lists dependencies from stages, from needs (artifacts: false left out) and from dependencies', () => {
    const yaml = `
a:
  stage: build
  script: x
b:
  stage: build
  script: x
all:
  script: x
picked:
  script: x
  dependencies: [b]
needy:
  script: x
  needs: [a, {job: b, artifacts: false}]
none:
  script: x
  dependencies: []
`;
    const names = (job: string) =>
      payloadOf(yaml, job, {}, pipeline => {
        finish(pipeline, 'a', 'success');
        finish(pipeline, 'b', 'success');
      }).dependencies.map(dependency => dependency.name);
    expect(names('all')).toEqual(['a', 'b']);
    expect(names('picked')).toEqual(['b']);
    expect(names('needy')).toEqual(['a']);
    expect(names('none')).toEqual([]);
  });

  it('advertises every server failure reason of §7.2', () => {
    const payload = payloadOf(shellJob, 'unit');
    expect(payload.features.failure_reasons).toEqual(
      expect.arrayContaining([
        'unknown_failure',
        'script_failure',
        'runner_system_failure',
        'job_execution_timeout',
        'runner_interrupted',
        'stuck_or_timeout_failure',
      ]),
    );
    expect(payload.features.failure_reasons).toHaveLength(34);
  });
});

function pipelineProject() {
  return {
    id: 17,
    name: 'widgets',
    pathWithNamespace: 'acme/widgets',
    namespaceId: 9,
    webUrl: 'http://127.0.0.1:8080/acme/widgets',
    defaultBranch: 'main',
  };
}
