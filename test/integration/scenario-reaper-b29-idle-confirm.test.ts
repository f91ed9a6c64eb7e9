// B29 on the AWS and GitLab emulators (real sshd instances, manual clock) and real Redis: while
// a job holds its claim on i-2 and GitLab says the job is not running, the reaper decides only
// from our registry claim and i-2 survives; once the claim is gone, i-2 is removed only after
// two passes at least idle_confirm apart both saw it idle.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { GitlabClient, buildRunnerInfo } from '@taskfleet/gitlab';
import type { Scaler, TickOutcome } from '@taskfleet/scaler';
import { pino } from 'pino';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(60_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);
const idleConfirmMs = 30_000;

describe('B29 a lagging busy flag never decides a removal', () => {
  let world: ScalerWorld;
  let gitlab: GitlabEmulator;
  let sourceDir: string;
  let scaler: Scaler;
  let jobId: string;

  beforeAll(async () => {
    gitlab = await startGitlabEmulator({ longPollTimeoutMs: 0 });
    sourceDir = await mkdtemp(join(tmpdir(), 'scenario-b29-'));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'long:\n  script:\n    - sleep 600\n');
    const project = await gitlab.admin.createProject({ path: 'acme/b29', sourceDir });
    const token = gitlab.admin.createRunner({ description: 'b29' }).token;
    await gitlab.admin.createPipeline(project.id);
    const client = new GitlabClient({
      url: gitlab.url,
      logger: pino({ level: 'silent' }),
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    });
    const requested = await client.requestJob({ token });
    if (requested.kind !== 'job') {
      throw new Error(`expected a job, got ${requested.kind}`);
    }
    await client.acceptJob(requested.job.id, requested.job.token);
    jobId = String(requested.job.id);

    world = await startScalerWorld();
    scaler = world.scaler('scaler-a', settingsWith({ capacityPerInstance: 1 }), undefined, {
      idleConfirmMs,
    });
    world.queued = 1;
    await world.tickUntil(scaler, async () =>
      (await world.registry.snapshot()).instances.some(i => i.state === 'ready'),
    );
    world.queued = 0;
  });

  afterAll(async () => {
    await world.cleanup();
    await gitlab.close();
    await rm(sourceDir, { recursive: true, force: true });
  });

  it('keeps i-2 while our claim holds, whatever GitLab says about the job', async () => {
    const i2 = (await world.registry.snapshot()).instances[0]?.instanceId ?? '';
    expect(await world.registry.claimSlot(jobId)).toMatchObject({ instanceId: i2 });
    // GitLab's view lags or flips: the job no longer shows as running there.
    gitlab.admin.cancelJob(Number(jobId), 'forced');
    expect(gitlab.admin.getJob(Number(jobId)).status).not.toBe('running');
    for (let pass = 0; pass < 5; pass += 1) {
      world.clock.advance(idleTimeMs);
      const outcome = led(await scaler.tick());
      expect(outcome?.removals).toEqual([]);
      expect(outcome?.apply.terminated).toEqual([]);
    }
    expect(await world.registry.getInstance(i2)).toMatchObject({ state: 'ready', claimedSlots: 1 });
    expect((await world.group()).members.map(m => m.id)).toEqual([i2]);
  });

  it('removes i-2 only after two idle passes at least idle_confirm apart', async () => {
    const i2 = (await world.registry.snapshot()).instances[0]?.instanceId ?? '';
    await world.registry.releaseSlot(jobId);
    world.clock.advance(idleTimeMs + 1_000);
    const first = led(await scaler.tick());
    // Idle long enough, but seen idle on one pass only.
    expect(first?.unconfirmedIdle).toEqual([i2]);
    expect(first?.apply.terminated).toEqual([]);
    world.clock.advance(idleConfirmMs - 1_000);
    expect(led(await scaler.tick())?.apply.terminated).toEqual([]);
    world.clock.advance(1_000);
    const confirmed = led(await scaler.tick());
    expect(confirmed?.removals.map(r => [r.id, r.reason])).toEqual([[i2, 'idle_timeout']]);
    expect(confirmed?.apply.terminated).toEqual([i2]);
  });
});
