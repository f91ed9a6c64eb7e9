import { StreamMasker, defaultTokenPrefixes } from './masker';

function run(masker: StreamMasker, parts: readonly string[]): string {
  const out: Buffer[] = [];
  for (const part of parts) {
    out.push(...masker.write(Buffer.from(part)));
  }
  out.push(...masker.end());
  return Buffer.concat(out).toString();
}

function mask(
  parts: readonly string[],
  phrases: string[] = [],
  prefixes: readonly string[] = defaultTokenPrefixes,
): string {
  return run(new StreamMasker({ phrases, tokenPrefixes: prefixes }), parts);
}

describe('StreamMasker: masked variable values', () => {
  it.each<[string, string[], string[], string]>([
    [
      'a value in a line',
      ['s3cr3t-value-123'],
      ['key is s3cr3t-value-123 ok\n'],
      'key is [MASKED] ok\n',
    ],
    [
      'two values',
      ['alpha-secret', 'beta-secret'],
      ['alpha-secret beta-secret'],
      '[MASKED] [MASKED]',
    ],
    ['repeated value', ['abcabc'], ['abcabcabcabc'], '[MASKED][MASKED]'],
    ['overlapping start', ['aab'], ['aaab'], 'a[MASKED]'],
    ['longer value wins at the same position', ['pass', 'password1'], ['password1!'], '[MASKED]!'],
    ['a partial value at the end is just text', ['hunter22'], ['hunter2'], 'hunter2'],
    ['utf-8 values', ['pässwörd-ü'], ['x pässwörd-ü y'], 'x [MASKED] y'],
    ['no patterns: unchanged', [], ['plain text'], 'plain text'],
  ])('%s', (_name, phrases, parts, expected) => {
    expect(mask(parts, phrases, [])).toBe(expected);
  });
});

describe('StreamMasker: token prefixes (GitLab Runner semantics)', () => {
  it.each<[string, string[], string]>([
    ['keeps the prefix, masks the token', ['use glpat-abcDEF123 now'], 'use glpat-[MASKED] now'],
    ['token at the very end of the stream', ['x glpat-abc'], 'x glpat-[MASKED]'],
    ['token alphabet includes . _ = -', ['glpat-a.b_c=d-e!'], 'glpat-[MASKED]!'],
    ['a prefix with nothing after it is left alone', ['glpat- x'], 'glpat- x'],
    [
      'a second prefix inside a token is part of it',
      ['glpat-abcglpat-def end'],
      'glpat-[MASKED] end',
    ],
    ['job tokens (glcbt-) are masked by default', ['glcbt-64_Zx8cVb7 x'], 'glcbt-[MASKED] x'],
    ['runner tokens (glrt-) are masked by default', ['t=glrt-abc;'], 't=glrt-[MASKED];'],
    ['prefix split across writes', ['a glp', 'at-xyz b'], 'a glpat-[MASKED] b'],
    ['token split across writes', ['glpat-ab', 'cd', 'ef x'], 'glpat-[MASKED] x'],
    ['prefix then token in the next write', ['glpat-', 'abc x'], 'glpat-[MASKED] x'],
    ['prefix then a space in the next write', ['glpat-', ' x'], 'glpat- x'],
    ['a broken prefix is kept', ['glp', ' at-x'], 'glp at-x'],
  ])('%s', (_name, parts, expected) => {
    expect(mask(parts)).toBe(expected);
  });

  it('adds the job features.token_mask_prefixes, trimmed', () => {
    expect(mask(['tok-abc x'], [], [...defaultTokenPrefixes, ' tok- '])).toBe('tok-[MASKED] x');
  });
});

describe('StreamMasker: a secret split across writes never leaks', () => {
  const secret = 's3cr3t-value-123';
  const line = `before ${secret} middle ${secret} after\n`;
  const expected = 'before [MASKED] middle [MASKED] after\n';

  it('every split point into 2 writes', () => {
    for (let a = 0; a <= line.length; a++) {
      expect(mask([line.slice(0, a), line.slice(a)], [secret])).toBe(expected);
    }
  });

  it('every pair of split points into 3 writes', () => {
    for (let a = 0; a <= line.length; a++) {
      for (let b = a; b <= line.length; b++) {
        const parts = [line.slice(0, a), line.slice(a, b), line.slice(b)];
        expect(mask(parts, [secret])).toBe(expected);
      }
    }
  });

  it('every split point of a token into 3 writes', () => {
    const tokenLine = 'auth glpat-Ab_9.x= done\n';
    for (let a = 0; a <= tokenLine.length; a++) {
      for (let b = a; b <= tokenLine.length; b++) {
        const parts = [tokenLine.slice(0, a), tokenLine.slice(a, b), tokenLine.slice(b)];
        expect(mask(parts)).toBe('auth glpat-[MASKED] done\n');
      }
    }
  });

  it('one byte per write', () => {
    expect(mask(line.split(/(?=.)/su), [secret])).toBe(expected);
  });

  it('never emits any prefix of the secret longer than 1 byte before the secret is decided', () => {
    const masker = new StreamMasker({ phrases: [secret], tokenPrefixes: [] });
    let emitted = '';
    for (const ch of `x ${secret.slice(0, -1)}`) {
      emitted += Buffer.concat(masker.write(Buffer.from(ch))).toString();
    }
    expect(emitted).toBe('x ');
    expect(masker.heldBytes).toBe(secret.length - 1);
    emitted += Buffer.concat(masker.write(Buffer.from(secret.slice(-1)))).toString();
    expect(emitted).toBe('x [MASKED]');
  });

  it('holds at most longest-pattern − 1 bytes', () => {
    const masker = new StreamMasker({ phrases: [secret], tokenPrefixes: defaultTokenPrefixes });
    const chunk = Buffer.from('s'.repeat(1000));
    for (let i = 0; i < 20; i++) {
      masker.write(chunk);
      expect(masker.heldBytes).toBeLessThan(masker.longestPatternBytes);
    }
  });
});
