import { createHash } from 'node:crypto';

import type { TimerHandle } from '../clock';
import { AwsApiError } from '../errors';
import type { ModelContext } from '../model/context';

/** SQS's default visibility timeout (30 s) and its bounds, in seconds. */
const DEFAULT_VISIBILITY_SEC = 30;
const MAX_VISIBILITY_SEC = 43_200;
/** SQS keeps a message four days unless the queue says otherwise. */
const RETENTION_MS = 4 * 24 * 3_600_000;

/** One message on a queue. */
export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly sentAtMs: number;
  receiptHandle: string | undefined;
  visibleAtMs: number;
  receiveCount: number;
  firstReceivedAtMs: number | undefined;
}

/** One standard queue (FIFO queues are refused at creation). */
export interface SqsQueue {
  readonly name: string;
  readonly createdAtMs: number;
  readonly visibilityTimeoutSec: number;
  readonly messages: SqsMessage[];
  /** Long polls waiting for a message, woken on every send. */
  readonly waiters: Set<() => void>;
}

/** What one ReceiveMessage asks for. */
export interface ReceiveInput {
  readonly maxMessages: number;
  readonly waitTimeSec: number;
  readonly visibilityTimeoutSec: number | undefined;
}

/** The MD5 of a body in hex, as SQS reports it in MD5OfBody / MD5OfMessageBody. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function nonExistentQueue(): AwsApiError {
  return new AwsApiError(
    'AWS.SimpleQueueService.NonExistentQueue',
    'The specified queue does not exist.',
  );
}

/** The queues of the emulated account, with visibility timeouts and long polls on the model clock. */
export class SqsQueueStore {
  private readonly queues = new Map<string, SqsQueue>();

  constructor(private readonly ctx: ModelContext) {}

  /** Creates a queue, or returns the one of that name when its attributes match (as SQS does). */
  create(name: string, attributes: Readonly<Record<string, string>>): SqsQueue {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new AwsApiError(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    if (attributes.FifoQueue === 'true') {
      throw new AwsApiError(
        'InvalidAttributeName',
        'FIFO queues are not modelled by this emulator.',
      );
    }
    const visibility = attributes.VisibilityTimeout ?? String(DEFAULT_VISIBILITY_SEC);
    const visibilityTimeoutSec = Number(visibility);
    if (!/^\d+$/.test(visibility) || visibilityTimeoutSec > MAX_VISIBILITY_SEC) {
      throw new AwsApiError(
        'InvalidAttributeValue',
        `Invalid value for the parameter VisibilityTimeout.`,
      );
    }
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      if (existing.visibilityTimeoutSec !== visibilityTimeoutSec) {
        throw new AwsApiError(
          'QueueAlreadyExists',
          `A queue already exists with the same name and a different value for attribute VisibilityTimeout`,
        );
      }
      return existing;
    }
    const queue: SqsQueue = {
      name,
      createdAtMs: this.ctx.clock.now(),
      visibilityTimeoutSec,
      messages: [],
      waiters: new Set(),
    };
    this.queues.set(name, queue);
    return queue;
  }

  /** The queue of that name, or NonExistentQueue. */
  get(name: string): SqsQueue {
    const queue = this.queues.get(name);
    if (queue === undefined) {
      throw nonExistentQueue();
    }
    return queue;
  }

  /** Every queue, for the state snapshot. */
  all(): SqsQueue[] {
    return [...this.queues.values()];
  }

  /** Puts a message on the queue and wakes its long polls; returns the message. */
  send(queue: SqsQueue, body: string): SqsMessage {
    if (body.length === 0) {
      throw new AwsApiError(
        'MissingParameter',
        'The request must contain the parameter MessageBody.',
      );
    }
    const message: SqsMessage = {
      messageId: this.ctx.random.uuid(),
      body,
      md5OfBody: md5Hex(body),
      sentAtMs: this.ctx.clock.now(),
      receiptHandle: undefined,
      visibleAtMs: this.ctx.clock.now(),
      receiveCount: 0,
      firstReceivedAtMs: undefined,
    };
    queue.messages.push(message);
    for (const wake of [...queue.waiters]) {
      wake();
    }
    return message;
  }

  /**
   * Takes up to `maxMessages` visible messages, hiding each for the visibility timeout; with
   * none visible it waits up to `waitTimeSec` (a long poll) for a send or a message to reappear.
   */
  async receive(queue: SqsQueue, input: ReceiveInput): Promise<SqsMessage[]> {
    const taken = this.take(queue, input);
    if (taken.length > 0 || input.waitTimeSec === 0) {
      return taken;
    }
    const deadlineMs = this.ctx.clock.now() + input.waitTimeSec * 1000;
    return new Promise(resolve => {
      let timer: TimerHandle | undefined;
      const finish = (messages: SqsMessage[]): void => {
        queue.waiters.delete(tryTake);
        this.ctx.scheduler.cancel(timer);
        timer = undefined;
        resolve(messages);
      };
      const tryTake = (): void => {
        const messages = this.take(queue, input);
        if (messages.length > 0) {
          finish(messages);
        } else if (this.ctx.clock.now() >= deadlineMs) {
          finish([]);
        } else {
          // A hidden message may become visible before the deadline: look again then.
          const nextVisibleMs = Math.min(
            deadlineMs,
            ...queue.messages.map(m => m.visibleAtMs).filter(t => t > this.ctx.clock.now()),
          );
          this.ctx.scheduler.cancel(timer);
          timer = this.ctx.scheduler.after(nextVisibleMs - this.ctx.clock.now(), tryTake);
        }
      };
      queue.waiters.add(tryTake);
      tryTake();
    });
  }

  /** Deletes the message the handle was given for; an unknown handle is ReceiptHandleIsInvalid. */
  delete(queue: SqsQueue, receiptHandle: string): void {
    const index = queue.messages.findIndex(m => m.receiptHandle === receiptHandle);
    if (index >= 0) {
      queue.messages.splice(index, 1);
      return;
    }
    if (!receiptHandle.startsWith(`${queue.name}:`)) {
      throw new AwsApiError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    }
    // A handle of this queue whose message is gone already: SQS answers success.
  }

  private take(queue: SqsQueue, input: ReceiveInput): SqsMessage[] {
    const nowMs = this.ctx.clock.now();
    this.expire(queue, nowMs);
    const hiddenForMs = (input.visibilityTimeoutSec ?? queue.visibilityTimeoutSec) * 1000;
    const taken: SqsMessage[] = [];
    for (const message of queue.messages) {
      if (taken.length >= input.maxMessages) {
        break;
      }
      if (message.visibleAtMs > nowMs) {
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAtMs ??= nowMs;
      message.visibleAtMs = nowMs + hiddenForMs;
      // A new handle per receive: an older one no longer deletes the message.
      message.receiptHandle = `${queue.name}:${message.messageId}:${this.ctx.random.uuid()}`;
      taken.push(message);
    }
    return taken;
  }

  private expire(queue: SqsQueue, nowMs: number): void {
    const kept = queue.messages.filter(m => nowMs - m.sentAtMs < RETENTION_MS);
    queue.messages.splice(0, queue.messages.length, ...kept);
  }
}
