import { ConfigProblems } from './errors';
import { parseCiYaml } from './parse-yaml';
import { resolveReferences } from './references';

function resolveYaml(yaml: string): { result: Record<string, unknown>; problems: string[] } {
  const parsed = parseCiYaml(yaml);
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }
  const problems = new ConfigProblems();
  const result = resolveReferences(parsed.value as Record<string, unknown>, problems);
  return { result, problems: problems.list() };
}

describe('resolveReferences', () => {
  it('replaces !reference tags, nested inside lists and chained', () => {
    const { result, problems } = resolveYaml(`
.setup:
  script: [setup one, setup two]
  vars:
    A: a
.chain:
  script: !reference [.setup, script]
job:
  script:
    - !reference [.setup, script]
    - run
  variables: !reference [.setup, vars]
  after_script: !reference [.chain, script]
`);
    expect(problems).toEqual([]);
    expect(result.job).toEqual({
      script: [['setup one', 'setup two'], 'run'],
      variables: { A: 'a' },
      after_script: ['setup one', 'setup two'],
    });
  });

  it.each([
    [
      'job:\n  script: !reference [.nothing, script]\n',
      '!reference [".nothing", "script"] could not be found',
    ],
    [
      '.a:\n  x: 1\njob:\n  script: !reference [.a, y]\n',
      '!reference [".a", "y"] could not be found',
    ],
    [
      '.a:\n  s: !reference [.b, s]\n.b:\n  s: !reference [.a, s]\n',
      '!reference [".a", "s"] is part of a circular chain or nested too deep',
    ],
  ])('refuses %j', (yaml, message) => {
    expect(resolveYaml(yaml).problems).toEqual([message]);
  });
});
