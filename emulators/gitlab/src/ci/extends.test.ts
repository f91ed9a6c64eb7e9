import { ConfigProblems } from './errors';
import { resolveExtends } from './extends';

function resolve(config: Record<string, unknown>): {
  result: Record<string, unknown>;
  problems: string[];
} {
  const problems = new ConfigProblems();
  const result = resolveExtends(config, problems);
  return { result, problems: problems.list() };
}

describe('resolveExtends', () => {
  it('deep-merges hashes, replaces arrays and lets the job win', () => {
    const { result, problems } = resolve({
      '.base': {
        variables: { A: '1', B: '1' },
        script: ['base'],
        tags: ['x', 'y'],
        retry: { max: 2 },
      },
      job: { extends: '.base', variables: { B: '2' }, tags: ['z'] },
    });
    expect(problems).toEqual([]);
    expect(result.job).toEqual({
      variables: { A: '1', B: '2' },
      script: ['base'],
      tags: ['z'],
      retry: { max: 2 },
    });
  });

  it('merges several parents in order and several levels deep', () => {
    const { result } = resolve({
      '.a': { variables: { A: 'a', X: 'a' }, image: 'a' },
      '.b': { extends: '.a', variables: { X: 'b' } },
      '.c': { image: 'c', variables: { C: 'c' } },
      job: { extends: ['.b', '.c'], script: 'x' },
    });
    expect(result.job).toEqual({ variables: { A: 'a', X: 'b', C: 'c' }, image: 'c', script: 'x' });
  });

  it('can extend a visible job', () => {
    const { result } = resolve({
      build: { script: 'b', stage: 'build' },
      rebuild: { extends: 'build' },
    });
    expect(result.rebuild).toEqual({ script: 'b', stage: 'build' });
  });

  it.each([
    [{ job: { extends: '.missing', script: 'x' } }, 'job: unknown keys in `extends` (.missing)'],
    [{ job: { extends: ['.a', '.b'] }, '.a': {} }, 'job: unknown keys in `extends` (.b)'],
    [{ job: { extends: 'job' } }, 'job: circular dependency detected in `extends`'],
    [{ job: { extends: 'v' }, v: 'not a hash' }, 'job: invalid base hash in `extends`'],
    [{ job: { extends: 3 } }, 'jobs:job extends should be an array of strings or a string'],
  ])('refuses %j', (config, message) => {
    expect(resolve(config).problems).toEqual([message]);
  });

  it('refuses nesting deeper than GitLab allows', () => {
    const config: Record<string, unknown> = { '.l0': { script: 'x' } };
    for (let level = 1; level <= 12; level += 1) {
      config[`.l${level}`] = { extends: `.l${level - 1}` };
    }
    config.job = { extends: '.l12' };
    expect(resolve(config).problems).toContain('job: nesting too deep in `extends`');
  });
});
