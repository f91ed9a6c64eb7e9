import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { InterruptionMessage, InterruptionSource } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';
import { credentialsFor } from './credentials';
import { parseInterruptionEvent } from './interruption-event';
import { awsRequestHandlerOptions, sqsReceiveRequestTimeoutMs } from './request-timeouts';
import type { AwsClientOverrides } from './settings';

/** Options of {@link SqsInterruptionQueue}. */
export interface SqsInterruptionQueueOptions {
  /** The queue an EventBridge rule sends the EC2 interruption events to. */
  readonly queueUrl: string;
  readonly region?: string;
  readonly profile?: string;
  readonly configFile?: string;
  readonly credentialsFile?: string;
  /** An endpoint URL for emulators; the SDK then still sends each call to the queue URL's host. */
  readonly endpoint?: string;
  readonly clientOverrides?: AwsClientOverrides;
  /** Long-poll wait of one receive, 0–20 s. Default 20 (SQS's longest). */
  readonly waitTimeSeconds?: number;
  /**
   * How long a received message stays hidden before it is delivered again, unless deleted.
   * Default 30 s: a warning the leader could not handle comes back well within its two minutes.
   */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * The EC2 interruption events of an SQS queue (EventBridge → SQS): long-polls with the real
 * client, reads each body as a notice or says why it is none, deletes what it is told to.
 */
export class SqsInterruptionQueue implements InterruptionSource {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly waitTimeSeconds: number;
  private readonly visibilityTimeoutSeconds: number;
  private closed = false;

  constructor(options: SqsInterruptionQueueOptions) {
    this.queueUrl = options.queueUrl;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 20;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
    const overrides = options.clientOverrides ?? {};
    this.client = new SQSClient({
      credentials: credentialsFor({
        profile: options.profile,
        configFile: options.configFile,
        credentialsFile: options.credentialsFile,
        clientOverrides: overrides,
      }),
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      // Bounded like the group's clients, but above the long-poll wait so an empty receive is
      // an answer, not a timeout.
      requestHandler: awsRequestHandlerOptions(sqsReceiveRequestTimeoutMs(this.waitTimeSeconds)),
      ...(overrides.maxAttempts === undefined ? {} : { maxAttempts: overrides.maxAttempts }),
    });
  }

  async receive(signal?: AbortSignal): Promise<readonly InterruptionMessage[]> {
    let answer;
    try {
      answer = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: this.waitTimeSeconds,
          VisibilityTimeout: this.visibilityTimeoutSeconds,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw classifyAwsError(error, { action: 'receive interruption messages' });
    }
    return (answer.Messages ?? []).flatMap((message): InterruptionMessage[] => {
      if (message.ReceiptHandle === undefined) {
        return [];
      }
      const parsed = parseInterruptionEvent(message.Body ?? '');
      return [
        parsed.notice === undefined
          ? { handle: message.ReceiptHandle, problem: parsed.problem }
          : { handle: message.ReceiptHandle, notice: parsed.notice },
      ];
    });
  }

  async acknowledge(handle: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: handle }),
      );
    } catch (error) {
      throw classifyAwsError(error, { action: 'delete interruption message' });
    }
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.client.destroy();
    }
  }
}
