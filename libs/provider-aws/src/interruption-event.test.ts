import { parseInterruptionEvent } from './interruption-event';

const warning = {
  version: '0',
  id: '1e5527d7-bb36-4607-3370-4164db56a40e',
  'detail-type': 'EC2 Spot Instance Interruption Warning',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-12-03T17:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1a:instance/i-0b662ef9931388ba0'],
  detail: { 'instance-id': 'i-0b662ef9931388ba0', 'instance-action': 'terminate' },
};

describe('parseInterruptionEvent', () => {
  it('reads a spot interruption warning as EventBridge puts it on a queue', () => {
    expect(parseInterruptionEvent(JSON.stringify(warning))).toEqual({
      notice: {
        kind: 'spot_warning',
        instanceId: 'i-0b662ef9931388ba0',
        noticedAtMs: Date.parse('2026-12-03T17:00:00Z'),
        action: 'terminate',
      },
    });
  });

  it('reads a rebalance recommendation', () => {
    const event = {
      ...warning,
      'detail-type': 'EC2 Instance Rebalance Recommendation',
      detail: { 'instance-id': 'i-0b662ef9931388ba0' },
    };
    expect(parseInterruptionEvent(JSON.stringify(event)).notice).toMatchObject({
      kind: 'rebalance_recommendation',
      instanceId: 'i-0b662ef9931388ba0',
    });
  });

  it.each([
    ['bad JSON', '{"source":', /not JSON/],
    ['another source', JSON.stringify({ ...warning, source: 'aws.autoscaling' }), /source/],
    [
      'another event',
      JSON.stringify({ ...warning, 'detail-type': 'EC2 Instance State-change Notification' }),
      /detail-type/,
    ],
    ['no instance id', JSON.stringify({ ...warning, detail: {} }), /detail\.instance-id/],
    ['an SNS envelope', JSON.stringify({ Type: 'Notification', Message: '{}' }), /source/],
  ])('gives no notice for %s, with why', (_what, body, why) => {
    const parsed = parseInterruptionEvent(body);
    expect(parsed.notice).toBeUndefined();
    expect(parsed).toMatchObject({ problem: expect.stringMatching(why) as unknown });
  });
});
