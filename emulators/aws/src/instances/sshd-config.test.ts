import { renderSshdConfig } from './sshd-config';

describe('renderSshdConfig', () => {
  const config = renderSshdConfig({
    listenAddress: '127.12.34.56',
    port: 2222,
    hostKeyPath: '/var/tmp/x/i-1/ssh_host_ed25519_key',
    temporaryKeysPath: '/var/tmp/x/i-1/eic_keys',
    osUser: 'ec2-user',
    clientAliveIntervalSec: 10,
  });
  const lines = config.trim().split('\n');

  it('listens only on the instance address and port', () => {
    expect(lines.filter(line => line.startsWith('ListenAddress'))).toEqual([
      'ListenAddress 127.12.34.56:2222',
    ]);
  });

  it('allows public keys for the one user, from the home and the Instance Connect file', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin no',
        'AllowUsers ec2-user',
        'AuthorizedKeysFile .ssh/authorized_keys /var/tmp/x/i-1/eic_keys',
        'PidFile none',
        'UsePAM no',
      ]),
    );
  });
});
