import { ManualClock } from '@taskfleet/gitlab';
import { RegistryError } from '@taskfleet/registry';
import type { SlotClaim } from '@taskfleet/registry';

import { acquireSlot } from './acquire-slot';

/** A registry whose claimSlot answers from a script, one answer per call. */
function scriptedRegistry(
  answers: (SlotClaim | RegistryError | undefined)[],
  onLeave?: SlotClaim | RegistryError,
) {
  const calls: string[] = [];
  const placeTtls: number[] = [];
  const left: string[] = [];
  return {
    calls,
    placeTtls,
    left,
    claimSlot: (jobId: string, waitTtlMs = 0): Promise<SlotClaim | undefined> => {
      calls.push(jobId);
      placeTtls.push(waitTtlMs);
      const answer = answers.shift();
      return answer instanceof RegistryError ? Promise.reject(answer) : Promise.resolve(answer);
    },
    leaveWaiting: (jobId: string): Promise<SlotClaim | undefined> => {
      left.push(jobId);
      return onLeave instanceof RegistryError ? Promise.reject(onLeave) : Promise.resolve(onLeave);
    },
  };
}

const claim: SlotClaim = { instanceId: 'i-1', slot: 0, existing: false };

describe('acquireSlot', () => {
  it('returns the first claim without sleeping', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const registry = scriptedRegistry([claim]);
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 5_000,
      pollIntervalMs: 1_000,
    });
    expect(held).toEqual(claim);
    expect(clock.sleeps).toEqual([]);
  });

  it('polls on the clock until a slot frees', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const registry = scriptedRegistry([undefined, undefined, claim]);
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 5_000,
      pollIntervalMs: 1_000,
    });
    expect(held).toEqual(claim);
    expect(registry.calls).toEqual(['7', '7', '7']);
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    // Each look keeps the job's place in the waiting list for three intervals.
    expect(registry.placeTtls).toEqual([3_000, 3_000, 3_000]);
    expect(registry.left).toEqual([]);
  });

  it('is woken by a grant notice instead of sleeping the interval out', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const registry = scriptedRegistry([undefined, { ...claim, granted: true }]);
    const waited: string[] = [];
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 60_000,
      pollIntervalMs: 5_000,
      // A grant announced at once: the wait ends before its sleep is even started.
      grants: {
        wait: jobId => {
          waited.push(jobId);
          return Promise.resolve();
        },
      },
    });
    expect(held).toEqual({ ...claim, granted: true });
    expect(waited).toEqual(['7']);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up at the timeout, the last sleep cut to what is left', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const registry = scriptedRegistry([]);
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 2_500,
      pollIntervalMs: 1_000,
    });
    expect(held).toBeUndefined();
    expect(clock.sleeps).toEqual([1_000, 1_000, 500]);
    expect(clock.now()).toBe(2_500);
    // One last look after the final sleep, so a slot freed at the deadline is still taken.
    expect(registry.calls).toHaveLength(4);
    expect(registry.left).toEqual(['7']);
  });

  it('takes a slot granted in the instant it gives up', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const registry = scriptedRegistry([], claim);
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 1_000,
      pollIntervalMs: 1_000,
    });
    expect(held).toEqual(claim);
    expect(registry.left).toEqual(['7']);
  });

  it('gives up without a slot when leaving the list meets an unreachable redis', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const down = new RegistryError('redis_unavailable', 'could not reach redis');
    const registry = scriptedRegistry([], down);
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 1_000,
      pollIntervalMs: 1_000,
    });
    expect(held).toBeUndefined();
  });

  it('stops early when the signal aborts', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const controller = new AbortController();
    controller.abort();
    const held = await acquireSlot({
      registry: scriptedRegistry([]),
      jobId: '7',
      clock,
      timeoutMs: 60_000,
      pollIntervalMs: 1_000,
      signal: controller.signal,
    });
    expect(held).toBeUndefined();
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps polling through a retryable registry error', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const down = new RegistryError('redis_unavailable', 'could not reach redis');
    const registry = scriptedRegistry([down, claim]);
    const held = await acquireSlot({
      registry,
      jobId: '7',
      clock,
      timeoutMs: 5_000,
      pollIntervalMs: 1_000,
    });
    expect(held).toEqual(claim);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('throws a registry error that retrying cannot fix', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const bad = new RegistryError('invalid_argument', 'could not claim slot: bad id');
    await expect(
      acquireSlot({
        registry: scriptedRegistry([bad]),
        jobId: '7',
        clock,
        timeoutMs: 5_000,
        pollIntervalMs: 1_000,
      }),
    ).rejects.toBe(bad);
  });
});
