import type { InterruptionNotice } from '@taskfleet/fleeting';
import { z } from 'zod';

/** EventBridge's detail-type of the two-minute spot warning. */
export const SPOT_WARNING_DETAIL_TYPE = 'EC2 Spot Instance Interruption Warning';
/** EventBridge's detail-type of a rebalance recommendation. */
export const REBALANCE_DETAIL_TYPE = 'EC2 Instance Rebalance Recommendation';

const eventSchema = z.object({
  source: z.literal('aws.ec2'),
  'detail-type': z.enum([SPOT_WARNING_DETAIL_TYPE, REBALANCE_DETAIL_TYPE]),
  time: z.iso.datetime(),
  detail: z.object({
    'instance-id': z.string().regex(/^i-[0-9a-f]{8,17}$/),
    'instance-action': z.string().min(1).optional(),
  }),
});

/** A message body read as an interruption notice, or why it is none. */
export type ParsedInterruption =
  | { readonly notice: InterruptionNotice }
  | { readonly notice?: undefined; readonly problem: string };

/**
 * Reads an SQS message body as EventBridge delivers an EC2 event to a queue target (the event
 * itself as JSON); anything else (another event, a test message, bad JSON) is no notice.
 */
export function parseInterruptionEvent(body: string): ParsedInterruption {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map(i => i.path.join('.') || 'event').join(', ');
    return { problem: `not an EC2 interruption event (${where})` };
  }
  const event = parsed.data;
  const instanceId = event.detail['instance-id'];
  const noticedAtMs = Date.parse(event.time);
  if (event['detail-type'] === REBALANCE_DETAIL_TYPE) {
    return { notice: { kind: 'rebalance_recommendation', instanceId, noticedAtMs } };
  }
  const action = event.detail['instance-action'] ?? 'terminate';
  return { notice: { kind: 'spot_warning', instanceId, noticedAtMs, action } };
}
