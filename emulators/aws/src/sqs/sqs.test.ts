import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';

import { createGroup, startFixture } from '../testing/emulator-fixture';
import type { EmulatorFixture } from '../testing/emulator-fixture';

describe('SQS on the emulator (JSON 1.0, as client-sqs v3 speaks it)', () => {
  let f: EmulatorFixture;
  let sqs: SQSClient;

  beforeEach(async () => {
    f = await startFixture();
    sqs = new SQSClient({
      endpoint: f.emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret' },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    sqs.destroy();
    await f.close();
  });

  const createQueue = async (name = 'warnings'): Promise<string> =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';

  it('creates a queue whose URL names the account, and finds it again by name', async () => {
    const url = await createQueue();
    expect(url).toBe(`${f.emulator.endpoint}/123456789012/warnings`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'warnings' }))).QueueUrl).toBe(url);
    // Creating it again with the same attributes is no error.
    expect(await createQueue()).toBe(url);
  });

  it('answers an unknown queue with QueueDoesNotExist', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('sends, receives (the SDK checks MD5OfBody), hides for the visibility timeout and deletes', async () => {
    const QueueUrl = await createQueue();
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'] }),
    );
    expect(first.Messages).toHaveLength(1);
    expect(first.Messages?.[0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'hello',
      Attributes: { ApproximateReceiveCount: '1' },
    });
    // Hidden for the queue's 30 s visibility timeout, then back with a new receipt handle.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    await f.advance(30_000);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    const handle = again.Messages?.[0]?.ReceiptHandle ?? '';
    expect(handle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: handle }));
    await f.advance(30_000);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'not-a-handle' })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  });

  it('holds a long poll open until a message arrives, and ends it empty at WaitTimeSeconds', async () => {
    const QueueUrl = await createQueue();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await f.advance(5_000);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    expect((await polling).Messages?.map(m => m.Body)).toEqual(['late']);
    const empty = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));
    await f.advance(2_000);
    expect((await empty).Messages).toBeUndefined();
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('admin spot-interruption: the EventBridge warning on the queue, then the reclaim after the delay', async () => {
    const QueueUrl = await createQueue();
    await createGroup(f, { name: 'g', desired: 1, protect: true });
    await f.advance(1000);
    const describe = async () =>
      (await f.sdk.autoscaling.send(new DescribeAutoScalingGroupsCommand({})))
        .AutoScalingGroups?.[0]?.Instances ?? [];
    const id = (await describe())[0]?.InstanceId ?? '';
    const warned = (await f.admin('POST', `/instances/${id}/spot-interruption`, {
      queueName: 'warnings',
      delayMs: 5_000,
    })) as { messageId: string; reclaimAtMs: number };
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(received.Messages?.[0]?.MessageId).toBe(warned.messageId);
    const event = JSON.parse(received.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.ec2',
      'detail-type': 'EC2 Spot Instance Interruption Warning',
      account: '123456789012',
      region: 'us-east-1',
      resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${id}`],
      detail: { 'instance-id': id, 'instance-action': 'terminate' },
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Still running until the delay has passed.
    await f.advance(4_999);
    expect((await describe()).find(i => i.InstanceId === id)?.LifecycleState).toBe('InService');
    await f.advance(1);
    expect((await describe()).find(i => i.InstanceId === id)?.LifecycleState).toBe('Terminating');
    const ec2 = await f.sdk.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(ec2.Reservations?.[0]?.Instances?.[0]?.StateReason?.Code).toBe(
      'Server.SpotInstanceTermination',
    );
  });

  it('admin spot-interruption: refused for an unknown queue or a terminated instance; 2 min by default', async () => {
    await createQueue();
    await createGroup(f, { name: 'g', desired: 1, protect: true });
    await f.advance(1000);
    const state = (await f.admin('GET', '/state')) as { instances: { instanceId: string }[] };
    const id = state.instances[0]?.instanceId ?? '';
    await expect(
      f.admin('POST', `/instances/${id}/spot-interruption`, { queueName: 'other' }),
    ).rejects.toThrow(/404/);
    const warned = (await f.admin('POST', `/instances/${id}/spot-interruption`, {
      queueName: 'warnings',
    })) as { reclaimAtMs: number };
    expect(warned.reclaimAtMs - f.clock.now()).toBe(120_000);
    await f.advance(120_000);
    await f.advance(1000);
    await expect(
      f.admin('POST', `/instances/${id}/spot-interruption`, { queueName: 'warnings' }),
    ).rejects.toThrow(/409/);
  });
});
