import { FleetingError } from '../errors';
import type { ConnectInfo } from '../port/connector-config';
import { dialTargetOf } from './dial-target';

function info(overrides: Partial<ConnectInfo>): ConnectInfo {
  return {
    id: 'i-1',
    internalAddr: '10.0.0.5',
    os: 'linux',
    arch: 'amd64',
    protocol: 'ssh',
    protocolPort: 22,
    username: 'ec2-user',
    ...overrides,
  };
}

describe('dialTargetOf', () => {
  it.each([
    ['internal host, default port', info({}), false, { host: '10.0.0.5', port: 22 }],
    [
      'internal host:port',
      info({ internalAddr: '10.0.0.5:2222' }),
      false,
      { host: '10.0.0.5', port: 2222 },
    ],
    [
      'external when asked',
      info({ externalAddr: '203.0.113.9' }),
      true,
      { host: '203.0.113.9', port: 22 },
    ],
    ['internal when external missing', info({}), true, { host: '10.0.0.5', port: 22 }],
    [
      'internal when external empty',
      info({ externalAddr: '' }),
      true,
      { host: '10.0.0.5', port: 22 },
    ],
    [
      'internal unless asked',
      info({ externalAddr: '203.0.113.9' }),
      false,
      { host: '10.0.0.5', port: 22 },
    ],
    ['bare IPv6', info({ internalAddr: 'fd00::5' }), false, { host: 'fd00::5', port: 22 }],
    [
      'bracketed IPv6 with port',
      info({ internalAddr: '[fd00::5]:2200' }),
      false,
      { host: 'fd00::5', port: 2200 },
    ],
  ])('%s', (_label, input, useExternal, expected) => {
    expect(dialTargetOf(input, useExternal)).toEqual(expected);
  });

  it.each([
    info({ internalAddr: '' }),
    info({ protocolPort: 0 }),
    info({ internalAddr: 'h:70000' }),
  ])('refuses an unusable address %#', input => {
    expect(() => dialTargetOf(input, false)).toThrow(FleetingError);
  });
});
