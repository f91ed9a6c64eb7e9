import { FleetingError } from '../errors';
import { buildConnectInfo } from './build-connect-info';

const found = { id: 'i-1', internalAddr: '10.0.0.5', defaultUsername: 'ec2-user' };

describe('buildConnectInfo', () => {
  it('fills defaults from the instance and the protocol', () => {
    expect(buildConnectInfo({}, found)).toEqual({
      id: 'i-1',
      internalAddr: '10.0.0.5',
      os: 'linux',
      arch: 'amd64',
      protocol: 'ssh',
      protocolPort: 22,
      username: 'ec2-user',
    });
  });

  it('lets connector settings override what the cloud reports', () => {
    const info = buildConnectInfo(
      { os: 'linux', arch: 'arm64', username: 'ci', protocolPort: 2222, useExternalAddr: true },
      { ...found, os: 'darwin', arch: 'amd64', externalAddr: '203.0.113.7' },
    );
    expect(info).toMatchObject({
      os: 'linux',
      arch: 'arm64',
      username: 'ci',
      protocolPort: 2222,
      externalAddr: '203.0.113.7',
      useExternalAddr: true,
    });
  });

  it('picks winrm and its port for windows instances', () => {
    expect(buildConnectInfo({}, { ...found, os: 'windows' })).toMatchObject({
      protocol: 'winrm',
      protocolPort: 5985,
    });
    expect(buildConnectInfo({ protocol: 'winrm+https' }, found).protocolPort).toBe(5986);
  });

  it('prefers credentials provisioned for this connection over static ones', () => {
    const staticKey = Buffer.from('static');
    const pushedKey = Buffer.from('pushed');
    expect(buildConnectInfo({ key: staticKey }, found).key).toBe(staticKey);
    const pushed = buildConnectInfo(
      { key: staticKey },
      { ...found, key: pushedKey, expiresAtMs: 5 },
    );
    expect(pushed).toMatchObject({ key: pushedKey, expiresAtMs: 5 });
  });

  it('refuses an instance with no username from either side', () => {
    expect(() => buildConnectInfo({}, { id: 'i-1', internalAddr: '10.0.0.5' })).toThrow(
      FleetingError,
    );
  });
});
