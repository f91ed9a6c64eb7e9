// B50 across processes (kind 10): two taskfleet processes, each with its own pool, registry and
// interruption watch, read one SQS queue (the AWS emulator's, through the real
// @aws-sdk/client-sqs). A warning the receiving process does not know is handed on through Redis
// instead of being deleted and lost: the pool that knows the instance takes it at its next tick.
// Both warned instances are taken out of service, each exactly once.
import { randomBytes } from 'node:crypto';

import { CreateQueueCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';
import { FakeInstanceGroup } from '@taskfleet/fleeting/testing';
import { ApiBackoff, SqsInterruptionQueue } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { InterruptionWatch, RedisSpotHandoff, Scaler } from '@taskfleet/scaler';
import type { TickOutcome } from '@taskfleet/scaler';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { settingsWith } from './scaler-harness';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

const credentials = { accessKeyId: 'taskfleet-test', secretAccessKey: 'test' };
const logger = pino({ level: process.env.SCALER_TEST_LOG ?? 'silent' });

function spotWarning(instanceId: string): string {
  return JSON.stringify({
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': 'EC2 Spot Instance Interruption Warning',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2026-12-03T17:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:ec2:us-east-1a:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
  });
}

/** One taskfleet process: its own Redis connection, pool, registry, scaler and handoff. */
interface Process {
  readonly redis: Redis;
  readonly registry: Registry;
  readonly scaler: Scaler;
  readonly handoff: RedisSpotHandoff;
  watch?: InterruptionWatch;
  readonly outcomes: TickOutcome[];
}

describe('B50 one interruption queue read by two processes', () => {
  let emulator: AwsEmulator;
  let queueUrl: string;
  let nowMs = 1_000_000;
  const keyPrefix = `it-b50-shared-${process.pid}-${randomBytes(3).toString('hex')}`;
  const processes: Process[] = [];

  function startProcess(name: string, idPrefix: string): Process {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    const clock = () => nowMs;
    const registry = createRegistry({ redis, keyPrefix, runnerKey: `pool-${name}`, clock, logger });
    const handoff = new RedisSpotHandoff({ redis, keyPrefix, clock });
    // Ids of EC2's shape, distinct per pool, as the warning parser checks them.
    const provider = new FakeInstanceGroup({ bootDelayMs: 1_000, now: clock, idPrefix });
    const scaler = new Scaler({
      holderId: `host-${name}`,
      settings: settingsWith({ capacityPerInstance: 1, maxInstanceCount: 1 }),
      provider,
      registry,
      demand: { queuedJobCount: () => Promise.resolve(1) },
      logger,
      clock,
      spotHandoff: handoff,
    });
    const started: Process = { redis, registry, scaler, handoff, outcomes: [] };
    processes.push(started);
    return started;
  }

  function watchOf(p: Process): InterruptionWatch {
    const watch = new InterruptionWatch({
      source: new SqsInterruptionQueue({
        queueUrl,
        region: 'us-east-1',
        endpoint: emulator.endpoint,
        clientOverrides: { credentials, maxAttempts: 1 },
        waitTimeSeconds: 1,
      }),
      targets: [p.scaler],
      backoff: new ApiBackoff({ baseMs: 100, maxMs: 1_000 }),
      logger,
      handoff: p.handoff,
    });
    p.watch = watch;
    watch.start();
    return watch;
  }

  async function tick(p: Process): Promise<void> {
    nowMs += 1_000;
    p.outcomes.push(await p.scaler.tick());
  }

  async function readyInstance(p: Process): Promise<string> {
    for (let i = 0; i < 10; i += 1) {
      await tick(p);
      const ready = (await p.registry.snapshot()).instances.find(r => r.state === 'ready');
      if (ready !== undefined) {
        return ready.instanceId;
      }
    }
    throw new Error('no ready instance');
  }

  const spotRemovals = (p: Process) =>
    p.outcomes.reduce((n, o) => n + (o.led ? (o.removalsByReason.spot_interruption ?? 0) : 0), 0);

  beforeAll(async () => {
    emulator = await startAwsEmulator({});
    const sqs = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `b50-shared-${process.pid}` })))
      .QueueUrl as string;
    sqs.destroy();
  });

  afterAll(async () => {
    for (const p of processes) {
      await p.watch?.close();
      await p.scaler.close();
      let cursor = '0';
      do {
        const [next, keys] = await p.redis.scan(cursor, 'MATCH', `{tf:${keyPrefix}:*`);
        cursor = next;
        if (keys.length > 0) {
          await p.redis.del(...keys);
        }
      } while (cursor !== '0');
      await p.redis.quit();
    }
    await emulator.close();
  });

  it('both warned instances are taken out of service, each exactly once', async () => {
    const a = startProcess('a', 'i-0a');
    const b = startProcess('b', 'i-0b');
    const onA = await readyInstance(a);
    const onB = await readyInstance(b);
    expect(onA).not.toBe(onB);
    const sqs = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: spotWarning(onA) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: spotWarning(onB) }));
    sqs.destroy();

    // Only B's watch runs: it takes its own warning and hands A's on, deleting both messages.
    watchOf(b);
    const queued = () =>
      (emulator.state.snapshot().queues as { messages: unknown[] }[]).reduce(
        (n, q) => n + q.messages.length,
        0,
      );
    await until('both messages deleted', () => queued() === 0, 20_000);
    expect((await b.registry.getInstance(onB))?.state).toBe('deleting');
    expect((await a.registry.getInstance(onA))?.state).toBe('ready');
    expect(await b.registry.getInstance(onA)).toBeUndefined();

    // A's next tick takes the handed warning; a second watch on the queue changes nothing.
    watchOf(a);
    await tick(a);
    await tick(b);
    const recordA = await a.registry.getInstance(onA);
    expect(recordA).toMatchObject({ state: 'deleting', reason: 'spot_interruption' });
    expect(a.outcomes.flatMap(o => (o.led ? o.handedWarnings : []))).toEqual([onA]);
    expect(await b.registry.getInstance(onB)).toMatchObject({ reason: 'spot_interruption' });

    // Exactly once: later ticks and the handoff hold nothing more for either.
    await tick(a);
    await tick(b);
    expect(spotRemovals(a)).toBe(1);
    expect(spotRemovals(b)).toBe(1);
    expect(await a.handoff.pending([onA, onB])).toEqual([]);
  });
});
