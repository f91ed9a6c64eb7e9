import { ConfigProblems } from './errors';
import { loadConfig } from './load-config';

function load(files: Record<string, string>): { config: unknown; problems: string[] } {
  const problems = new ConfigProblems();
  const config = loadConfig(path => files[path], problems);
  return { config, problems: problems.list() };
}

describe('loadConfig', () => {
  it.each([
    [{}, 'Missing CI config file'],
    [{ '.gitlab-ci.yml': '  \n' }, 'Please provide content of .gitlab-ci.yml'],
    [{ '.gitlab-ci.yml': '- a\n- b\n' }, 'Invalid configuration format'],
    [{ '.gitlab-ci.yml': 'just text\n' }, 'Invalid configuration format'],
    [{ '.gitlab-ci.yml': 'a: [1,\n' }, /^\(<unknown>\): .+ at line 2 column 1$/],
    [
      { '.gitlab-ci.yml': 'a: "open\n' },
      /^\(<unknown>\): Missing closing "quote at line \d+ column \d+$/,
    ],
    [{ '.gitlab-ci.yml': 'include: missing.yml\n' }, 'Local file `missing.yml` does not exist!'],
    [
      { '.gitlab-ci.yml': 'include: notes.txt\n' },
      'Included file `notes.txt` does not have YAML extension!',
    ],
    [
      { '.gitlab-ci.yml': 'include: bad.yml\n', 'bad.yml': 'x: [\n' },
      'Included file `bad.yml` does not have valid YAML syntax!',
    ],
    [
      { '.gitlab-ci.yml': 'include: https://example.test/ci.yml\n' },
      'Remote file `https://example.test/ci.yml` could not be fetched: the emulator only supports include:local',
    ],
    [
      { '.gitlab-ci.yml': 'include:\n  template: Auto-DevOps.gitlab-ci.yml\n' },
      'Included file kind `template` is not supported by the emulator (only local)',
    ],
    [
      { '.gitlab-ci.yml': 'include: "ci/*.yml"\n' },
      "Local file `ci/*.yml`: wildcard includes need the repository's file list",
    ],
  ])('refuses %j', (files, message) => {
    const { config, problems } = load(files);
    expect(config).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual(
      typeof message === 'string' ? message : expect.stringMatching(message),
    );
  });

  it('reads YAML 1.1 like Psych: anchors, aliases, merge keys, duplicate keys, octal', () => {
    const { config, problems } = load({
      '.gitlab-ci.yml': [
        '.defaults: &defaults',
        '  image: ruby',
        '  tags: [a]',
        'job:',
        '  <<: *defaults',
        '  tags: [b]',
        '  script: &lines [one, two]',
        'other:',
        '  script: *lines',
        '  script: [last wins]',
        'variables:',
        '  OCTAL: 012',
        '  YES: yes',
        '  SHORT: y',
        '  OFF: Off',
      ].join('\n'),
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      '.defaults': { image: 'ruby', tags: ['a'] },
      job: { image: 'ruby', tags: ['b'], script: ['one', 'two'] },
      other: { script: ['last wins'] },
      variables: { OCTAL: 10, true: true, SHORT: 'y', false: false },
    });
  });

  it.each([
    ['a string', 'include: ci/a.yml\n'],
    ['a list', 'include: [ci/a.yml]\n'],
    ['a local hash', 'include:\n  local: ci/a.yml\n'],
    ['a list of hashes with a leading slash', 'include:\n  - local: /ci/a.yml\n'],
  ])('includes a local file given as %s, the including file winning', (_, include) => {
    const { config, problems } = load({
      '.gitlab-ci.yml': `${include}job:\n  variables: {A: main}\n  script: main\n`,
      'ci/a.yml': 'job:\n  variables: {A: included, B: included}\n  stage: build\n',
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      job: { variables: { A: 'main', B: 'included' }, stage: 'build', script: 'main' },
    });
  });

  it('follows nested includes and includes a file once', () => {
    const { config, problems } = load({
      '.gitlab-ci.yml': 'include: [a.yml, b.yml]\n',
      'a.yml': 'include: b.yml\na: {script: a}\n',
      'b.yml': 'b: {script: b}\n',
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({ a: { script: 'a' }, b: { script: 'b' } });
  });
});

describe('multi-document files', () => {
  it('refuses a spec:inputs header plainly', () => {
    expect(
      load({ '.gitlab-ci.yml': 'spec:\n  inputs:\n    env: {}\n---\njob:\n  script: x\n' })
        .problems,
    ).toEqual(['spec:inputs headers are not supported by the emulator']);
  });

  it('reads only the first document otherwise, as Psych does', () => {
    expect(load({ '.gitlab-ci.yml': 'a: {script: x}\n---\nb: {script: y}\n' }).config).toEqual({
      a: { script: 'x' },
    });
  });
});

describe('wildcard includes', () => {
  const files: Record<string, string> = {
    '.gitlab-ci.yml': 'include: "ci/*.yml"\n',
    'ci/b.yml': 'b: {script: b}\n',
    'ci/a.yml': 'a: {script: a}\n',
    'ci/deep/c.yml': 'c: {script: c}\n',
  };
  const loadWith = (include: string) => {
    const problems = new ConfigProblems();
    const repo = { readFile: (path: string) => files[path], listFiles: () => Object.keys(files) };
    const config = loadConfig(
      repo.readFile,
      problems,
      { lookup: () => undefined, repo },
      '.gitlab-ci.yml',
    );
    return { config, problems: problems.list(), include };
  };

  it.each([
    ['ci/*.yml', ['a', 'b']],
    ['ci/**.yml', ['a', 'b', 'c']],
    ['/ci/deep/*.yml', ['c']],
  ])('includes every file matching %s', (include, keys) => {
    files['.gitlab-ci.yml'] = `include: "${include}"\n`;
    const { config, problems } = loadWith(include);
    expect(problems).toEqual([]);
    expect(Object.keys(config ?? {}).sort()).toEqual(keys);
  });

  it('refuses a wildcard that matches nothing', () => {
    files['.gitlab-ci.yml'] = 'include: "nothing/*.yml"\n';
    expect(loadWith('nothing/*.yml').problems).toEqual([
      'Included file `nothing/*.yml` does not exist!',
    ]);
  });
});
