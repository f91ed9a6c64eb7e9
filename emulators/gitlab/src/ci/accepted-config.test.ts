import { pipelineFrom } from './test-support';

describe('accepted configurations', () => {
  it('uses the default stages plus .pre and .post, in that order', () => {
    const pipeline = pipelineFrom(`
late:
  stage: .post
  script: x
deploy:
  stage: deploy
  script: x
early:
  stage: .pre
  script: x
unit:
  script: x
build:
  stage: build
  script: x
`);
    expect(pipeline.jobs().map(job => `${job.stage}:${job.name}`)).toEqual([
      '.pre:early',
      'build:build',
      'test:unit',
      'deploy:deploy',
      '.post:late',
    ]);
  });

  it('applies default: keys a job does not set, and inherit:default limits them', () => {
    const pipeline = pipelineFrom(`
default:
  before_script: [echo default-before]
  after_script: [echo default-after]
  tags: [shell]
  timeout: 20m
  retry: 1
  interruptible: true
own:
  before_script: [echo own]
  script: x
partial:
  inherit:
    default: [tags]
  script: x
none:
  inherit:
    default: false
  script: x
`);
    const payload = (name: string) => {
      const job = pipeline.jobs().find(candidate => candidate.name === name)!;
      return { job, payload: pipeline.buildPayload(job.id, { jobToken: 't', runnerId: 1 }) };
    };
    const own = payload('own');
    expect(own.payload.steps.map(step => step.script)).toEqual([
      ['echo own', 'x'],
      ['echo default-after'],
    ]);
    expect(own.job.tags).toEqual(['shell']);
    expect(own.job.timeoutSeconds).toBe(1200);
    expect(own.job.interruptible).toBe(true);
    const partial = payload('partial');
    expect(partial.job.tags).toEqual(['shell']);
    expect(partial.payload.steps.map(step => step.script)).toEqual([['x']]);
    expect(partial.job.timeoutSeconds).toBe(3600);
    expect(payload('none').job.tags).toEqual([]);
  });

  it('treats deprecated top-level image and before_script as defaults', () => {
    const pipeline = pipelineFrom('image: ruby:3.3\nbefore_script: [setup]\nx:\n  script: run\n');
    const payload = pipeline.buildPayload(pipeline.jobs()[0]!.id, { jobToken: 't', runnerId: 1 });
    expect(payload.image).toEqual({ name: 'ruby:3.3' });
    expect(payload.steps[0]!.script).toEqual(['setup', 'run']);
  });

  it('accepts environment, interruptible, image and services as GitLab does for a shell runner', () => {
    const pipeline = pipelineFrom(`
deploy:
  stage: deploy
  image: {name: alpine, entrypoint: [""], pull_policy: if-not-present}
  services: [postgres:16, {name: redis:7, alias: cache}]
  interruptible: false
  environment:
    name: review/$CI_COMMIT_REF_SLUG
    url: https://$CI_COMMIT_REF_SLUG.example.test
    deployment_tier: staging
  script: deploy
`);
    const job = pipeline.jobs()[0]!;
    expect(job.environment).toEqual({
      name: 'review/main',
      url: 'https://main.example.test',
      action: 'start',
      deploymentTier: 'staging',
    });
    const payload = pipeline.buildPayload(job.id, { jobToken: 't', runnerId: 1 });
    expect(payload.image).toEqual({
      name: 'alpine',
      entrypoint: [''],
      pull_policy: ['if-not-present'],
    });
    expect(payload.services).toEqual([
      { name: 'postgres:16' },
      { name: 'redis:7', alias: 'cache' },
    ]);
    expect(payload.variables).toContainEqual({
      key: 'CI_ENVIRONMENT_NAME',
      value: 'review/main',
      public: true,
      masked: false,
    });
    expect(payload.variables).toContainEqual({
      key: 'CI_ENVIRONMENT_TIER',
      value: 'staging',
      public: true,
      masked: false,
    });
  });

  it('keeps coverage and expands variables in tags', () => {
    const pipeline = pipelineFrom(`
variables:
  POOL: fleet
unit:
  script: x
  coverage: '/Coverage: \\d+\\.\\d+%/'
  tags: [$POOL, linux]
`);
    expect(pipeline.jobs()[0]).toMatchObject({
      coverage: '/Coverage: \\d+\\.\\d+%/',
      tags: ['fleet', 'linux'],
    });
  });
});

describe('include:rules', () => {
  const yaml = `
include:
  - local: ci/release.yml
    rules:
      - if: $CI_COMMIT_TAG
  - local: ci/always.yml
    rules:
      - if: $CI_COMMIT_TAG
        when: never
      - exists: [Dockerfile]
main:
  script: x
`;
  const files = {
    'ci/release.yml': 'release:\n  script: publish\n',
    'ci/always.yml': 'docker:\n  script: build image\n',
    Dockerfile: 'FROM alpine',
  };

  it.each([
    ['a branch', {}, ['docker', 'main']],
    ['a tag', { ref: 'v1', refType: 'tag' as const }, ['main', 'release']],
  ])('includes files whose rules match on %s', (_, overrides, names) => {
    const pipeline = pipelineFrom(yaml, overrides, files);
    expect(
      pipeline
        .jobs()
        .map(job => job.name)
        .sort(),
    ).toEqual(names);
  });

  it('sees project variables but not YAML variables', () => {
    const guarded = `
variables:
  FROM_YAML: "1"
include:
  - local: ci/release.yml
    rules:
      - if: $FROM_YAML || $FROM_PROJECT
main:
  script: x
`;
    const names = (
      projectVariables: { key: string; value: string; masked: boolean; file: boolean }[],
    ) =>
      pipelineFrom(guarded, { projectVariables }, files)
        .jobs()
        .map(job => job.name);
    expect(names([])).toEqual(['main']);
    expect(names([{ key: 'FROM_PROJECT', value: 'y', masked: false, file: false }])).toEqual([
      'release',
      'main',
    ]);
  });
});
