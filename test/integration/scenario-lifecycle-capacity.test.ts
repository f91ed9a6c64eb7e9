// Issue #4 capacity invariants on the AWS emulator (real sshd instances, manual clock) and real
// Redis: failed instances are removed in one pass and replaced (B46), a target above the
// group's max asks for what fits and says so (B58), running jobs count toward desired capacity
// (B55), the cap holds on every path under a sustained burst (B36), and drift is reported.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';

import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { TickOutcome, TickReport } from '@taskfleet/scaler';
import { pino } from 'pino';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { checkCapacityCalls } from './support/capacity-calls';
import { JobSimulator } from './support/job-simulator';

jest.setTimeout(120_000);

const led = (o: TickOutcome): TickReport | undefined => (o.led ? o : undefined);
const realPause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function logSink(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() !== '') {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      done();
    },
  });
  return { lines, stream };
}

async function readyIds(world: ScalerWorld): Promise<string[]> {
  const snapshot = await world.registry.snapshot();
  return snapshot.instances.filter(i => i.state === 'ready').map(i => i.instanceId);
}

describe('B46 failed instances', () => {
  let world: ScalerWorld;
  const marker = `/var/tmp/taskfleet-b46-${randomBytes(4).toString('hex')}`;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
    await rm(marker, { force: true });
  });

  it('five instances failing the ready check go in the pass that failed them and are replaced', async () => {
    // Instances share the host's /var/tmp: the command passes once the test creates the marker.
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({
        capacityPerInstance: 1,
        maxInstanceCount: 5,
        instanceReadyCommand: `test -f ${marker}`,
        failureThreshold: 1,
      }),
    );
    world.queued = 5;
    const failed = new Set<string>();
    await world.tickUntil(scaler, o => {
      const report = led(o);
      for (const id of report?.readyFailed ?? []) {
        // Unhealthy at the threshold, terminated in the same pass, never left counting.
        expect(report?.apply.terminated).toContain(id);
        failed.add(id);
      }
      return failed.size === 5;
    });
    await writeFile(marker, 'ok');
    // Replacements launch as the failed ones leave the count; once the check passes they open.
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 5);
    const ready = await readyIds(world);
    expect(ready.filter(id => failed.has(id))).toEqual([]);
    for (let i = 0; i < 5; i += 1) {
      expect(await world.registry.claimSlot(`job-${i}`)).toBeDefined();
    }
    const calls = checkCapacityCalls(world.emulator, 5);
    expect(calls.violations).toEqual([]);
    expect(calls.maxDesired).toBeLessThanOrEqual(5);
    expect([...failed].every(id => calls.terminated.includes(id))).toBe(true);
  });

  it('a termination answered not-found counts as done', async () => {
    let vanished = '';
    const scaler = world.scaler('scaler-a', settingsWith(), undefined, {
      hooks: {
        // The instance goes away on its own between our decision and our call.
        beforeTerminationSent: async id => {
          if (vanished !== '') {
            return;
          }
          vanished = id;
          await world.terminateFromOutside(id);
          world.clock.advance(600);
          for (let i = 0; i < 100; i += 1) {
            if (!(await world.group()).members.some(m => m.id === id)) {
              return;
            }
            await realPause(20);
          }
        },
      },
    });
    world.queued = 1;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 1);
    world.queued = 0;
    world.clock.advance(idleTimeMs);
    const outcome = led(await scaler.tick());
    expect(outcome?.apply.terminated).toEqual([vanished]);
    expect(outcome?.apply.failed).toEqual([]);
    expect(outcome?.removalsByReason).toEqual({ idle_timeout: 1 });
    const next = led(await scaler.tick());
    expect(next?.reconcile.cleared).toContain(vanished);
    expect(next?.reconcile.resent).toEqual([]);
  });
});

describe('B58 target above ASG max', () => {
  it('asks for the 10 that fit of 16 wanted, logs capped_by_asg_max and surfaces a failed call', async () => {
    const sink = logSink();
    const world = await startScalerWorld({
      groupMaxSize: 10,
      logger: pino({ level: 'info' }, sink.stream),
    });
    try {
      const scaler = world.scaler(
        'scaler-a',
        settingsWith({ capacityPerInstance: 1, maxInstanceCount: 20 }),
      );
      world.queued = 16;
      await fetch(`${world.emulator.adminEndpoint}/faults/error`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'SetDesiredCapacity', code: 'InternalFailure', calls: 1 }),
      });
      const failing = led(await scaler.tick());
      expect(failing?.apply.requested).toBe(0);
      expect(failing?.apply.increaseError).toMatchObject({ code: expect.any(String) as string });
      const errorLine = sink.lines.find(l => l.msg === 'increase partly failed');
      expect(errorLine?.level).toBe(50);

      world.clock.advance(1_000);
      const outcome = led(await scaler.tick());
      expect(outcome?.plan.wantedInstances).toBe(16);
      expect(outcome?.apply.requested).toBe(10);
      expect(outcome?.cappedByAsgMax).toBe(6);
      expect(outcome?.capacity.groupMaxSize).toBe(10);
      expect((await world.group()).desired).toBe(10);
      const capped = sink.lines.filter(l => l.msg === 'capped_by_asg_max');
      expect(capped.at(-1)).toMatchObject({ capped: 6, groupMaxSize: 10, wantedInstances: 16 });
      const calls = checkCapacityCalls(world.emulator, 10);
      expect(calls).toMatchObject({ violations: [], maxDesired: 10 });
    } finally {
      await world.cleanup();
    }
  });
});

describe('B55 desired capacity counts running jobs', () => {
  it('1 running and 1 queued job at capacity 1 give desired 2', async () => {
    const world = await startScalerWorld();
    try {
      const scaler = world.scaler('scaler-a', settingsWith({ capacityPerInstance: 1 }));
      world.queued = 1;
      await world.tickUntil(scaler, async () => (await readyIds(world)).length === 1);
      world.queued = 0;
      expect(await world.registry.claimSlot('job-running')).toBeDefined();
      world.queued = 1;
      const outcome = led(await scaler.tick());
      expect(outcome?.plan).toMatchObject({ acquired: 1, queued: 1, targetInstances: 2 });
      expect((await world.group()).desired).toBe(2);
    } finally {
      await world.cleanup();
    }
  });
});

describe('B36 cap on every path', () => {
  it('every instance in any state stays within max_instances at every tick of a burst', async () => {
    const world = await startScalerWorld();
    try {
      const maxInstances = 4;
      // An idle target and job demand both push up; retiring instances churn underneath.
      const settings = settingsWith({
        capacityPerInstance: 2,
        maxInstanceCount: maxInstances,
        maxUseCount: 3,
      });
      const scaler = world.scaler('scaler-a', {
        ...settings,
        policies: settings.policies.map(p => ({ ...p, idleCount: 4, idleTimeMs: 20_000 })),
      });
      const jobs = new JobSimulator(world.registry, () => world.clock.now());
      jobs.enqueue(60, 20_000);
      let ticks = 0;
      let sawCap = false;
      await world.tickUntil(
        scaler,
        async o => {
          ticks += 1;
          const report = led(o);
          expect(report?.plan.totalInstanceCount).toBeLessThanOrEqual(maxInstances);
          const group = await world.group();
          expect(group.members.length).toBeLessThanOrEqual(maxInstances);
          expect(group.desired).toBeLessThanOrEqual(maxInstances);
          sawCap ||= group.members.length === maxInstances;
          await jobs.step();
          world.queued = jobs.queued;
          return jobs.queued === 0 && jobs.running === 0;
        },
        { stepMs: 5_000, maxTicks: 120 },
      );
      expect(sawCap).toBe(true);
      expect(ticks).toBeGreaterThan(10);
      expect(jobs.history()).toHaveLength(60);
      const calls = checkCapacityCalls(world.emulator, maxInstances);
      expect(calls.violations).toEqual([]);
      // Instances retired after 3 jobs were replaced along the way.
      expect(calls.terminated.length).toBeGreaterThan(0);
    } finally {
      await world.cleanup();
    }
  });
});

describe('desired capacity drift', () => {
  it('reports an outside change of desired capacity once and removes what it did not ask for', async () => {
    const sink = logSink();
    const world = await startScalerWorld({ logger: pino({ level: 'warn' }, sink.stream) });
    try {
      const scaler = world.scaler('scaler-a', settingsWith());
      world.queued = 1;
      await world.tickUntil(scaler, async () => (await readyIds(world)).length === 1);
      await world.clients.autoScaling.send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: world.groupName,
          DesiredCapacity: 3,
        }),
      );
      world.clock.advance(1_000);
      const drifted = led(await scaler.tick());
      expect(drifted?.capacity).toMatchObject({ expectedDesired: 1, actualDesired: 3, drift: 2 });
      expect(sink.lines.filter(l => l.msg === 'desired capacity drift')).toHaveLength(1);
      const outcomes = await world.tickUntil(scaler, async () => {
        const group = await world.group();
        return group.desired === 1 && group.members.length === 1;
      });
      expect(outcomes.map(o => led(o)?.capacity.drift)).toEqual(outcomes.map(() => 0));
      const distrusted = [drifted, ...outcomes.map(led)].flatMap(
        r => r?.reconcile.distrusted ?? [],
      );
      expect(distrusted).toHaveLength(2);
      expect(await readyIds(world)).toHaveLength(1);
    } finally {
      await world.cleanup();
    }
  });
});
