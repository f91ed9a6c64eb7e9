import type { SchedulePolicy } from '../types';
import { activePolicy, NO_POLICY, nextPolicyChangeMs } from './active-policy';

function policy(periods: string[], idleCount: number, timezone = 'Europe/Berlin'): SchedulePolicy {
  return {
    periods,
    timezone,
    idleCount,
    idleTimeMs: 60_000 * (idleCount + 1),
    scaleFactor: 0,
    scaleFactorLimit: null,
    preemptiveMode: idleCount > 0,
  };
}

const at = (iso: string): number => Date.parse(iso);

describe('activePolicy', () => {
  // Reference §3.4 example 4: catch-all idle 0, then weekday working hours with one idle slot.
  const workingHours = [policy(['* * * * *'], 0), policy(['* 8-15 * * mon-fri'], 1)];

  it.each([
    ['Monday 15:59:59.999 (last instant of the period)', '2026-12-07T14:59:59.999Z', 1],
    ['Monday 16:00:00.000 (first instant after it)', '2026-12-07T15:00:00.000Z', 0],
    ['Monday 07:59:59.999', '2026-12-07T06:59:59.999Z', 0],
    ['Monday 08:00:00.000', '2026-12-07T07:00:00.000Z', 1],
    ['Saturday 10:00', '2026-12-05T09:00:00.000Z', 0],
    ['Sunday 10:00', '2026-12-06T09:00:00.000Z', 0],
    ['Friday 12:00 in summer time (UTC+2)', '2026-07-03T10:00:00.000Z', 1],
    ['Friday 16:30 in summer time, 15:30 if the offset were wrong', '2026-07-03T14:30:00.000Z', 0],
  ])('working hours at %s', (_label, iso, index) => {
    expect(activePolicy(workingHours, at(iso)).policyIndex).toBe(index);
  });

  it('returns the winning policy values, with idle_count 1 in working hours', () => {
    expect(activePolicy(workingHours, at('2026-12-07T10:00:00Z'))).toEqual({
      policyIndex: 1,
      idleCount: 1,
      idleTimeMs: 120_000,
      scaleFactor: 0,
      scaleFactorLimit: null,
      preemptiveMode: true,
    });
  });

  // B15: `* 8-17 * * mon-fri` in Europe/Berlin, also on the DST Sundays with a daily period.
  it.each([
    ['* 8-17 * * mon-fri', '2026-12-07T16:59:59.900Z', true],
    ['* 8-17 * * mon-fri', '2026-12-07T17:00:00.000Z', false],
    ['* 8-17 * * mon-fri', '2026-12-07T06:59:59.999Z', false],
    ['* 8-17 * * *', '2026-03-29T15:59:59.900Z', true], // spring-forward day, 17:59:59.900 CEST
    ['* 8-17 * * *', '2026-03-29T16:00:00.000Z', false], // 18:00 CEST; 17:00 if read as CET
    ['* 8-17 * * *', '2026-03-29T05:59:59.999Z', false],
    ['* 8-17 * * *', '2026-03-29T06:00:00.000Z', true], // 08:00 CEST; 07:00 if read as CET
    ['* 8-17 * * *', '2026-10-25T16:59:59.900Z', true], // fall-back day, 17:59:59.900 CET
    ['* 8-17 * * *', '2026-10-25T17:00:00.000Z', false],
    ['* 8-17 * * *', '2026-10-25T06:59:59.999Z', false], // 07:59:59.999 CET; 08:59 as CEST
    ['* 8-17 * * mon-fri', '2026-03-29T15:59:59.900Z', false], // the DST Sundays are no weekday
    ['* 8-17 * * mon-fri', '2026-10-25T16:59:59.900Z', false],
    ['* 8-17 * * mon-fri', '2026-03-30T15:59:59.900Z', true], // Monday after: 17:59:59.900 CEST
    ['* 8-17 * * mon-fri', '2026-03-30T16:00:00.000Z', false],
    ['* 8-17 * * mon-fri', '2026-03-30T05:59:59.999Z', false], // 07:59:59.999 CEST
    ['* 8-17 * * mon-fri', '2026-03-30T06:00:00.000Z', true],
    ['* 8-17 * * mon-fri', '2026-10-26T16:59:59.900Z', true], // Monday after: 17:59:59.900 CET
    ['* 8-17 * * mon-fri', '2026-10-26T17:00:00.000Z', false],
    ['* 8-17 * * mon-fri', '2026-10-26T06:59:59.999Z', false], // 07:59:59.999 CET
  ])('B15 %s at %s is active: %s', (period, iso, active) => {
    const policies = [policy(['* * * * *'], 0), policy([period], 2)];
    expect(activePolicy(policies, at(iso)).policyIndex).toBe(active ? 1 : 0);
  });

  function activeMinutes(period: string, timezone: string, fromIso: string, toIso: string) {
    const policies = [policy([period], 1, timezone)];
    let count = 0;
    for (let ms = at(fromIso); ms < at(toIso); ms += 60_000) {
      count += activePolicy(policies, ms).policyIndex === 0 ? 1 : 0;
    }
    return count;
  }

  // Reconstructed (no source says): a period is a set of local wall-clock minutes, so a skipped
  // local minute never happens and a repeated one happens twice.
  it.each([
    // A local hour skipped by spring-forward holds no instant at all.
    ['* 2 * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z', 0],
    ['* 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-29T00:00:00Z', 60],
    // A local hour repeated by fall-back is active both times.
    ['* 2 * * *', 'Europe/Berlin', '2026-10-25T00:00:00Z', '2026-10-26T00:00:00Z', 120],
    ['30 2 * * *', 'America/New_York', '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z', 0],
    ['30 1 * * *', 'America/New_York', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 2],
    ['* 8-15 * * *', 'America/New_York', '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z', 480],
    ['* 0-23 * * *', 'America/New_York', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', 1500],
  ])(
    '(reconstructed) DST: %s in %s between %s and %s: %i active minutes',
    (period, zone, from, to, minutes) => {
      expect(activeMinutes(period, zone, from, to)).toBe(minutes);
    },
  );

  it.each([
    ['* * * * 0', '2026-12-06T12:00:00Z', true], // Sunday
    ['* * * * 7', '2026-12-06T12:00:00Z', true],
    ['* * * * 7', '2026-12-07T12:00:00Z', false], // Monday
    ['* * * * SUN', '2026-12-06T12:00:00Z', true],
    ['* * * * 5-7', '2026-12-06T12:00:00Z', true],
    ['* * * * 5-7', '2026-12-03T12:00:00Z', false], // Thursday
    ['* * * * 1-7', '2026-12-06T12:00:00Z', true],
    ['* * 1 jan *', '2027-01-01T12:00:00Z', true],
    ['* * 1 jan *', '2027-01-02T12:00:00Z', false],
    ['* * 1 jan *', '2027-02-01T12:00:00Z', false],
    ['* * 15 * *', '2026-12-15T00:00:00Z', true], // 01:00 in Berlin
    ['* * 15 * *', '2026-12-14T23:00:00Z', true], // already the 15th in Berlin
    ['* * 15 * *', '2026-12-14T22:59:59.999Z', false],
    ['*/15 * * * *', '2026-12-07T12:15:59Z', true],
    ['*/15 * * * *', '2026-12-07T12:16:00Z', false],
    ['0-30/10 13 * * *', '2026-12-07T12:20:00Z', true],
    ['0-30/10 13 * * *', '2026-12-07T12:25:00Z', false],
    ['0-30/10 13 * * *', '2026-12-07T12:40:00Z', false],
    ['0-30 13,16 * * SUN', '2026-12-06T12:30:59.999Z', true],
    ['0-30 13,16 * * SUN', '2026-12-06T12:31:00Z', false],
    ['0-30 13,16 * * SUN', '2026-12-06T15:00:00Z', true],
    ['0-30 13,16 * * SUN', '2026-12-06T13:00:00Z', false],
    ['1 * * * *', '2026-12-07T12:01:30Z', true],
    ['1 * * * *', '2026-12-07T12:02:00Z', false],
  ])('%s at %s (Europe/Berlin) is active: %s', (period, iso, active) => {
    expect(activePolicy([policy([period], 1)], at(iso)).policyIndex).toBe(active ? 0 : null);
  });

  it.each([
    ['* * 1 * mon', '2026-12-01T12:00:00Z', true], // Tuesday the 1st
    ['* * 1 * mon', '2026-12-07T12:00:00Z', true], // Monday the 7th
    ['* * 1 * mon', '2026-12-08T12:00:00Z', false], // Tuesday the 8th
    ['* * */2 * mon', '2026-12-08T12:00:00Z', false], // */2 is a restriction, not a wildcard
  ])(
    '(reconstructed: classic cron) both day fields restricted, either matches: %s at %s is active: %s',
    (period, iso, active) => {
      expect(activePolicy([policy([period], 1)], at(iso)).policyIndex).toBe(active ? 0 : null);
    },
  );

  it('B15 overlapping periods: the last matching policy wins (confirmed, §3.1)', () => {
    const a = policy(['* * * * *'], 0);
    const b = policy(['* 8-15 * * *'], 1);
    const c = policy(['* 12-13 * * *'], 2);
    expect(activePolicy([a, b, c], at('2026-12-07T11:30:00Z')).idleCount).toBe(2);
    expect(activePolicy([a, b, c], at('2026-12-07T08:00:00Z')).idleCount).toBe(1);
    expect(activePolicy([a, b, c], at('2026-12-07T19:00:00Z')).idleCount).toBe(0);
    expect(activePolicy([c, b, a], at('2026-12-07T11:30:00Z')).idleCount).toBe(0);
  });

  it('activates a policy when any one of its periods matches', () => {
    const policies = [policy(['* 8 * * *', '* 20 * * *'], 3)];
    expect(activePolicy(policies, at('2026-12-07T19:10:00Z')).idleCount).toBe(3);
    expect(activePolicy(policies, at('2026-12-07T12:10:00Z'))).toBe(NO_POLICY);
  });

  it('reads each policy in its own zone', () => {
    // 04:00Z is 09:30 in Kolkata (+05:30) and 05:00 in Berlin.
    const policies = [policy(['* 9 * * *'], 1, 'Asia/Kolkata'), policy(['* 9 * * *'], 2)];
    expect(activePolicy(policies, at('2026-12-07T04:00:00Z')).idleCount).toBe(1);
    expect(activePolicy(policies, at('2026-12-07T03:29:59Z'))).toBe(NO_POLICY);
  });

  it('(reconstructed §3.1 gap) no matching policy: idle_count 0, idle_time 5m, no scale factor, preemptive off', () => {
    expect(activePolicy([], 0)).toEqual({
      policyIndex: null,
      idleCount: 0,
      idleTimeMs: 300_000,
      scaleFactor: 0,
      scaleFactorLimit: null,
      preemptiveMode: false,
    });
  });

  it('reads a scale_factor_limit of 0 as no cap', () => {
    const limited = { ...policy(['* * * * *'], 1), scaleFactor: 0.5, scaleFactorLimit: 0 };
    expect(activePolicy([limited], 0).scaleFactorLimit).toBeNull();
  });

  it.each([
    ['0 * * * * *', 'invalid_period'],
    ['* * * *', 'invalid_period'],
    ['61 * * * *', 'invalid_period'],
    ['* * * * 6-0', 'invalid_period'],
  ])('rejects period %j with %s', (period, code) => {
    expect(() => activePolicy([policy([period], 1)], 0)).toThrow(expect.objectContaining({ code }));
  });

  it('rejects an unknown zone', () => {
    const policies = [policy(['* * * * *'], 1, 'Mars/Olympus')];
    expect(() => activePolicy(policies, 0)).toThrow(
      expect.objectContaining({ code: 'invalid_timezone', retryable: false }),
    );
  });
});

describe('nextPolicyChangeMs', () => {
  const workingHours = [policy(['* * * * *'], 0), policy(['* 8-15 * * mon-fri'], 1)];

  it.each([
    ['in working hours: the end of the period', '2026-12-07T10:17:31Z', '2026-12-07T15:00:00Z'],
    ['after hours: the next start', '2026-12-07T15:00:00Z', '2026-12-08T07:00:00Z'],
    ['on Friday evening: Monday is beyond the horizon', '2026-12-04T16:00:00Z', null],
  ])('%s', (_label, fromIso, expected) => {
    const change = nextPolicyChangeMs(workingHours, at(fromIso));
    expect(change).toBe(expected === null ? null : at(expected));
  });

  it('looks as far as the horizon asked for', () => {
    const change = nextPolicyChangeMs(workingHours, at('2026-12-04T16:00:00Z'), 4 * 86_400_000);
    expect(change).toBe(at('2026-12-07T07:00:00Z'));
  });

  it('finds the next start across the spring-forward weekend (08:00 CEST, not CET)', () => {
    const change = nextPolicyChangeMs(workingHours, at('2026-03-27T16:00:00Z'), 4 * 86_400_000);
    expect(change).toBe(at('2026-03-30T06:00:00Z'));
  });

  it('finds no change for a single catch-all policy', () => {
    expect(nextPolicyChangeMs([policy(['* * * * *'], 0)], 0)).toBeNull();
  });
});
