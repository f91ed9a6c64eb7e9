// B50's consumer side: the scaler's SQS source of EventBridge EC2 events and the watch that
// drives it, with the real @aws-sdk/client-sqs against moto_server's SQS and against the AWS
// emulator's own. Warnings are handed on and deleted; malformed or foreign messages are logged
// and deleted; a message whose pool cannot act stays; a dropped connection is retried with
// back-off until the queue answers again.
import { CreateQueueCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';
import type { InterruptionNotice } from '@taskfleet/fleeting';
import { ApiBackoff, SqsInterruptionQueue } from '@taskfleet/provider-aws';
import { InterruptionWatch } from '@taskfleet/scaler';
import type { InterruptionOutcome, InterruptionTarget } from '@taskfleet/scaler';
import { pino } from 'pino';

import { findFreePort } from './support/free-port';
import { checkMotoAvailable, startMotoServer } from './support/moto-server';
import type { MotoServer } from './support/moto-server';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

const credentials = { accessKeyId: 'taskfleet-test', secretAccessKey: 'test' };

function spotWarning(instanceId: string): string {
  return JSON.stringify({
    version: '0',
    id: 'c3b6e8f2-3f1d-4b8e-9a57-2b3f0d6c1a11',
    'detail-type': 'EC2 Spot Instance Interruption Warning',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2026-12-03T17:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:ec2:us-east-1a:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
  });
}

async function createQueue(endpoint: string, name: string): Promise<string> {
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials });
  try {
    return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  } finally {
    sqs.destroy();
  }
}

async function send(endpoint: string, queueUrl: string, body: string): Promise<void> {
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials });
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  } finally {
    sqs.destroy();
  }
}

function queueOn(endpoint: string, queueUrl: string, visibilityTimeoutSeconds = 0) {
  return new SqsInterruptionQueue({
    queueUrl,
    region: 'us-east-1',
    endpoint,
    clientOverrides: { credentials, maxAttempts: 1 },
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds,
  });
}

/** A pool that knows some instances and answers as a leader, recording what it was given. */
function pool(known: readonly string[], outcome: InterruptionOutcome = 'taken_out') {
  const seen: InterruptionNotice[] = [];
  const target: InterruptionTarget = {
    leading: () => true,
    handleInterruption: notice => {
      seen.push(notice);
      return Promise.resolve(known.includes(notice.instanceId) ? outcome : 'unknown');
    },
  };
  return { target, seen };
}

function capturedLogger() {
  const lines: { msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as { msg: string });
      },
    },
  );
  return { logger, lines };
}

function defineQueueSuite(
  name: string,
  start: () => Promise<{ endpoint: string; close(): Promise<void> }>,
) {
  describe(`interruption queue on ${name}`, () => {
    let server: { endpoint: string; close(): Promise<void> };
    let suffix = 0;

    beforeAll(async () => {
      server = await start();
    });

    afterAll(async () => {
      await server.close();
    });

    const freshQueue = () => createQueue(server.endpoint, `b50-${process.pid}-${suffix++}`);

    it('receives warnings and says why other messages are none; acknowledged ones are gone', async () => {
      const queueUrl = await freshQueue();
      await send(server.endpoint, queueUrl, spotWarning('i-0b662ef9931388ba0'));
      await send(server.endpoint, queueUrl, '{"not":"an event"}');
      const queue = queueOn(server.endpoint, queueUrl);
      try {
        const first = await queue.receive();
        expect(first.map(m => m.notice?.instanceId ?? m.problem).sort()).toEqual([
          'i-0b662ef9931388ba0',
          expect.stringMatching(/not an EC2 interruption event/) as unknown,
        ]);
        const warning = first.find(m => m.notice !== undefined);
        await queue.acknowledge(warning?.handle ?? '');
        // Visibility 0: what was not deleted is delivered again at once, and only that.
        const second = await queue.receive();
        expect(second.map(m => m.notice?.instanceId ?? 'problem')).toEqual(['problem']);
        await queue.acknowledge(second[0]?.handle ?? '');
        expect(await queue.receive()).toEqual([]);
      } finally {
        queue.close();
      }
    });

    it('the watch hands each warning to the pool that knows it, deletes it and the malformed one', async () => {
      const queueUrl = await freshQueue();
      const mine = pool(['i-0aaaaaaaaaaaaaaa3']);
      const other = pool([]);
      const { logger, lines } = capturedLogger();
      const watch = new InterruptionWatch({
        source: queueOn(server.endpoint, queueUrl),
        targets: [other.target, mine.target],
        backoff: new ApiBackoff({ baseMs: 50, maxMs: 200 }),
        logger,
      });
      watch.start();
      try {
        await send(server.endpoint, queueUrl, 'garbage');
        await send(server.endpoint, queueUrl, spotWarning('i-0aaaaaaaaaaaaaaa3'));
        await send(server.endpoint, queueUrl, spotWarning('i-0fffffffffffffff9'));
        await until(
          'every message handled',
          () =>
            lines.filter(l =>
              [
                'interruption handled',
                'interruption message ignored',
                'interruption of an unknown instance',
              ].includes(l.msg),
            ).length === 3,
          20_000,
          50,
        );
        // Each warning is offered in turn until a pool knows it: i-…3 stops at `mine`.
        expect(other.seen.map(n => n.instanceId).sort()).toEqual([
          'i-0aaaaaaaaaaaaaaa3',
          'i-0fffffffffffffff9',
        ]);
        expect(mine.seen.map(n => n.instanceId).sort()).toEqual([
          'i-0aaaaaaaaaaaaaaa3',
          'i-0fffffffffffffff9',
        ]);
        expect(lines.filter(l => l.msg === 'interruption handled')).toHaveLength(1);
      } finally {
        await watch.close();
      }
      // All three were deleted: nothing comes back, although visibility is 0.
      const check = queueOn(server.endpoint, queueUrl);
      try {
        expect(await check.receive()).toEqual([]);
      } finally {
        check.close();
      }
    });

    it('leaves a warning its pool cannot act on (not leading) on the queue', async () => {
      const queueUrl = await freshQueue();
      const follower = pool(['i-0aaaaaaaaaaaaaaa3'], 'not_leader');
      const { logger } = capturedLogger();
      const watch = new InterruptionWatch({
        source: queueOn(server.endpoint, queueUrl, 2),
        targets: [follower.target],
        backoff: new ApiBackoff({ baseMs: 50, maxMs: 200 }),
        logger,
      });
      watch.start();
      await send(server.endpoint, queueUrl, spotWarning('i-0aaaaaaaaaaaaaaa3'));
      await until('warning seen', () => follower.seen.length === 1, 20_000, 50);
      await watch.close();
      // Not deleted: once its visibility timeout (2 s) is over, a receive gets it again.
      const check = queueOn(server.endpoint, queueUrl);
      try {
        await until(
          'warning visible again',
          async () => (await check.receive()).length === 1,
          20_000,
          200,
        );
      } finally {
        check.close();
      }
    });
  });
}

defineQueueSuite('the AWS emulator', async () => {
  const emulator = await startAwsEmulator();
  return { endpoint: emulator.endpoint, close: () => emulator.close() };
});

const moto = checkMotoAvailable();
if (moto.available) {
  defineQueueSuite('moto_server', async () => {
    const server: MotoServer = await startMotoServer();
    return { endpoint: server.endpoint, close: () => server.close() };
  });
} else {
  describe.skip(`interruption queue on moto_server (${moto.reason})`, () => {
    it('needs moto_server', () => undefined);
  });
}

describe('interruption watch when the queue connection drops', () => {
  it('retries with back-off and goes on once the queue answers again', async () => {
    const port = await findFreePort();
    let emulator: AwsEmulator = await startAwsEmulator({ port });
    const queueUrl = await createQueue(emulator.endpoint, 'b50-drop');
    const mine = pool(['i-0aaaaaaaaaaaaaaa3']);
    const { logger, lines } = capturedLogger();
    const watch = new InterruptionWatch({
      source: queueOn(emulator.endpoint, queueUrl),
      targets: [mine.target],
      backoff: new ApiBackoff({ baseMs: 100, maxMs: 400 }),
      logger,
    });
    watch.start();
    try {
      // The emulator goes away under the long poll and stays away for a few receives.
      await new Promise(resolve => setTimeout(resolve, 200));
      await emulator.close();
      await until(
        'receives failing',
        () => lines.filter(l => l.msg === 'interruption queue receive failed').length >= 2,
        20_000,
        50,
      );
      emulator = await startAwsEmulator({ port });
      await createQueue(emulator.endpoint, 'b50-drop');
      await send(emulator.endpoint, queueUrl, spotWarning('i-0aaaaaaaaaaaaaaa3'));
      await until('warning handled after the outage', () => mine.seen.length === 1, 20_000, 50);
      const delays = lines
        .filter(l => l.msg === 'interruption queue receive failed')
        .map(l => (l as unknown as { delayMs: number }).delayMs);
      // Growing, within the bounds: 100 ms doubling to 400 ms, half of each jittered.
      expect(delays[0]).toBeLessThanOrEqual(100);
      expect(Math.max(...delays)).toBeLessThanOrEqual(400);
      expect(delays.length).toBeGreaterThanOrEqual(2);
    } finally {
      await watch.close();
      await emulator.close();
    }
  });
});
