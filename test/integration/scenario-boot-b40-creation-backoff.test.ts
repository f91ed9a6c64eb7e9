// B40 with idle_count > 0 and an instance_ready_command that always fails (reference/autoscaler.md
// §2.4 and §8 row 10, MR 4722): every new instance is boot_failed, and creations back off
// exponentially instead of relaunching the idle instance at every tick. The back-off lives in the
// scaler memory in Redis, so a new leader keeps it; once the command is fixed and an instance
// passes, creations go at full speed again. AWS emulator with real sshd, manual clock.
import type { Scaler, ScalerSettings, TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(120_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);

// The expecting interval is the back-off's base; each tick advances the clock by more than one
// boot, and waits for the background ready checks, so each boot takes the same number of ticks.
const stepMs = 4_000;
const baseMs = 2_000;
const periodMs = 120_000;

function failingPool(command: string): ScalerSettings {
  const base = settingsWith();
  return settingsWith({
    capacityPerInstance: 1,
    maxInstanceCount: 3,
    instanceReadyCommand: command,
    failureThreshold: 1,
    updateIntervalMs: baseMs,
    updateIntervalWhenExpectingMs: baseMs,
    policies: base.policies.map(p => ({ ...p, idleCount: 1 })),
  });
}

/** The back-off the scaler owes after `failures` boot failures in a row (5 min cap unreached). */
const backoffAfter = (failures: number) => baseMs * 2 ** (failures - 1);

describe('B40 creation back-off while every new instance fails its ready command', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld({ groupMaxSize: 4 });
  });

  afterEach(async () => {
    await world.cleanup();
  });

  /** Ticks for `ms` of clock time; the clock time of each creation, and every outcome. */
  async function run(scaler: Scaler, ms: number) {
    const createdAtMs: number[] = [];
    const startMs = world.clock.now();
    const outcomes = await world.tickUntil(
      scaler,
      async last => {
        for (let i = 0; i < (led(last)?.apply.requested ?? 0); i += 1) {
          createdAtMs.push(world.clock.now());
        }
        await scaler.probesSettled();
        return world.clock.now() - startMs >= ms;
      },
      { stepMs, maxTicks: Math.ceil(ms / stepMs) + 1 },
    );
    return { createdAtMs, outcomes };
  }

  it('bounds creations by the back-off, keeps it across a leader change, recovers after a pass', async () => {
    const a = world.scaler('scaler-a', failingPool('false'));
    const { createdAtMs, outcomes } = await run(a, periodMs);
    const failures = outcomes.flatMap(o => led(o)?.removals ?? []);
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failures.map(r => r.reason))).toEqual(new Set(['boot_failed']));
    // At full speed this pool launches one instance every two ticks (30 in the period). With
    // the back-off, the n-th creation comes at least sum(backoff(1..n-1)) after the first.
    let allowed = 1;
    let owedMs = backoffAfter(1);
    while (owedMs <= periodMs) {
      allowed += 1;
      owedMs += backoffAfter(allowed);
    }
    expect(createdAtMs.length).toBeGreaterThanOrEqual(3);
    expect(createdAtMs.length).toBeLessThanOrEqual(allowed);
    createdAtMs.slice(1).forEach((atMs, i) => {
      expect(atMs - (createdAtMs[i] ?? 0)).toBeGreaterThanOrEqual(backoffAfter(i + 1));
    });
    const last = led(outcomes[outcomes.length - 1] as TickOutcome);
    const streak = last?.creationBackoff.consecutiveBootFailures ?? 0;
    expect(streak).toBe(failures.length);

    // A new leader (the old one gone) goes on with the stored back-off; the command is fixed.
    await a.close();
    const b = world.scaler('scaler-b', failingPool('true'));
    const first = led(await b.tick());
    expect(first?.creationBackoff.consecutiveBootFailures).toBe(streak);
    const recovery = await world.tickUntil(
      b,
      async o => {
        await b.probesSettled();
        return (led(o)?.readyPassed.length ?? 0) > 0;
      },
      { stepMs, maxTicks: Math.ceil((2 * backoffAfter(streak)) / stepMs) + 4 },
    );
    const passed = led(recovery[recovery.length - 1] as TickOutcome);
    expect(passed?.creationBackoff).toEqual({ consecutiveBootFailures: 0, remainingMs: 0 });

    // Full speed again: two queued jobs get their two instances at the next tick.
    world.queued = 2;
    world.clock.advance(stepMs);
    const scaleOut = led(await b.tick());
    expect(scaleOut?.apply).toMatchObject({ heldByBootBackoff: 0, requested: 2 });
  });
});
