import { ManualClock } from '../clock';
import { FaultRules, globToRegExp } from './fault-rules';

describe('fault rules', () => {
  it('matches * within one path segment and ** across segments', () => {
    expect(globToRegExp('/api/v4/jobs/*').test('/api/v4/jobs/12')).toBe(true);
    expect(globToRegExp('/api/v4/jobs/*').test('/api/v4/jobs/12/trace')).toBe(false);
    expect(globToRegExp('/api/v4/**').test('/api/v4/jobs/12/trace')).toBe(true);
    expect(globToRegExp('/a.git/*').test('/aXgit/x')).toBe(false);
  });

  it('applies the first live fault, then rate limits per token in fixed windows', () => {
    const clock = new ManualClock(0);
    const rules = new FaultRules(clock);
    rules.addFault({ path: '/x', method: 'GET', kind: 'status', status: 502, count: 1 });
    rules.addRateLimit({ path: '/x', limit: 1, windowMs: 1000, retryAfterSec: 7 });
    expect(rules.decide('POST', '/x', 't1')).toEqual({ kind: 'none' });
    expect(rules.decide('GET', '/x', 't2')).toEqual({
      kind: 'status',
      status: 502,
      retryAfterSec: undefined,
    });
    expect(rules.decide('GET', '/x', 't2')).toEqual({ kind: 'none' });
    expect(rules.decide('GET', '/x', 't1')).toEqual({ kind: 'rate_limit', retryAfterSec: 7 });
    clock.advance(1000);
    expect(rules.decide('GET', '/x', 't1')).toEqual({ kind: 'none' });
  });
});
