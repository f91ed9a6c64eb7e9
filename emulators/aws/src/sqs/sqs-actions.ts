import { AwsApiError } from '../errors';
import type { AwsModel } from '../model/aws-model';
import type { SqsMessage, SqsQueue } from './queue-store';

/** What an SQS action needs beyond its input: the base URL the client called, for QueueUrl. */
export interface SqsCall {
  readonly model: AwsModel;
  readonly baseUrl: string;
  readonly input: Record<string, unknown>;
}

type SqsHandler = (call: SqsCall) => Record<string, unknown> | Promise<Record<string, unknown>>;

function text(input: Record<string, unknown>, name: string, required: true): string;
function text(input: Record<string, unknown>, name: string, required: false): string | undefined;
function text(input: Record<string, unknown>, name: string, required: boolean) {
  const value = input[name];
  if (value === undefined || value === null) {
    if (required) {
      throw new AwsApiError('MissingParameter', `The request must contain the parameter ${name}.`);
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new AwsApiError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  }
  return value;
}

function integer(
  input: Record<string, unknown>,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < bounds.min ||
    value > bounds.max
  ) {
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: Must be between ${bounds.min} and ${bounds.max}, if provided.`,
    );
  }
  return value;
}

function stringMap(input: Record<string, unknown>, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsApiError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function queueUrl(call: SqsCall, queue: SqsQueue): string {
  return `${call.baseUrl}/${call.model.ctx.accountId}/${queue.name}`;
}

/** The queue a QueueUrl names: the last path segment, under this account. */
function queueOf(call: SqsCall): SqsQueue {
  const url = text(call.input, 'QueueUrl', true);
  const parts = URL.canParse(url) ? new URL(url).pathname.split('/').filter(Boolean) : [];
  if (parts.length !== 2 || parts[0] !== call.model.ctx.accountId) {
    throw new AwsApiError(
      'AWS.SimpleQueueService.NonExistentQueue',
      'The specified queue does not exist.',
    );
  }
  return call.model.sqs.get(parts[1] ?? '');
}

function wantsAttribute(input: Record<string, unknown>, name: string): boolean {
  const asked = [input.AttributeNames, input.MessageSystemAttributeNames].flatMap((v): unknown[] =>
    Array.isArray(v) ? (v as unknown[]) : [],
  );
  return asked.includes('All') || asked.includes(name);
}

function messageView(input: Record<string, unknown>, message: SqsMessage): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  if (wantsAttribute(input, 'SentTimestamp')) {
    attributes.SentTimestamp = String(message.sentAtMs);
  }
  if (wantsAttribute(input, 'ApproximateReceiveCount')) {
    attributes.ApproximateReceiveCount = String(message.receiveCount);
  }
  if (wantsAttribute(input, 'ApproximateFirstReceiveTimestamp')) {
    attributes.ApproximateFirstReceiveTimestamp = String(message.firstReceivedAtMs ?? '');
  }
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
  };
}

/** The SQS actions the emulator answers (AWS JSON 1.0, as `@aws-sdk/client-sqs` v3 speaks it). */
export const sqsActions: ReadonlyMap<string, SqsHandler> = new Map<string, SqsHandler>([
  [
    'CreateQueue',
    call => {
      const queue = call.model.sqs.create(
        text(call.input, 'QueueName', true),
        stringMap(call.input, 'Attributes'),
      );
      return { QueueUrl: queueUrl(call, queue) };
    },
  ],
  [
    'GetQueueUrl',
    call => ({ QueueUrl: queueUrl(call, call.model.sqs.get(text(call.input, 'QueueName', true))) }),
  ],
  [
    'SendMessage',
    call => {
      const queue = queueOf(call);
      if ((integer(call.input, 'DelaySeconds', { min: 0, max: 900 }) ?? 0) > 0) {
        throw new AwsApiError(
          'InvalidParameterValue',
          'DelaySeconds is not modelled by this emulator.',
        );
      }
      const message = call.model.sqs.send(queue, text(call.input, 'MessageBody', true));
      return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
    },
  ],
  [
    'ReceiveMessage',
    async call => {
      const queue = queueOf(call);
      const messages = await call.model.sqs.receive(queue, {
        maxMessages: integer(call.input, 'MaxNumberOfMessages', { min: 1, max: 10 }) ?? 1,
        waitTimeSec: integer(call.input, 'WaitTimeSeconds', { min: 0, max: 20 }) ?? 0,
        visibilityTimeoutSec: integer(call.input, 'VisibilityTimeout', { min: 0, max: 43_200 }),
      });
      // SQS leaves Messages out of an empty answer.
      return messages.length === 0
        ? {}
        : { Messages: messages.map(m => messageView(call.input, m)) };
    },
  ],
  [
    'DeleteMessage',
    call => {
      call.model.sqs.delete(queueOf(call), text(call.input, 'ReceiptHandle', true));
      return {};
    },
  ],
]);
