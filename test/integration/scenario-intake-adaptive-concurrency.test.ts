// Adaptive request concurrency (GitLab Runner's FF_USE_ADAPTIVE_REQUEST_CONCURRENCY, reference
// §8.1): the job requests a runner has open at GitLab, counted at the emulator, start at one,
// rise to request_concurrency as jobs arrive, fall slowly under empty polls and fast under 429
// or 5xx; with the flag off they stay at request_concurrency. Real poller, registry and Redis;
// the emulator's long polls end only when its manual clock moves, the poller's waits are instant.
import { ManualClock as EmulatorClock } from '@taskfleet/emulator-gitlab';
import { ManualClock } from '@taskfleet/gitlab';
import type { RequestGateFigures, RunnerRequestConcurrency } from '@taskfleet/poller';

import { eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(120_000);

const holdMs = 10_000;
const loops = 4;
const flagOff = 'feature_flags = { FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false }';

interface AdaptiveWorld {
  readonly w: IntakeWorld;
  readonly emulatorClock: EmulatorClock;
  readonly reported: RequestGateFigures[];
}

let world: AdaptiveWorld | undefined;

afterEach(async () => {
  await world?.w.cleanup();
  world = undefined;
});

async function start(extraRunnerToml = ''): Promise<AdaptiveWorld> {
  const emulatorClock = new EmulatorClock();
  const reported: RequestGateFigures[] = [];
  const w = await startIntakeWorld({
    longPollTimeoutMs: holdMs,
    emulatorClock,
    clock: new ManualClock(Date.now(), { autoAdvance: true }),
    // The poller's clock jumps by every pace and back-off; reservations must outlive the test.
    reservationTtlMs: 24 * 3_600_000,
    globalToml: 'concurrent = 200',
    ciYaml: 'fan-out:\n  parallel: 30\n  script:\n    - "true"\n',
    observer: {
      intakeEvent: () => undefined,
      requestConcurrency: (_runner, figures) => reported.push(figures),
    },
    runners: [
      {
        runner: `request_concurrency = ${loops}\n${extraRunnerToml}`,
        autoscaler: 'capacity_per_instance = 10\nmax_instances = 20',
      },
    ],
  });
  world = { w, emulatorClock, reported };
  w.poller.start();
  return world;
}

/** The sequence number the emulator gives its next request. */
function nextSeq(w: IntakeWorld): number {
  return w.jobRequests().reduce((max, r) => Math.max(max, r.seq + 1), 0);
}

/**
 * Waits until nothing moves without the emulator's clock: every request from before `fromSeq`
 * answered, and each loop either holding an open request at the emulator or waiting for a
 * permit. Returns the requests open at the emulator and the poller's gate then.
 */
async function settle(
  w: IntakeWorld,
  fromSeq: number,
): Promise<{ open: number; gate: RunnerRequestConcurrency }> {
  let seen: { open: number; gate: RunnerRequestConcurrency } | undefined;
  await eventually('intake settled', () => {
    const open = w.jobRequests().filter(r => r.status === undefined);
    const gate = w.poller.requestConcurrency()[0];
    if (gate === undefined) {
      return false;
    }
    seen = { open: open.length, gate };
    return (
      open.every(r => r.seq >= fromSeq) &&
      open.length === gate.inFlight &&
      gate.inFlight + gate.waiting === loops
    );
  });
  if (seen === undefined) {
    throw new Error('no gate figures');
  }
  return seen;
}

/** Ends every held poll (its hold times out) and waits for the loops to settle again. */
async function endHeldPolls(a: AdaptiveWorld): Promise<number> {
  const fromSeq = nextSeq(a.w);
  a.emulatorClock.advance(holdMs);
  return (await settle(a.w, fromSeq)).open;
}

/** Rounds of held polls ending until only `target` are open; the open counts, round by round. */
async function roundsUntil(a: AdaptiveWorld, target: number, maxRounds: number) {
  const open: number[] = [];
  while (open.at(-1) !== target && open.length < maxRounds) {
    open.push(await endHeldPolls(a));
  }
  return open;
}

/** A pipeline of 30 jobs, all taken, then the loops settled on held polls. */
async function burstOfJobs(a: AdaptiveWorld, takenBefore: number): Promise<number> {
  const fromSeq = nextSeq(a.w);
  await a.w.pipeline();
  const registry = a.w.registries[0]!;
  await eventually(
    'all jobs taken',
    async () => (await registry.snapshot()).pendingJobs === takenBefore + 30,
  );
  return (await settle(a.w, fromSeq)).open;
}

const nonIncreasing = (values: readonly number[]) =>
  values.every((v, i) => i === 0 || v <= values[i - 1]!);

describe('adaptive request concurrency (emulator-side count of open job requests)', () => {
  it('starts at 1, rises with jobs, falls slowly on empty polls and fast on 429 and 5xx', async () => {
    const a = await start();
    const { w } = a;
    // Idle: four loops, one poll held; the other three wait for a permit and hold no capacity.
    const idle = await settle(w, 0);
    expect(idle.open).toBe(1);
    expect(idle.gate).toMatchObject({ allowed: 1, inFlight: 1, waiting: 3 });
    expect((await w.registries[0]!.snapshot()).reservedSlots).toBe(1);

    // 30 jobs: ×1.1 each brings the other loops in; all four polls held once they are taken.
    expect(await burstOfJobs(a, 0)).toBe(loops);
    expect(w.poller.requestConcurrency()[0]?.allowed).toBe(loops);

    // Empty polls: ×0.95 each, so it takes many rounds of held polls to come down to one.
    const emptyRounds = await roundsUntil(a, 1, 30);
    expect(emptyRounds[0]).toBeGreaterThanOrEqual(3);
    expect(emptyRounds.at(-1)).toBe(1);
    expect(nonIncreasing(emptyRounds)).toBe(true);
    expect(emptyRounds.length).toBeGreaterThanOrEqual(5);
    expect(w.poller.requestConcurrency()[0]).toMatchObject({ allowed: 1, adaptiveLimit: 1 });
    // One more round: it stays at the floor.
    expect(await endHeldPolls(a)).toBe(1);

    // Back up with jobs, then 429s: every request that needed a retry halves the limit.
    expect(await burstOfJobs(a, 30)).toBe(loops);
    const tooMany = w.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/request',
      kind: 'status',
      status: 429,
      retryAfterSec: 1,
      count: 6,
    });
    const throttledRounds = await roundsUntil(a, 1, 3);
    expect(throttledRounds.at(-1)).toBe(1);
    expect(throttledRounds.length).toBeLessThan(emptyRounds.length);
    expect(w.emulator.admin.listFaults().faults.find(f => f.id === tooMany.id)?.hits).toBe(6);

    // And again with 502s (the client's retry layer treats them as 429s).
    expect(await burstOfJobs(a, 60)).toBe(loops);
    w.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/request',
      kind: 'status',
      status: 502,
      count: 6,
    });
    const failingRounds = await roundsUntil(a, 1, 3);
    expect(failingRounds.at(-1)).toBe(1);
    expect(failingRounds.length).toBeLessThan(emptyRounds.length);

    // What the poller reported (the metric's source) followed the same path.
    const allowed = a.reported.map(f => f.allowed);
    expect(allowed[0]).toBe(1);
    expect(Math.max(...allowed)).toBe(loops);
    expect(allowed.at(-1)).toBe(1);
  });

  it('with FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false keeps request_concurrency polls open', async () => {
    const a = await start(flagOff);
    const { w } = a;
    const idle = await settle(w, 0);
    expect(idle.open).toBe(loops);
    expect(idle.gate).toMatchObject({ allowed: loops, inFlight: loops, waiting: 0 });
    const rounds: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      rounds.push(await endHeldPolls(a));
    }
    expect(rounds).toEqual([loops, loops, loops, loops, loops]);
    w.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/request',
      kind: 'status',
      status: 429,
      retryAfterSec: 1,
      count: 6,
    });
    expect([await endHeldPolls(a), await endHeldPolls(a)]).toEqual([loops, loops]);
    expect(w.poller.requestConcurrency()[0]).toMatchObject({ allowed: loops, adaptiveLimit: 1 });
    expect(a.reported.every(f => f.allowed === loops)).toBe(true);
  });
});
