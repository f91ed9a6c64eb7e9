// Intake honours the runner's `limit` and the global `concurrent` (reference §2.1): both count
// every job a runner handles (polls in flight, accepted and running jobs), shared in Redis by
// every poller, so no job is requested beyond them. GitLab emulator, real Redis and registry.
import { eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(60_000);

const fanOut = (count: number) => `fan-out:\n  parallel: ${count}\n  script:\n    - "true"\n`;

let world: IntakeWorld | undefined;

afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

function statuses(w: IntakeWorld, jobIds: readonly number[]): string[] {
  return jobIds.map(id => w.emulator.admin.getJob(id).status);
}

const count = (values: readonly string[], value: string) => values.filter(v => v === value).length;

describe('intake limits', () => {
  it('takes no more than the runner limit (2) with 4 request loops, and one more once a job ends', async () => {
    const w = await startIntakeWorld({
      longPollTimeoutMs: 30,
      noCapacityWakeMs: 20,
      ciYaml: fanOut(5),
      runners: [
        {
          runner: 'limit = 2\nrequest_concurrency = 4',
          autoscaler: 'capacity_per_instance = 2\nmax_instances = 5',
        },
      ],
    });
    world = w;
    const jobs = await w.pipeline();
    w.poller.start();
    const registry = w.registries[0]!;
    await eventually('two jobs taken', async () => (await registry.snapshot()).pendingJobs === 2);
    // Let the loops come round many times: still two, and each refusal asked GitLab nothing.
    const seen = w.jobRequests().length;
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(count(statuses(w, jobs), 'running')).toBe(2);
    expect(count(statuses(w, jobs), 'pending')).toBe(3);
    expect(w.jobRequests().length).toBe(seen);
    expect((await registry.intakeCounts()).reserved).toBe(0);

    // One job ends without a claim (failed back): its place frees and exactly one more is taken.
    const taken = jobs.filter(id => w.emulator.admin.getJob(id).status === 'running');
    await w.succeed(taken[0]!);
    await registry.dropPending(String(taken[0]));
    await eventually(
      'a third job taken',
      () => count(statuses(w, jobs), 'success') === 1 && count(statuses(w, jobs), 'running') === 2,
    );
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(count(statuses(w, jobs), 'running')).toBe(2);
    expect((await registry.snapshot()).pendingJobs).toBe(2);
  });

  it('keeps two runner entries together within concurrent = 3', async () => {
    const entry = {
      runner: 'request_concurrency = 3',
      autoscaler: 'capacity_per_instance = 2\nmax_instances = 5',
    };
    const w = await startIntakeWorld({
      longPollTimeoutMs: 30,
      noCapacityWakeMs: 20,
      globalToml: 'concurrent = 3',
      ciYaml: fanOut(8),
      runners: [entry, entry],
    });
    world = w;
    const jobs = await w.pipeline();
    w.poller.start();
    // Jobs accepted by either runner (a reservation being checked may briefly pass the limit,
    // but then steps back before any job request).
    const accepted = async () => {
      const counts = await Promise.all(w.registries.map(r => r.intakeCounts()));
      return counts.reduce((sum, c) => sum + c.pending + c.claimed, 0);
    };
    await eventually('three jobs taken', () => count(statuses(w, jobs), 'running') === 3);
    // Sample while the six loops keep trying: the two runners together never pass 3.
    const samples: number[] = [];
    const running: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      samples.push(await accepted());
      running.push(count(statuses(w, jobs), 'running'));
      await new Promise(resolve => setTimeout(resolve, 15));
    }
    expect(Math.max(...samples)).toBeLessThanOrEqual(3);
    expect(Math.max(...running)).toBeLessThanOrEqual(3);
    expect(count(statuses(w, jobs), 'running')).toBe(3);
    expect(count(statuses(w, jobs), 'pending')).toBe(5);
    const pending = await Promise.all(
      w.registries.map(async r => (await r.snapshot()).pendingJobs),
    );
    expect(pending.reduce((a, b) => a + b, 0)).toBe(3);
  });
});
