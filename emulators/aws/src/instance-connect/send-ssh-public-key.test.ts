import { generateKeyPairSync } from 'node:crypto';

import { SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';

import { generateSshKeyPair } from '../ec2/ssh-keys';
import { createGroup, startFixture } from '../testing/emulator-fixture';
import type { EmulatorFixture } from '../testing/emulator-fixture';

const rejection = async (
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined }> => {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
};

describe('SendSSHPublicKey through the real SDK', () => {
  let f: EmulatorFixture;
  let instanceId: string;
  const key = generateSshKeyPair(
    'ed25519',
    'test-key-comment-that-makes-it-long-enough-for-the-80-char-minimum',
  ).publicKey;

  beforeEach(async () => {
    f = await startFixture();
    await createGroup(f, { name: 'g', desired: 1 });
    const out = await f.sdk.ec2.send(new DescribeInstancesCommand({}));
    instanceId = out.Reservations?.[0]?.Instances?.[0]?.InstanceId ?? '';
  });
  afterEach(async () => {
    await f.close();
  });

  it('refuses a pending instance, then authorizes the key on the instance for exactly 60 s', async () => {
    const send = (): Promise<unknown> =>
      f.sdk.instanceConnect.send(
        new SendSSHPublicKeyCommand({
          InstanceId: instanceId,
          InstanceOSUser: 'ec2-user',
          SSHPublicKey: key,
        }),
      );
    expect(await rejection(send())).toEqual({
      name: 'EC2InstanceStateInvalidException',
      status: 400,
    });
    await f.advance(1000);
    const out = (await send()) as { Success?: boolean; RequestId?: string };
    expect(out.Success).toBe(true);
    expect(out.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    const record = f.host.launched.get(instanceId);
    expect([...(record?.temporaryKeys.values() ?? [])]).toEqual([key]);
    await f.advance(59_999);
    expect(record?.temporaryKeys.size).toBe(1);
    await f.advance(1);
    expect(record?.temporaryKeys.size).toBe(0);
    const pushed = f.emulator.state.snapshot().pushedKeys as {
      revoked: boolean;
      authorized: boolean;
    }[];
    expect(pushed).toEqual([expect.objectContaining({ revoked: true, authorized: true })]);
  });

  it('accepts a key with the trailing newline of a .pub file, as EC2 does', async () => {
    await f.advance(1000);
    const out = await f.sdk.instanceConnect.send(
      new SendSSHPublicKeyCommand({
        InstanceId: instanceId,
        InstanceOSUser: 'ec2-user',
        SSHPublicKey: `${key}\n`,
      }),
    );
    expect(out.Success).toBe(true);
    const record = f.host.launched.get(instanceId);
    expect([...(record?.temporaryKeys.values() ?? [])]).toEqual([key]);
  });

  it('accepts a key for another OS user without authorizing it on the instance', async () => {
    await f.advance(1000);
    await f.sdk.instanceConnect.send(
      new SendSSHPublicKeyCommand({
        InstanceId: instanceId,
        InstanceOSUser: 'ubuntu',
        SSHPublicKey: key,
      }),
    );
    expect(f.host.launched.get(instanceId)?.temporaryKeys.size).toBe(0);
  });

  it.each([
    [
      'a short instance id',
      { InstanceId: 'i-1', InstanceOSUser: 'ec2-user' },
      'InvalidArgsException',
    ],
    [
      'an upper-case instance id',
      { InstanceId: 'i-0123456789ABCDEF0', InstanceOSUser: 'ec2-user' },
      'InvalidArgsException',
    ],
    ['an empty user', { InstanceOSUser: '' }, 'InvalidArgsException'],
    ['a user over 32 characters', { InstanceOSUser: 'u'.repeat(33) }, 'InvalidArgsException'],
    ['a key under 80 characters', { SSHPublicKey: 'ssh-ed25519 AAAA' }, 'InvalidArgsException'],
    ['a key that is not OpenSSH', { SSHPublicKey: 'x'.repeat(100) }, 'InvalidArgsException'],
    ['a wrong availability zone', { AvailabilityZone: 'us-east-1f' }, 'InvalidArgsException'],
    ['an unknown instance', { InstanceId: 'i-0123456789abcdef0' }, 'EC2InstanceNotFoundException'],
  ])('rejects %s', async (_label, override, code) => {
    await f.advance(1000);
    const input = {
      InstanceId: instanceId,
      InstanceOSUser: 'ec2-user',
      SSHPublicKey: key,
      ...override,
    };
    expect(await rejection(f.sdk.instanceConnect.send(new SendSSHPublicKeyCommand(input)))).toEqual(
      { name: code, status: 400 },
    );
  });

  it('rejects an RSA key shorter than 2048 bits', async () => {
    await f.advance(1000);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = publicKey.export({ format: 'jwk' });
    const part = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const n = Buffer.from(jwk.n ?? '', 'base64url');
    const blob = Buffer.concat([
      part(Buffer.from('ssh-rsa')),
      part(Buffer.from(jwk.e ?? '', 'base64url')),
      Buffer.concat([Buffer.from([0, 0, 0, n.length + 1, 0]), n]),
    ]);
    const weak = `ssh-rsa ${blob.toString('base64')} weak`;
    expect(
      await rejection(
        f.sdk.instanceConnect.send(
          new SendSSHPublicKeyCommand({
            InstanceId: instanceId,
            InstanceOSUser: 'ec2-user',
            SSHPublicKey: weak,
          }),
        ),
      ),
    ).toEqual({ name: 'InvalidArgsException', status: 400 });
  });
});
