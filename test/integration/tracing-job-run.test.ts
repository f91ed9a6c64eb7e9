// One GitLab job through `taskfleet run poller|scaler|executor` as three processes, each
// exporting OTLP/HTTP to a loopback receiver: one trace holds the poller's and the executor's
// spans with the right parents and ids, the scaler's ticks carry the plan, and no secret
// (runner token, job token, masked variable, payload key, SSH key) is in any exported byte.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { spanEventNames, spanNames, traceAttributes } from '@taskfleet/telemetry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { startOtlpReceiver } from './support/otlp-receiver';
import type { OtlpReceiver, ReceivedSpan } from './support/otlp-receiver';
import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';

jest.setTimeout(90_000);

const keyPrefix = `it-otel-${process.pid}-${randomBytes(3).toString('hex')}`;
const maskedValue = `TraceSecret${randomBytes(4).toString('hex')}`;
const finalStatuses = new Set(['success', 'failed', 'canceled', 'skipped']);
const ciYaml = `traced:
  script:
    - echo "value is $TRACE_SECRET"
`;
// OTLP span kinds: SPAN_KIND_PRODUCER = 4, SPAN_KIND_CONSUMER = 5.
const producerKind = 4;
const consumerKind = 5;

describe('tracing: one job is one trace across poller and executor processes', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  let receiver: OtlpReceiver;
  let payloadKey: string;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-tracing-'));
    const configPath = join(workDir, 'config.toml');
    const toml = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix });
    payloadKey = /payload_encryption_key = "([^"]+)"/.exec(toml)?.[1] ?? '';
    expect(payloadKey).not.toBe('');
    await writeFile(configPath, toml);
    const env = {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Batches go out every 200 ms rather than every 5 s; shutdown flushes the rest.
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    for (const role of ['executor', 'scaler', 'poller']) {
      children.push(startTaskfleetRun(role, configPath, env));
    }
  });

  afterAll(async () => {
    await killTaskfleetRuns(children);
    await world.close();
    await receiver.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  it('exports linked poller and executor spans with ids and without secrets', async () => {
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await world.gitlab.admin.createProject({
      path: `it/tracing-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    world.gitlab.admin.setVariable(project.id, {
      key: 'TRACE_SECRET',
      value: maskedValue,
      masked: true,
      file: false,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    await until(
      'pipeline end',
      () => finalStatuses.has(world.gitlab.admin.getPipeline(pipeline.id).status),
      60_000,
    );
    const [jobRef] = world.gitlab.admin.getPipeline(pipeline.id).jobs;
    const job = world.gitlab.admin.getJob(jobRef!.id);
    expect(job.status).toBe('success');
    expect(world.gitlab.admin.getTrace(job.id)).toContain('value is [MASKED]');

    // SIGTERM: each process stops its services, then its tracing flushes what is left.
    for (const child of children) {
      child.process.kill('SIGTERM');
    }
    expect(await Promise.all(children.map(c => c.exited))).toEqual([0, 0, 0]);

    expect(new Set(receiver.requests.map(r => [r.path, r.contentType].join(' ')))).toEqual(
      new Set(['/v1/traces application/json']),
    );
    const spans = receiver.spans();
    const ofJob = (name: string): ReceivedSpan[] =>
      spans.filter(s => s.name === name && s.attributes[traceAttributes.gitlabJobId] === job.id);
    const one = (name: string, list: ReceivedSpan[] = spans): ReceivedSpan => {
      const found = list.filter(s => s.name === name);
      expect([name, found.length]).toEqual([name, 1]);
      return found[0]!;
    };
    const pollerJob = one(spanNames.pollerJob, ofJob(spanNames.pollerJob));
    const executorJob = one(spanNames.executorJob, ofJob(spanNames.executorJob));
    const traceId = pollerJob.traceId;
    const trace = spans.filter(s => s.traceId === traceId);
    const byName = (name: string): ReceivedSpan => one(name, trace);

    // Where each span came from: two processes, one trace.
    expect([pollerJob.serviceName, executorJob.serviceName]).toEqual([
      'taskfleet-poller',
      'taskfleet-executor',
    ]);
    expect(pollerJob.parentSpanId).toBeUndefined();
    expect(executorJob.traceId).toBe(traceId);
    const request = byName(spanNames.pollerRequest);
    const accept = byName(spanNames.pollerAccept);
    const enqueue = byName(spanNames.pollerEnqueue);
    for (const child of [request, accept, enqueue]) {
      expect([child.name, child.parentSpanId]).toEqual([child.name, pollerJob.spanId]);
    }
    expect(enqueue.kind).toBe(producerKind);
    expect([executorJob.kind, executorJob.parentSpanId]).toEqual([consumerKind, enqueue.spanId]);

    const claim = byName(spanNames.executorClaim);
    const slotWait = byName(spanNames.executorSlotWait);
    const ssh = byName(spanNames.executorSshConnect);
    const finalUpdate = byName(spanNames.executorFinalUpdate);
    for (const child of [claim, slotWait, ssh, finalUpdate]) {
      expect([child.name, child.parentSpanId]).toEqual([child.name, executorJob.spanId]);
    }
    const stages = trace.filter(s => s.name === spanNames.executorStage);
    expect(stages.map(s => s.attributes[traceAttributes.stage])).toEqual(
      expect.arrayContaining(['get_sources', 'step_script', 'cleanup_file_variables']),
    );
    const script = stages.find(s => s.attributes[traceAttributes.stage] === 'step_script');
    expect(script?.attributes[traceAttributes.exitCode]).toBe(0);
    expect(stages.every(s => s.parentSpanId === executorJob.spanId)).toBe(true);

    // The ids a person looks a job up by.
    for (const span of [pollerJob, executorJob]) {
      expect(span.attributes[traceAttributes.runnerId]).toBe(world.runnerId);
      expect(span.attributes[traceAttributes.runnerKey]).toMatch(
        new RegExp(`^r${world.runnerId}-`),
      );
    }
    expect(pollerJob.attributes[traceAttributes.outcome]).toBe('enqueued');
    expect(executorJob.attributes[traceAttributes.outcome]).toBe('success');
    expect(ssh.attributes[traceAttributes.instanceId]).toMatch(/^i-[0-9a-f]+$/);
    expect(slotWait.attributes[traceAttributes.instanceId]).toBe(
      ssh.attributes[traceAttributes.instanceId],
    );
    expect(finalUpdate.attributes[traceAttributes.outcome]).toBe('delivered');
    // A job this short sends its whole log with the final update, so no PATCH event is expected
    // here (patch-events.test.ts covers them); any there is must name only its size and result.
    for (const event of executorJob.events) {
      expect(event.name).toBe(spanEventNames.tracePatch);
    }

    // The scaler's ticks are traces of their own, with the plan; one asked for the instance.
    const ticks = spans.filter(s => s.name === spanNames.scalerTick);
    expect(ticks.length).toBeGreaterThan(0);
    expect(
      ticks.every(t => t.serviceName === 'taskfleet-scaler' && t.parentSpanId === undefined),
    ).toBe(true);
    expect(ticks[0]?.attributes).toMatchObject({
      [traceAttributes.group]: world.groupName,
      [traceAttributes.planTargetInstances]: expect.any(Number),
      [traceAttributes.planQueuedJobs]: expect.any(Number),
    });
    const increases = spans.filter(s => s.name === spanNames.scalerIncrease);
    expect(increases.some(s => Number(s.attributes[traceAttributes.increaseRequested]) >= 1)).toBe(
      true,
    );
    const increaseTicks = new Set(increases.map(s => s.parentSpanId));
    expect(ticks.some(t => increaseTicks.has(t.spanId))).toBe(true);

    // Invariant 7: nothing secret in any byte that left the processes.
    const exported = Buffer.concat(receiver.bodies);
    for (const secret of [maskedValue, world.runnerToken, job.token, payloadKey, 'PRIVATE KEY']) {
      expect([secret.slice(0, 6), exported.includes(Buffer.from(secret))]).toEqual([
        secret.slice(0, 6),
        false,
      ]);
    }
  });
});
