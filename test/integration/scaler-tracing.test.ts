// The scaler's spans on the AWS emulator with real Redis: one root span per led tick with the
// plan's figures, the increase as its child, and the idle removal's terminate span naming the
// instance and the reason (recorded with the SDK's InMemorySpanExporter).
import { spanNames, startRecordingTracing, traceAttributes } from '@taskfleet/telemetry';
import type { RecordingTracing } from '@taskfleet/telemetry';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(60_000);

describe('scaler spans', () => {
  let world: ScalerWorld;
  let tracing: RecordingTracing;

  beforeEach(async () => {
    world = await startScalerWorld();
    tracing = startRecordingTracing();
  });

  afterEach(async () => {
    await tracing.shutdown();
    await world.cleanup();
  });

  it('traces each tick with its plan, the increase under it, and the idle termination', async () => {
    const scaler = world.scaler('scaler-traced', settingsWith(), undefined, {
      tracer: tracing.tracer,
      pool: { group: world.groupName, runnerKey: 'r1-traced' },
    });
    world.queued = 1;
    await world.tickUntil(scaler, async () => (await world.group()).members.length === 1);
    const [instance] = (await world.group()).members;
    world.queued = 0;
    await world.tickUntil(scaler, async () => (await world.group()).members.length === 0, {
      stepMs: idleTimeMs / 2,
    });

    const spans = tracing.spans();
    const ticks = spans.filter(s => s.name === spanNames.scalerTick);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.every(t => t.parentSpanContext === undefined)).toBe(true);
    const increase = spans.find(s => s.name === spanNames.scalerIncrease);
    const increaseTick = ticks.find(
      t => t.spanContext().spanId === increase?.parentSpanContext?.spanId,
    );
    expect(increase?.attributes).toEqual({
      [traceAttributes.increaseGranted]: 1,
      [traceAttributes.increaseRequested]: 1,
    });
    expect(increaseTick?.attributes).toMatchObject({
      [traceAttributes.group]: world.groupName,
      [traceAttributes.runnerKey]: 'r1-traced',
      [traceAttributes.planQueuedJobs]: 1,
      [traceAttributes.planTargetInstances]: 1,
      [traceAttributes.planToCreate]: 1,
      [traceAttributes.increaseRequested]: 1,
      [traceAttributes.terminated]: 0,
    });
    const terminate = spans.find(s => s.name === spanNames.scalerTerminate);
    expect(terminate?.attributes).toEqual({
      [traceAttributes.instanceId]: instance?.id,
      [traceAttributes.removalReason]: 'idle_timeout',
      [traceAttributes.outcome]: 'terminated',
    });
    const terminateTick = ticks.find(
      t => t.spanContext().spanId === terminate?.parentSpanContext?.spanId,
    );
    expect(terminateTick?.attributes).toMatchObject({
      [traceAttributes.planTargetInstances]: 0,
      [traceAttributes.terminated]: 1,
    });
  });
});
