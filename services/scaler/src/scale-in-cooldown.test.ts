import type { ScalerRemoval } from './boot-failures';
import { holdForCooldown, scaleInCooldownLeftMs } from './scale-in-cooldown';
import type { ScaleTimes } from './scale-in-cooldown';

const none: ScaleTimes = { lastScaleOutAtMs: undefined, lastIdleRemovalAtMs: undefined };

describe('scaleInCooldownLeftMs', () => {
  it.each<[string, ScaleTimes, number, number, number]>([
    [
      'no cooldown set (taskscaler)',
      { lastScaleOutAtMs: 9_000, lastIdleRemovalAtMs: undefined },
      0,
      10_000,
      0,
    ],
    ['nothing scaled yet', none, 60_000, 10_000, 0],
    [
      'inside, from the scale-out',
      { lastScaleOutAtMs: 9_000, lastIdleRemovalAtMs: undefined },
      60_000,
      10_000,
      59_000,
    ],
    [
      'inside, from the idle removal',
      { lastScaleOutAtMs: undefined, lastIdleRemovalAtMs: 5_000 },
      60_000,
      10_000,
      55_000,
    ],
    [
      'the later time counts',
      { lastScaleOutAtMs: 2_000, lastIdleRemovalAtMs: 8_000 },
      60_000,
      10_000,
      58_000,
    ],
    ['just over', { lastScaleOutAtMs: 2_000, lastIdleRemovalAtMs: undefined }, 8_000, 10_000, 0],
    ['long over', { lastScaleOutAtMs: 2_000, lastIdleRemovalAtMs: 1_000 }, 5_000, 99_000, 0],
  ])('%s', (_name, times, cooldownMs, nowMs, leftMs) => {
    expect(scaleInCooldownLeftMs(times, cooldownMs, nowMs)).toBe(leftMs);
  });
});

describe('holdForCooldown', () => {
  const removal = (id: string, reason: ScalerRemoval['reason']): ScalerRemoval => ({
    id,
    reason,
    idleForMs: 0,
  });
  const removals = [
    removal('i-idle', 'idle_timeout'),
    removal('i-excess', 'excess'),
    removal('i-sick', 'unhealthy'),
    removal('i-boot', 'boot_failed'),
    removal('i-used', 'max_use_count'),
  ];

  it('holds only the idle removals while the cooldown runs', () => {
    const { allowed, held } = holdForCooldown(removals, 1);
    expect(held).toEqual(['i-idle', 'i-excess']);
    expect(allowed.map(r => r.id)).toEqual(['i-sick', 'i-boot', 'i-used']);
  });

  it('lets everything go once it is over', () => {
    expect(holdForCooldown(removals, 0)).toEqual({ allowed: removals, held: [] });
  });
});
