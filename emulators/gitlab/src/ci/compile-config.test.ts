import { errorsFor } from './test-support';

describe('rejected configurations', () => {
  it.each([
    ['invalid YAML', 'build: [\n', /^\(<unknown>\): .* at line \d+ column \d+$/],
    ['a list at the top', '- build\n', 'Invalid configuration format'],
    [
      'unknown job keys',
      'build:\n  script: x\n  foo: 1\n  bar: 2\n',
      'jobs:build config contains unknown keys: foo, bar',
    ],
    [
      'when with rules',
      'test:\n  script: x\n  when: manual\n  rules:\n    - when: always\n',
      'jobs:test config key may not be used with `rules`: when',
    ],
    [
      'only with rules',
      'test:\n  script: x\n  only: [main]\n  rules:\n    - when: always\n',
      'jobs:test config key may not be used with `rules`: only',
    ],
    [
      'a number in script',
      'x:\n  script: [echo, 3]\n',
      'jobs:x:script config should be a string or a nested array of strings up to 10 levels deep',
    ],
    [
      'a hash in before_script',
      'x:\n  before_script: {a: b}\n  script: y\n',
      'jobs:x:before_script config should be a string or a nested array of strings up to 10 levels deep',
    ],
    [
      'a bad after_script',
      'x:\n  after_script: [[1]]\n  script: y\n',
      'jobs:x:after_script config should be a string or a nested array of strings up to 10 levels deep',
    ],
    [
      'no script',
      'x:\n  stage: test\n',
      'jobs:x config should implement the script:, run:, or trigger: keyword',
    ],
    ['a job that is not a hash', 'x: echo\n', 'jobs:x config should be a hash'],
    [
      'an unknown stage',
      'x:\n  stage: lint\n  script: y\n',
      'x job: chosen stage lint does not exist; available stages are .pre, build, test, deploy, .post',
    ],
    [
      'a stage missing from stages',
      'stages: [one]\nx:\n  stage: two\n  script: y\n',
      'x job: chosen stage two does not exist; available stages are .pre, one, .post',
    ],
    [
      'needs of a missing job',
      'x:\n  script: y\n  needs: [build]\n',
      'x job: undefined need: build',
    ],
    [
      'needs of a later stage',
      'a:\n  stage: build\n  script: y\n  needs: [b]\nb:\n  stage: test\n  script: y\n',
      'a job: need b is not defined in current or prior stages',
    ],
    [
      'duplicated needs',
      'a:\n  stage: build\n  script: y\nb:\n  script: y\n  needs: [a, a]\n',
      'jobs:b has the following needs duplicated: a.',
    ],
    [
      'a dependency of a missing job',
      'x:\n  script: y\n  dependencies: [nope]\n',
      'x job: undefined dependency: nope',
    ],
    [
      'a dependency in the same stage',
      'a:\n  script: y\nb:\n  script: y\n  dependencies: [a]\n',
      'b job: dependency a is not defined in current or prior stages',
    ],
    [
      'a dependency outside needs',
      'a:\n  stage: build\n  script: y\nc:\n  stage: build\n  script: y\nb:\n  script: y\n  needs: [a]\n  dependencies: [c]\n',
      'b job: dependency c should be part of needs',
    ],
    [
      'only hidden jobs',
      '.template:\n  script: y\n',
      'jobs config should contain at least one visible job',
    ],
    [
      'stages not a list',
      'stages: build\nx:\n  script: y\n',
      'stages config should be an array of strings',
    ],
    [
      'global variables as a list',
      'variables: [A]\nx:\n  script: y\n',
      'variables config should be a hash of key value pairs, value can be a hash',
    ],
    [
      'job variables with a list value',
      'x:\n  script: y\n  variables:\n    A: [1]\n',
      'jobs:x:variables config should be a hash of key value pairs, value can be a hash',
    ],
    [
      'an unknown default key',
      'default:\n  stage: build\nx:\n  script: y\n',
      'default config contains unknown keys: stage',
    ],
    [
      'an unknown when',
      'x:\n  script: y\n  when: sometimes\n',
      'jobs:x when should be one of: on_success, on_failure, always, manual, delayed',
    ],
    [
      'delayed without start_in',
      'x:\n  script: y\n  when: delayed\n',
      "jobs:x start in can't be blank",
    ],
    [
      'start_in without delayed',
      'x:\n  script: y\n  start_in: 5m\n',
      'jobs:x start in must be blank',
    ],
    [
      'allow_failure as text',
      'x:\n  script: y\n  allow_failure: maybe\n',
      'jobs:x:allow_failure config should be a hash or a boolean value',
    ],
    [
      'allow_failure with other keys',
      'x:\n  script: y\n  allow_failure: {codes: 1}\n',
      'jobs:x:allow_failure config should be a hash or a boolean value',
    ],
    [
      'a bad timeout',
      'x:\n  script: y\n  timeout: forever\n',
      'jobs:x:timeout config should be a duration',
    ],
    [
      'retry above 2',
      'x:\n  script: y\n  retry: 3\n',
      'jobs:x:retry max config must be less than or equal to 2',
    ],
    [
      'retry max above 2',
      'x:\n  script: y\n  retry: {max: 5}\n',
      'jobs:x:retry max config must be less than or equal to 2',
    ],
    [
      'retry with an unknown when',
      'x:\n  script: y\n  retry: {max: 1, when: [bad_luck]}\n',
      'jobs:x:retry when has to be either a string or an array of strings: bad_luck',
    ],
    [
      'retry with unknown keys',
      'x:\n  script: y\n  retry: {max: 1, times: 2}\n',
      'jobs:x:retry config contains unknown keys: times',
    ],
    [
      'retry as text',
      'x:\n  script: y\n  retry: often\n',
      'jobs:x:retry config has to be either an integer or a hash',
    ],
    [
      'tags as text',
      'x:\n  script: y\n  tags: linux\n',
      'jobs:x:tags config should be an array of strings',
    ],
    [
      'coverage without slashes',
      'x:\n  script: y\n  coverage: "Total: (\\\\d+)%"\n',
      'jobs:x:coverage config must be a regular expression',
    ],
    [
      'interruptible as text',
      'x:\n  script: y\n  interruptible: yes please\n',
      'jobs:x:interruptible config should be a boolean value',
    ],
    [
      'parallel 0',
      'x:\n  script: y\n  parallel: 0\n',
      'jobs:x:parallel config must be greater than or equal to 1',
    ],
    [
      'parallel 201',
      'x:\n  script: y\n  parallel: 201\n',
      'jobs:x:parallel config must be less than or equal to 200',
    ],
    [
      'an empty matrix',
      'x:\n  script: y\n  parallel:\n    matrix: []\n',
      'jobs:x:parallel:matrix config should be an array of hashes',
    ],
    [
      'a huge matrix',
      `x:\n  script: y\n  parallel:\n    matrix:\n      - A: [${Array.from({ length: 15 }, (_, i) => i).join(', ')}]\n        B: [${Array.from({ length: 15 }, (_, i) => i).join(', ')}]\n`,
      'jobs:x:parallel:matrix config generates too many jobs (maximum is 200)',
    ],
    ['an empty rules list', 'x:\n  script: y\n  rules: []\n', "jobs:x:rules config can't be blank"],
    [
      'rules as a hash',
      'x:\n  script: y\n  rules: {if: $A}\n',
      'jobs:x:rules config should be an array of hashes',
    ],
    [
      'a broken rules:if',
      'x:\n  script: y\n  rules:\n    - if: $A = "b"\n',
      'jobs:x:rules:rule if invalid expression syntax',
    ],
    [
      'unknown rule keys',
      'x:\n  script: y\n  rules:\n    - if: $A\n      unless: $B\n',
      'jobs:x:rules:rule config contains unknown keys: unless',
    ],
    [
      'an unknown rule when',
      'x:\n  script: y\n  rules:\n    - when: later\n',
      'jobs:x:rules:rule when should be one of: on_success, on_failure, always, never, manual, delayed',
    ],
    [
      'workflow rules with manual',
      'workflow:\n  rules:\n    - when: manual\nx:\n  script: y\n',
      'workflow:rules:rule when should be one of: always, never',
    ],
    [
      'unknown artifacts keys',
      'x:\n  script: y\n  artifacts: {path: [a]}\n',
      'jobs:x:artifacts config contains unknown keys: path',
    ],
    [
      'an unknown report',
      'x:\n  script: y\n  artifacts: {reports: {pdf: a.pdf}}\n',
      'jobs:x:artifacts:reports config contains unknown keys: pdf',
    ],
    [
      'a cache key with a slash',
      'x:\n  script: y\n  cache: {key: a/b}\n',
      'jobs:x:cache:key config cannot contain the "/" character',
    ],
    [
      'a bad cache policy',
      'x:\n  script: y\n  cache: {policy: sometimes}\n',
      'jobs:x:cache policy should be pull-push, push, or pull',
    ],
    [
      'too many caches',
      'x:\n  script: y\n  cache: [{key: a}, {key: b}, {key: c}, {key: d}, {key: e}]\n',
      'jobs:x:cache config must not contain more than 4 caches',
    ],
    [
      'a nameless environment',
      'x:\n  script: y\n  environment: {url: "http://x"}\n',
      "jobs:x:environment name can't be blank",
    ],
    [
      'an unknown environment action',
      'x:\n  script: y\n  environment: {name: p, action: destroy}\n',
      'jobs:x:environment action should be start, stop, prepare, verify, or access',
    ],
    [
      'a trigger job',
      'x:\n  trigger: other/project\n',
      'jobs:x uses `trigger`, which the emulator does not support',
    ],
    [
      'a bad only',
      'x:\n  script: y\n  only: {branches: true}\n',
      'jobs:x:only config contains unknown keys: branches',
    ],
    [
      'a bad only:variables',
      'x:\n  script: y\n  only:\n    variables: [$A ==]\n',
      'jobs:x:only:variables config should be valid expressions',
    ],
    [
      'docker options the runner refuses',
      'x:\n  script: y\n  image: {name: ruby, docker: {privileged: true}}\n',
      'jobs:x:image:docker config contains unknown keys (allowed: platform, user)',
    ],
  ])('refuses %s', (_, yaml, message) => {
    const errors = errorsFor(yaml);
    expect(errors).toContainEqual(
      typeof message === 'string' ? message : expect.stringMatching(message),
    );
  });

  it('lists every problem at once', () => {
    expect(errorsFor('a:\n  script: [1]\n  foo: 1\nb:\n  stage: nope\n  script: y\n')).toEqual([
      'jobs:a config contains unknown keys: foo',
      'jobs:a:script config should be a string or a nested array of strings up to 10 levels deep',
      'b job: chosen stage nope does not exist; available stages are .pre, build, test, deploy, .post',
    ]);
  });
});
