import { pipelineFrom, statuses } from './test-support';

describe('only / except', () => {
  it.each([
    ['no only/except on a branch', '', {}, true],
    [
      'no only/except in a merge request pipeline',
      '',
      { source: 'merge_request_event' as const },
      false,
    ],
    ['only: [main]', 'only: [main]', {}, true],
    ['only: [dev]', 'only: [dev]', {}, false],
    ['only: branches', 'only: [branches]', {}, true],
    ['only: tags on a branch', 'only: [tags]', {}, false],
    ['only: tags on a tag', 'only: [tags]', { ref: 'v1', refType: 'tag' as const }, true],
    ['only: a regex', 'only: [/^rel-.*$/]', { ref: 'rel-2' }, true],
    ['only: a case-insensitive regex', 'only: [/^REL-/i]', { ref: 'rel-2' }, true],
    ['only: a regex that does not match', 'only: [/^rel-/]', {}, false],
    ['only: schedules', 'only: [schedules]', { source: 'schedule' as const }, true],
    ['only: web on push', 'only: [web]', {}, false],
    ['only: api', 'only: [api]', { source: 'api' as const }, true],
    ['only: triggers', 'only: [triggers]', { source: 'trigger' as const }, true],
    ['only: pushes', 'only: [pushes]', {}, true],
    [
      'only: merge_requests',
      'only: [merge_requests]',
      { source: 'merge_request_event' as const },
      true,
    ],
    ['only: ref@project', 'only: [main@acme/widgets]', {}, true],
    ['only: ref@other project', 'only: [main@fork/widgets]', {}, false],
    ['except: [main]', 'except: [main]', {}, false],
    ['except: tags on a branch', 'except: [tags]', {}, true],
    [
      'only refs and variables both matching',
      'only:\n    refs: [main]\n    variables: [$CI_COMMIT_BRANCH == "main"]',
      {},
      true,
    ],
    [
      'only refs matching, variables not',
      'only:\n    refs: [main]\n    variables: [$NOPE]',
      {},
      false,
    ],
    [
      'only variables, any one matching',
      'only:\n    variables: [$NOPE, $CI_COMMIT_REF_NAME =~ /ma/]',
      {},
      true,
    ],
    [
      'only variables on a merge request',
      'only:\n    variables: [$CI_PIPELINE_SOURCE]',
      { source: 'merge_request_event' as const },
      false,
    ],
    [
      'except variables matching',
      'except:\n    variables: [$CI_COMMIT_BRANCH == "main"]',
      {},
      false,
    ],
    ['except variables not matching', 'except:\n    variables: [$NOPE]', {}, true],
    ['only changes without diff', 'only:\n    changes: [src/*]', {}, true],
    [
      'only changes not matching',
      'only:\n    changes: [src/*]',
      { changedFiles: ['README.md'] },
      false,
    ],
    ['only kubernetes', 'only:\n    kubernetes: active', {}, false],
  ])('%s', (_, policy, overrides, included) => {
    const pipeline = pipelineFrom(
      `job:\n  script: x\n  ${policy}\nalways-there:\n  script: y\n  rules:\n    - when: always\n`,
      overrides,
    );
    expect('job' in statuses(pipeline)).toBe(included);
  });
});
