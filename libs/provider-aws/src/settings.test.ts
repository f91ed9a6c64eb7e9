import { FleetingError } from '@taskfleet/fleeting';

import { resolveSettings } from './settings';

describe('resolveSettings', () => {
  it('applies the plugin defaults', () => {
    const settings = resolveSettings({ name: 'runners', region: 'eu-west-1' });

    expect(settings.connector).toEqual({
      username: 'ec2-user',
      protocolPort: 22,
      useStaticCredentials: false,
      useExternalAddr: false,
      key: undefined,
      keepaliveMs: undefined,
      timeoutMs: undefined,
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      resolveSettings({
        name: '',
        region: '',
        endpoint: 'ftp://127.0.0.1',
        connector: { protocolPort: 70_000, username: 'x'.repeat(40) },
      });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(FleetingError);
    expect(caught).toMatchObject({ code: 'invalid_config', retryable: false });
    const message = (caught as Error).message;
    for (const part of ['name', 'region', 'endpoint', 'protocolPort', 'username']) {
      expect(message).toContain(part);
    }
  });

  it('refuses a group ARN in place of a name', () => {
    expect(() =>
      resolveSettings({
        name: 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/y',
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
