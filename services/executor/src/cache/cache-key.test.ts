import { cacheObjectName, sanitizeCacheKey, shortRunnerToken } from './cache-key';

describe('sanitizeCacheKey (as GitLab Runner)', () => {
  it.each([
    ['main-protected', { ok: true, key: 'main-protected' }],
    ['a%2Fb', { ok: true, key: 'a/b', warning: 'cache key "a%2Fb" sanitized to "a/b"' }],
    ['..\\..\\x', { ok: true, key: 'x', warning: 'cache key "..\\\\..\\\\x" sanitized to "x"' }],
    ['a/./b/', { ok: true, key: 'a/b', warning: 'cache key "a/./b/" sanitized to "a/b"' }],
    ['key  ', { ok: true, key: 'key', warning: 'cache key "key  " sanitized to "key"' }],
    ['a/ ', { ok: true, key: 'a', warning: 'cache key "a/ " sanitized to "a"' }],
    ['../..', { ok: false, warning: 'cache key "../.." could not be sanitized' }],
    ['%2e%2E', { ok: false, warning: 'cache key "%2e%2E" could not be sanitized' }],
    ['', { ok: false, warning: 'empty cache key' }],
  ])('%j', (raw, expected) => {
    expect(sanitizeCacheKey(raw)).toEqual(expected);
  });
});

describe('cache object names', () => {
  it('puts a runner segment unless the cache is shared, under Path', () => {
    const naming = { path: 'ci-cache', shared: false, runnerShortToken: 'abcdefghi' };
    expect(cacheObjectName(naming, 7, 'main-protected')).toBe(
      'ci-cache/runner/abcdefghi/project/7/main-protected',
    );
    expect(cacheObjectName({ ...naming, shared: true, path: '' }, 7, 'k')).toBe('project/7/k');
  });

  it('refuses a key that climbs out of the project prefix', () => {
    const naming = { path: '', shared: true, runnerShortToken: 'x' };
    expect(cacheObjectName(naming, 7, '../8/k')).toBeUndefined();
  });

  it('shortens runner tokens as GitLab Runner does', () => {
    expect(shortRunnerToken('glrt-t1_abcdefghijklmnop')).toBe('abcdefghi');
    expect(shortRunnerToken('glrt-zyxwvutsrqp')).toBe('zyxwvutsr');
    expect(shortRunnerToken('plain123456789')).toBe('plain1234');
  });
});
