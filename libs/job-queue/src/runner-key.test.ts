import { runnerKeyFor } from './runner-key';

describe('runnerKeyFor', () => {
  const url = 'https://gitlab.example.com';

  it('is stable across token rotation when the runner id is known', () => {
    const a = runnerKeyFor({ url, id: 42, token: 'glrt-a' });
    expect(a).toMatch(/^r42-[0-9a-f]{10}$/);
    expect(runnerKeyFor({ url: `${url}/`, id: 42, token: 'glrt-b' })).toBe(a);
    expect(runnerKeyFor({ url: 'https://other.example.com', id: 42, token: 'glrt-a' })).not.toBe(a);
  });

  it('hashes the token for legacy entries and never shows it', () => {
    const key = runnerKeyFor({ url, id: null, token: 'glrt-secret' });
    expect(key).toMatch(/^t-[0-9a-f]{16}$/);
    expect(key).not.toContain('secret');
    expect(runnerKeyFor({ url, id: null, token: 'glrt-other' })).not.toBe(key);
  });
});
