import { expandValue, expandVariables } from './expand-variables';

const known: Record<string, string> = { A: 'alpha', B_2: 'beta', EMPTY: '' };
const lookup = (name: string): string | undefined => known[name];

describe('expandValue (Go os.Expand with GitLab Runner mapping)', () => {
  it.each([
    ['plain', 'no dollars', 'no dollars'],
    ['$NAME', '$A', 'alpha'],
    ['${NAME}', '${A}', 'alpha'],
    ['name ends at a non-name char', '$A-x', 'alpha-x'],
    ['name runs over letters', '$Ax', ''],
    ['braces stop the name', '${A}x', 'alphax'],
    ['digits and underscore in names', '$B_2!', 'beta!'],
    ['unknown is empty', '[$NOPE]', '[]'],
    ['empty value', '[$EMPTY]', '[]'],
    ['$$ escapes a dollar', '$$A', '$A'],
    ['trailing dollar kept', 'cost 5$', 'cost 5$'],
    ['dollar before space kept', 'a $ b', 'a $ b'],
    ['unclosed brace dropped', 'x${A', 'xA'],
    ['empty braces dropped', 'x${}y', 'xy'],
    ['positional is a one-char name', '$1A', 'A'],
    ['special in braces', '${?}', ''],
    ['several', '$A/${B_2}/$A', 'alpha/beta/alpha'],
  ])('%s: %j → %j', (_name, input, expected) => {
    expect(expandValue(input, lookup)).toBe(expected);
  });
});

describe('expandVariables', () => {
  it('expands against unexpanded values, last definition wins, raw left alone, file → path', () => {
    const out = expandVariables(
      [
        { key: 'A', value: 'first' },
        { key: 'A', value: 'second' },
        { key: 'REF', value: '$A' },
        { key: 'CHAIN', value: '$REF' },
        { key: 'RAW', value: '$A', raw: true },
        { key: 'CERT', value: 'secret', file: true },
        { key: 'USES_CERT', value: '--ca=$CERT' },
      ],
      key => `/tmp/vars/${key}`,
    );
    const byKey = Object.fromEntries(out.map(v => [v.key, v.value]));
    expect(byKey).toEqual({
      A: 'second',
      REF: 'second',
      CHAIN: '$A',
      RAW: '$A',
      CERT: 'secret',
      USES_CERT: '--ca=/tmp/vars/CERT',
    });
  });
});
