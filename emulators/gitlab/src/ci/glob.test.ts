import { isGlob, matchesGlob } from './glob';

describe('matchesGlob', () => {
  it.each([
    ['Dockerfile', 'Dockerfile', true],
    ['src/a.ts', 'src/*.ts', true],
    ['src/deep/a.ts', 'src/*.ts', false],
    ['src/deep/a.ts', 'src/**/*.ts', true],
    ['src/a.ts', 'src/**/*.ts', true],
    ['docs/readme.md', '**/*.md', true],
    ['a.yml', '*.{yml,yaml}', true],
    ['a.yaml', '*.{yml,yaml}', true],
    ['a.json', '*.{yml,yaml}', false],
    ['file1', 'file?', true],
    ['a.b', 'a?b', true],
    ['axb', 'a.b', false],
    ['src/a.ts', '/src/a.ts', true],
  ])('%s against %s is %s', (path, glob, expected) => {
    expect(matchesGlob(path, glob)).toBe(expected);
  });

  it.each([
    ['src/*.ts', true],
    ['Dockerfile', false],
    ['a/{b,c}', true],
  ])('isGlob(%s) is %s', (pattern, expected) => {
    expect(isGlob(pattern)).toBe(expected);
  });
});
