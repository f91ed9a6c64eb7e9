// The emulated instance's own sshd tells how many connections reached it (B50 checks that none
// did after a spot warning): each accepted TCP connection, a refused login included, is one
// "Connection from" line in sshd's VERBOSE log, and the count outlives the instance.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { Client } from 'ssh2';

import { createSshdInstanceHost } from '../../emulators/aws/src/instances';
import type { SshdInstanceHost, SshdInstanceProcess } from '../../emulators/aws/src/instances';
import { ed25519TestKey } from './support/ssh-key';

jest.setTimeout(60_000);

const launchKey = ed25519TestKey();

function login(instance: SshdInstanceProcess, privateKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => {
      resolve(client);
    });
    client.on('error', error => {
      client.end();
      reject(error);
    });
    client.connect({
      host: instance.privateIp,
      port: instance.sshPort,
      username: instance.osUser,
      privateKey,
      readyTimeout: 10_000,
    });
  });
}

describe('sshd connection count', () => {
  let stateRoot: string;
  let host: SshdInstanceHost;

  beforeAll(async () => {
    // Not under /tmp: each instance gets a private /tmp that would hide it.
    stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-sshd-count-'));
    host = createSshdInstanceHost({ stateRoot });
  });

  afterAll(async () => {
    await host.close();
    await rm(stateRoot, { recursive: true, force: true });
  });

  it("counts the connections the instance's sshd accepted, a refused login included", async () => {
    const instance = await host.launch({
      instanceId: `i-${process.pid.toString(16).padStart(8, '0')}c0ffee`,
      osUser: 'ec2-user',
      authorizedKeys: [launchKey.public],
      sshPort: 22,
      bootMode: 'ok',
    });
    // The host's own start-up probe may have connected already.
    const before = instance.sshdConnectionCount();
    try {
      (await login(instance, launchKey.private)).end();
      await expect(login(instance, ed25519TestKey().private)).rejects.toThrow();
      // sshd logs the line as it accepts; its stderr reaches us a moment later.
      for (let i = 0; i < 100 && instance.sshdConnectionCount() < before + 2; i++) {
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      expect(instance.sshdConnectionCount()).toBe(before + 2);
    } finally {
      await instance.terminate();
    }
    expect(instance.sshdConnectionCount()).toBe(before + 2);
  });
});
