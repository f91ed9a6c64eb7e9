import { EmulatorError } from '../errors';
import type { AwsModel } from '../model/aws-model';
import { requireInstance, terminateFromOutside } from './admin-operations';

/** AWS gives a spot instance two minutes between the warning and the reclaim. */
export const SPOT_WARNING_LEAD_MS = 120_000;

/** Options of {@link warnSpotInterruption}. */
export interface SpotInterruptionOptions {
  /** The queue an EventBridge rule would deliver the event to. */
  readonly queueName: string;
  /** Time from the warning to the reclaim; AWS's is two minutes. */
  readonly delayMs: number;
}

/** What {@link warnSpotInterruption} did. */
export interface SpotInterruptionResult {
  readonly messageId: string;
  readonly reclaimAtMs: number;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Emits the "EC2 Spot Instance Interruption Warning" event for a running instance, as an
 * EventBridge rule with an SQS target delivers it, and reclaims the instance (terminated from
 * outside with Server.SpotInstanceTermination) after the delay.
 */
export function warnSpotInterruption(
  model: AwsModel,
  instanceId: string,
  options: SpotInterruptionOptions,
): SpotInterruptionResult {
  const instance = requireInstance(model, instanceId);
  if (instance.state !== 'running' && instance.state !== 'pending') {
    throw new EmulatorError(
      'conflict',
      `could not warn of a spot interruption: instance ${instanceId} is ${instance.state}`,
    );
  }
  const queue = model.sqs.all().find(q => q.name === options.queueName);
  if (queue === undefined) {
    throw new EmulatorError('not-found', `could not find queue ${options.queueName}`);
  }
  const { ctx } = model;
  const nowMs = ctx.clock.now();
  const event = {
    version: '0',
    id: ctx.random.uuid(),
    'detail-type': 'EC2 Spot Instance Interruption Warning',
    source: 'aws.ec2',
    account: ctx.accountId,
    time: isoSeconds(nowMs),
    region: ctx.region,
    resources: [`arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
  };
  const message = model.sqs.send(queue, JSON.stringify(event));
  ctx.scheduler.after(options.delayMs, () => {
    const current = model.ec2.get(instanceId);
    if (current !== undefined && (current.state === 'running' || current.state === 'pending')) {
      terminateFromOutside(model, instanceId, 'spot');
    }
  });
  ctx.logger.info({ instanceId, delayMs: options.delayMs }, 'spot interruption warned');
  return { messageId: message.messageId, reclaimAtMs: nowMs + options.delayMs };
}
