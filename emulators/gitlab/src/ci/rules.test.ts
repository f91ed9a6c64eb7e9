import { errorsFor, pipelineFrom, statuses } from './test-support';

const ruleJob = (rules: string): string => `job:\n  script: x\n  rules:\n${rules}`;

describe('rules', () => {
  it.each([
    ['a matching if', '    - if: $CI_COMMIT_BRANCH == "main"\n', {}, 'pending'],
    ['a non-matching if', '    - if: $CI_COMMIT_BRANCH == "dev"\n', {}, undefined],
    [
      'the first match wins',
      '    - if: $CI_COMMIT_BRANCH\n      when: manual\n    - when: always\n',
      {},
      'manual',
    ],
    [
      'when never',
      '    - if: $CI_PIPELINE_SOURCE == "push"\n      when: never\n    - when: on_success\n',
      {},
      undefined,
    ],
    ['a rule without if', '    - when: on_success\n', {}, 'pending'],
    [
      'a tag pipeline',
      '    - if: $CI_COMMIT_TAG\n',
      { ref: 'v1.0', refType: 'tag' as const },
      'pending',
    ],
    [
      'a branch rule on a tag',
      '    - if: $CI_COMMIT_BRANCH\n',
      { ref: 'v1.0', refType: 'tag' as const },
      undefined,
    ],
    [
      'a schedule',
      '    - if: $CI_PIPELINE_SOURCE == "schedule"\n',
      { source: 'schedule' as const },
      'pending',
    ],
    [
      'a regex on the ref',
      '    - if: $CI_COMMIT_REF_NAME =~ /^release\\//\n',
      { ref: 'release/2' },
      'pending',
    ],
    [
      'the default branch variable',
      '    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n',
      {},
      'pending',
    ],
    [
      'a pipeline variable',
      '    - if: $DEPLOY == "yes"\n',
      { pipelineVariables: [{ key: 'DEPLOY', value: 'yes' }] },
      'pending',
    ],
    [
      'a project variable',
      '    - if: $FEATURE\n',
      { projectVariables: [{ key: 'FEATURE', value: 'on', masked: false, file: false }] },
      'pending',
    ],
    ['a job variable', '    - if: $LOCAL == "1"\n', {}, undefined],
    ['the job name', '    - if: $CI_JOB_NAME == "job"\n', {}, 'pending'],
    ['exists with a present file', '    - exists: [Dockerfile]\n', {}, 'pending'],
    ['exists with a missing file', '    - exists: [Makefile]\n', {}, undefined],
    [
      'exists with a glob',
      '    - exists: ["src/**/*.ts"]\n',
      { listFiles: () => ['src/a/b.ts'] },
      'pending',
    ],
    ['exists with a glob and no listing', '    - exists: ["src/**/*.ts"]\n', {}, undefined],
    ['changes without diff information', '    - changes: [src/**/*]\n', {}, 'pending'],
    [
      'changes that match',
      '    - changes: ["src/**/*"]\n',
      { changedFiles: ['src/x.ts'] },
      'pending',
    ],
    [
      'changes that do not match',
      '    - changes: ["src/**/*"]\n',
      { changedFiles: ['docs/x.md'] },
      undefined,
    ],
    [
      'changes as paths',
      '    - changes:\n        paths: [docs/*]\n',
      { changedFiles: ['docs/x.md'] },
      'pending',
    ],
    [
      'if and exists both needed',
      '    - if: $CI_COMMIT_BRANCH\n      exists: [Makefile]\n    - when: manual\n',
      {},
      'manual',
    ],
  ])('%s', (_, rules, overrides, expected) => {
    const yaml = `${ruleJob(rules)}other:\n  script: y\n`;
    const pipeline = pipelineFrom(yaml, overrides, { Dockerfile: 'FROM alpine' });
    expect(statuses(pipeline).job).toBe(expected);
  });

  it('makes a rules manual job blocking unless the rule allows failure', () => {
    const pipeline = pipelineFrom(`
blocking:
  script: x
  rules:
    - when: manual
optional:
  script: x
  rules:
    - when: manual
      allow_failure: true
plain:
  script: x
  when: manual
`);
    const byName = Object.fromEntries(pipeline.jobs().map(job => [job.name, job.allowFailure]));
    expect(byName).toEqual({ blocking: false, optional: true, plain: true });
  });

  it('adds rules:variables over the job variables', () => {
    const pipeline = pipelineFrom(`
job:
  script: x
  variables: {TARGET: staging, KEEP: kept}
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      variables: {TARGET: production}
`);
    const payload = pipeline.buildPayload(pipeline.jobs()[0]!.id, { jobToken: 't', runnerId: 1 });
    const target = payload.variables.filter(variable => ['TARGET', 'KEEP'].includes(variable.key));
    expect(target.map(variable => `${variable.key}=${variable.value}`).sort()).toEqual([
      'KEEP=kept',
      'TARGET=production',
    ]);
  });

  it('lets a rule turn a job into a delayed one', () => {
    const pipeline = pipelineFrom(
      'job:\n  script: x\n  rules:\n    - when: delayed\n      start_in: 10 minutes\n',
    );
    expect(pipeline.jobs()[0]!.status).toBe('scheduled');
  });

  it('refuses a pipeline whose rules leave no job', () => {
    expect(errorsFor(ruleJob('    - if: $NOPE\n'))).toEqual([
      'Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.',
    ]);
  });

  it('refuses a pipeline of only .pre and .post jobs', () => {
    expect(errorsFor('a:\n  stage: .pre\n  script: x\nb:\n  stage: .post\n  script: x\n')).toEqual([
      'No stages / jobs for this pipeline.',
    ]);
  });

  it('refuses a need on a job that rules removed, unless optional', () => {
    const yaml = `
build:
  stage: build
  script: x
  rules:
    - if: $NOPE
test:
  script: x
  needs: [build]
`;
    expect(errorsFor(yaml)).toEqual([
      "'test' job needs 'build' job, but 'build' does not exist in the pipeline. This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist in the pipeline, use needs:optional.",
    ]);
    const optional = pipelineFrom(
      yaml.replace('needs: [build]', 'needs: [{job: build, optional: true}]'),
    );
    expect(statuses(optional)).toEqual({ test: 'pending' });
  });
});

describe('workflow:rules', () => {
  const workflow = `
workflow:
  name: 'Pipeline for $CI_COMMIT_REF_NAME'
  rules:
    - if: $CI_COMMIT_TAG
      when: never
    - if: $CI_COMMIT_BRANCH
      variables: {DEPLOY_TARGET: branch}
job:
  script: x
`;

  it('creates the pipeline with workflow variables and name when a rule matches', () => {
    const pipeline = pipelineFrom(workflow);
    expect(pipeline.name).toBe('Pipeline for main');
    const payload = pipeline.buildPayload(pipeline.jobs()[0]!.id, { jobToken: 't', runnerId: 1 });
    expect(payload.variables).toContainEqual({
      key: 'DEPLOY_TARGET',
      value: 'branch',
      public: true,
      masked: false,
    });
    expect(payload.variables).toContainEqual({
      key: 'CI_PIPELINE_NAME',
      value: 'Pipeline for main',
      public: true,
      masked: false,
    });
  });

  it.each([
    ['when: never matches', { ref: 'v1', refType: 'tag' as const }],
    [
      'no rule matches',
      { source: 'merge_request_event' as const, refType: 'branch' as const, ref: '' },
    ],
  ])('filters the pipeline out when %s', (_, overrides) => {
    expect(errorsFor(workflow, overrides)).toEqual(['Pipeline filtered out by workflow rules.']);
  });
});
