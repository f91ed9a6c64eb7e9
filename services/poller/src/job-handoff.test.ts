import { randomBytes } from 'node:crypto';

import type { RunnerConfig } from '@taskfleet/config';
import { ManualClock } from '@taskfleet/gitlab';
import type { GitlabClient, JobPayload, UpdateJobResult } from '@taskfleet/gitlab';
import { JobQueueError } from '@taskfleet/job-queue';
import type { JobQueue, QueuedJob } from '@taskfleet/job-queue';
import type { Registry } from '@taskfleet/registry';
import {
  SpanKind,
  noopTracer,
  spanNames,
  startRecordingTracing,
  traceAttributes,
} from '@taskfleet/telemetry';
import type { Tracer } from '@taskfleet/telemetry';
import { pino } from 'pino';

import { handOffJob } from './job-handoff';
import { RequestGate } from './request-gate';
import type { RunnerIntake } from './runner-intake';

const job = {
  id: 77,
  token: 'glcbt-job-token',
  features: { failure_reasons: ['runner_system_failure'] },
} as unknown as JobPayload;
const accepted = { kind: 'accepted', status: 200 } as unknown as UpdateJobResult;

function intakeWith(parts: {
  acceptJob: () => Promise<UpdateJobResult>;
  enqueue: (entry: QueuedJob) => Promise<{ queueJobId: string }>;
  tracer?: Tracer;
}) {
  const calls = { convert: 0, release: 0, errors: 0, updates: [] as unknown[] };
  const logger = pino({ level: 'silent' });
  jest.spyOn(logger, 'error').mockImplementation(() => {
    calls.errors += 1;
  });
  const intake: RunnerIntake = {
    runner: {} as RunnerConfig,
    runnerKey: 'r1-abc',
    client: {
      acceptJob: parts.acceptJob,
      updateJob: (_id: number, _token: string, input: unknown) => {
        calls.updates.push(input);
        return Promise.resolve(accepted);
      },
    } as unknown as GitlabClient,
    registry: {
      convertReservation: () => {
        calls.convert += 1;
        return Promise.resolve({ reservationExpired: false });
      },
      releaseReservation: () => {
        calls.release += 1;
        return Promise.resolve(true);
      },
    } as unknown as Registry,
    jobQueue: { enqueue: parts.enqueue } as unknown as JobQueue,
    payloadKey: randomBytes(32),
    ownerId: 'poller-test',
    logger,
    clock: new ManualClock(1_780_000_000_000, { autoAdvance: true }),
    settings: {
      reservationTtlMs: 120_000,
      noCapacityWakeMs: 1000,
      checkIntervalMs: 1000,
      backoff: { minMs: 10, maxMs: 40 },
      unlimitedInstances: 1_000_000,
    },
    jobLimit: 10,
    concurrentLimit: { concurrent: 10, registries: [] },
    unhealthyCount: 0,
    tracer: parts.tracer ?? noopTracer,
    // The hand-off never touches the gate; a fixed one keeps the intake whole.
    requestGate: new RequestGate(() => ({ maxConcurrency: 1, adaptive: false })),
  };
  return { intake, calls };
}

describe('handOffJob', () => {
  it('keeps retrying the enqueue of an accepted job until Redis takes it', async () => {
    const entries: QueuedJob[] = [];
    let attempts = 0;
    const { intake, calls } = intakeWith({
      acceptJob: () => Promise.resolve(accepted),
      enqueue: entry => {
        attempts += 1;
        if (attempts < 4) {
          return Promise.reject(new JobQueueError('redis_unavailable', 'could not enqueue job'));
        }
        entries.push(entry);
        return Promise.resolve({ queueJobId: 'gl-77' });
      },
    });
    const outcome = await handOffJob(intake, job, 'r5', new AbortController().signal);
    expect(outcome).toBe('enqueued');
    expect(attempts).toBe(4);
    expect(calls.errors).toBe(3);
    expect(calls.convert).toBe(1);
    expect(entries[0]?.gitlabJobId).toBe(77);
    expect(JSON.stringify(entries[0])).not.toContain('glcbt-job-token');
  });

  it('retries a failed acceptance and releases the reservation when GitLab refuses', async () => {
    const answers = [
      { kind: 'failed', status: 502 },
      { kind: 'aborted', status: 403, reason: 'job-status' },
    ] as unknown as UpdateJobResult[];
    let enqueued = 0;
    const { intake, calls } = intakeWith({
      acceptJob: () => Promise.resolve(answers.shift()!),
      enqueue: () => {
        enqueued += 1;
        return Promise.resolve({ queueJobId: 'gl-77' });
      },
    });
    const outcome = await handOffJob(intake, job, 'r5', new AbortController().signal);
    expect(outcome).toBe('refused');
    expect(answers).toHaveLength(0);
    expect(enqueued).toBe(0);
    expect(calls.release).toBe(1);
    expect(calls.convert).toBe(0);
  });

  it('gives up only when shutdown is forced, and says so', async () => {
    const force = new AbortController();
    const { intake, calls } = intakeWith({
      acceptJob: () => Promise.resolve(accepted),
      enqueue: () => {
        force.abort();
        return Promise.reject(new JobQueueError('redis_unavailable', 'could not enqueue job'));
      },
    });
    const outcome = await handOffJob(intake, job, 'r5', force.signal);
    expect(outcome).toBe('abandoned');
    expect(calls.errors).toBe(2);
    expect(calls.convert).toBe(0);
    // Failed back once, so GitLab does not show it running until its stale timeout.
    expect(calls.updates).toEqual([{ state: 'failed', failureReason: 'runner_system_failure' }]);
  });

  it('traces accept (with its attempts) and enqueue, and carries the enqueue span in the entry', async () => {
    const tracing = startRecordingTracing();
    try {
      const entries: QueuedJob[] = [];
      const answers = [{ kind: 'failed', status: 502 }, accepted] as unknown as UpdateJobResult[];
      const { intake } = intakeWith({
        acceptJob: () => Promise.resolve(answers.shift()!),
        enqueue: entry => {
          entries.push(entry);
          return Promise.resolve({ queueJobId: 'gl-77' });
        },
        tracer: tracing.tracer,
      });
      expect(await handOffJob(intake, job, 'r5', new AbortController().signal)).toBe('enqueued');
      const spans = tracing.spans();
      const accept = spans.find(s => s.name === spanNames.pollerAccept);
      const enqueue = spans.find(s => s.name === spanNames.pollerEnqueue);
      expect(accept?.attributes).toEqual({
        [traceAttributes.attempts]: 2,
        [traceAttributes.outcome]: 'accepted',
      });
      expect([enqueue?.kind, enqueue?.attributes]).toEqual([
        SpanKind.PRODUCER,
        { [traceAttributes.outcome]: 'enqueued' },
      ]);
      const { traceId, spanId } = enqueue!.spanContext();
      expect(entries[0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
      // Invariant 7: the job token reaches no span.
      expect(
        JSON.stringify(spans.map(s => [s.name, s.attributes, s.events, s.status])),
      ).not.toContain('glcbt-job-token');
    } finally {
      await tracing.shutdown();
    }
  });

  it('adds no traceparent to the entry when tracing is off', async () => {
    const entries: QueuedJob[] = [];
    const { intake } = intakeWith({
      acceptJob: () => Promise.resolve(accepted),
      enqueue: entry => {
        entries.push(entry);
        return Promise.resolve({ queueJobId: 'gl-77' });
      },
    });
    await handOffJob(intake, job, 'r5', new AbortController().signal);
    expect(entries[0]).not.toHaveProperty('traceparent');
  });
});
