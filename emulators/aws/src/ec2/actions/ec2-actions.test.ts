import { createPrivateKey } from 'node:crypto';

import {
  CreateAutoScalingGroupCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  ImportKeyPairCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import type { Instance } from '@aws-sdk/client-ec2';

import { createGroup, startFixture } from '../../testing/emulator-fixture';
import type { EmulatorFixture } from '../../testing/emulator-fixture';
import { parseOpenSshPublicKey } from '../ssh-keys';

const rejection = async (
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined }> => {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
};

describe('EC2 actions through the real SDK', () => {
  let f: EmulatorFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const instances = async (
    input: ConstructorParameters<typeof DescribeInstancesCommand>[0] = {},
  ): Promise<Instance[]> => {
    const out = await f.sdk.ec2.send(new DescribeInstancesCommand(input));
    return (out.Reservations ?? []).flatMap(r => r.Instances ?? []);
  };

  it('CreateLaunchTemplate: ClientToken idempotency, taken and malformed names', async () => {
    const input = {
      LaunchTemplateName: 'runner-lt',
      LaunchTemplateData: { ImageId: 'ami-1', InstanceType: 't3.micro' as const },
      ClientToken: 'tok-1',
    };
    const first = await f.sdk.ec2.send(new CreateLaunchTemplateCommand(input));
    expect(first.LaunchTemplate).toMatchObject({
      LaunchTemplateName: 'runner-lt',
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
    });
    expect(first.LaunchTemplate?.LaunchTemplateId).toMatch(/^lt-[0-9a-f]{17}$/);
    const again = await f.sdk.ec2.send(new CreateLaunchTemplateCommand(input));
    expect(again.LaunchTemplate?.LaunchTemplateId).toBe(first.LaunchTemplate?.LaunchTemplateId);
    expect(
      await rejection(
        f.sdk.ec2.send(new CreateLaunchTemplateCommand({ ...input, ClientToken: 'tok-2' })),
      ),
    ).toEqual({
      name: 'InvalidLaunchTemplateName.AlreadyExistsException',
      message: 'Launch template name already in use.',
      status: 400,
    });
    expect(
      await rejection(
        f.sdk.ec2.send(
          new CreateLaunchTemplateCommand({
            ...input,
            LaunchTemplateName: 'x',
            ClientToken: 'tok-3',
          }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidLaunchTemplateName.MalformedException',
    });
  });

  it('DescribeLaunchTemplates finds by name and id, and reports unknown ones with AWS codes', async () => {
    const created = await f.sdk.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'lt-a',
        LaunchTemplateData: { ImageId: 'ami-1' },
      }),
    );
    const byName = await f.sdk.ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['lt-a'] }),
    );
    expect(byName.LaunchTemplates?.map(t => t.LaunchTemplateId)).toEqual([
      created.LaunchTemplate?.LaunchTemplateId,
    ]);
    const all = await f.sdk.ec2.send(
      new DescribeLaunchTemplatesCommand({
        Filters: [{ Name: 'launch-template-name', Values: ['lt-*'] }],
      }),
    );
    expect(all.LaunchTemplates).toHaveLength(1);
    expect(
      await rejection(
        f.sdk.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] })),
      ),
    ).toMatchObject({
      name: 'InvalidLaunchTemplateName.NotFoundException',
      status: 400,
    });
    expect(
      await rejection(
        f.sdk.ec2.send(
          new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0123456789abcdef0'] }),
        ),
      ),
    ).toEqual({
      name: 'InvalidLaunchTemplateId.NotFound',
      message:
        'The specified launch template, with template ID lt-0123456789abcdef0, does not exist.',
      status: 400,
    });
  });

  it('CreateKeyPair returns a usable private key whose public half goes to launched instances', async () => {
    const rsa = await f.sdk.ec2.send(new CreateKeyPairCommand({ KeyName: 'rsa-key' }));
    expect(rsa.KeyMaterial).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(() => createPrivateKey(rsa.KeyMaterial ?? '')).not.toThrow();
    expect(rsa.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    const ed = await f.sdk.ec2.send(
      new CreateKeyPairCommand({ KeyName: 'ed-key', KeyType: 'ed25519' }),
    );
    expect(ed.KeyMaterial).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(
      await rejection(f.sdk.ec2.send(new CreateKeyPairCommand({ KeyName: 'rsa-key' }))),
    ).toEqual({
      name: 'InvalidKeyPair.Duplicate',
      message: "The keypair 'rsa-key' already exists.",
      status: 400,
    });
    const keys = await f.sdk.ec2.send(
      new DescribeKeyPairsCommand({ KeyNames: ['rsa-key'], IncludePublicKey: true }),
    );
    const publicKey = keys.KeyPairs?.[0]?.PublicKey ?? '';
    expect(parseOpenSshPublicKey(publicKey)?.rsaBits).toBe(2048);
    await f.sdk.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'keyed',
        LaunchTemplateData: { ImageId: 'ami-1', KeyName: 'rsa-key' },
      }),
    );
    await f.sdk.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'keyed',
        LaunchTemplate: { LaunchTemplateName: 'keyed' },
        MinSize: 1,
        MaxSize: 1,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    await f.advance(0);
    expect([...f.host.launched.values()].map(r => r.spec.authorizedKeys)).toEqual([[publicKey]]);
  });

  it('ImportKeyPair accepts an OpenSSH public key and rejects garbage with InvalidKey.Format', async () => {
    const created = await f.sdk.ec2.send(
      new CreateKeyPairCommand({ KeyName: 'src', KeyType: 'ed25519' }),
    );
    const pub =
      (
        await f.sdk.ec2.send(
          new DescribeKeyPairsCommand({ KeyNames: ['src'], IncludePublicKey: true }),
        )
      ).KeyPairs?.[0]?.PublicKey ?? '';
    expect(created.KeyName).toBe('src');
    const imported = await f.sdk.ec2.send(
      new ImportKeyPairCommand({ KeyName: 'imported', PublicKeyMaterial: Buffer.from(pub) }),
    );
    expect(imported.KeyName).toBe('imported');
    expect(imported.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(
      await rejection(
        f.sdk.ec2.send(
          new ImportKeyPairCommand({ KeyName: 'bad', PublicKeyMaterial: Buffer.from('not a key') }),
        ),
      ),
    ).toEqual({
      name: 'InvalidKey.Format',
      message: 'Key is not in valid OpenSSH public key format',
      status: 400,
    });
  });

  it('DescribeInstances by id, group tag and state; the host address is the IP', async () => {
    await createGroup(f, { name: 'g', desired: 2 });
    await createGroup(f, { name: 'other', desired: 1 });
    let mine = await instances({
      Filters: [
        { Name: 'tag:aws:autoscaling:groupName', Values: ['g'] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
    });
    expect(mine.map(i => i.State?.Name)).toEqual(['pending', 'pending']);
    await f.advance(1000);
    mine = await instances({ Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['g'] }] });
    const first = mine[0];
    expect(first?.State).toEqual({ Code: 16, Name: 'running' });
    expect(first?.PrivateIpAddress).toBe(
      f.host.launched.get(first?.InstanceId ?? '')?.process.privateIp,
    );
    expect(first?.PublicIpAddress).toBe(first?.PrivateIpAddress);
    expect(first?.Placement?.AvailabilityZone).toMatch(/^us-east-1[ab]$/);
    expect(first?.KeyName).toBe('g-key');
    expect(first?.Tags).toEqual(
      expect.arrayContaining([{ Key: 'aws:autoscaling:groupName', Value: 'g' }]),
    );
    const byId = await instances({ InstanceIds: [first?.InstanceId ?? ''] });
    expect(byId.map(i => i.InstanceId)).toEqual([first?.InstanceId]);
    const byIdFilter = await instances({
      Filters: [{ Name: 'instance-id', Values: [first?.InstanceId ?? ''] }],
    });
    expect(byIdFilter).toHaveLength(1);
  });

  it('DescribeInstances errors: unknown and malformed ids, MaxResults with ids, an unknown filter', async () => {
    expect(await rejection(instances({ InstanceIds: ['i-0123456789abcdef0'] }))).toEqual({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0123456789abcdef0' does not exist",
      status: 400,
    });
    expect(await rejection(instances({ InstanceIds: ['bogus'] }))).toEqual({
      name: 'InvalidInstanceID.Malformed',
      message: 'Invalid id: "bogus"',
      status: 400,
    });
    expect(
      await rejection(instances({ InstanceIds: ['i-0123456789abcdef0'], MaxResults: 5 })),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(await rejection(instances({ MaxResults: 2 }))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await rejection(instances({ Filters: [{ Name: 'nope', Values: ['x'] }] })),
    ).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('DescribeInstances pages with MaxResults/NextToken until the token ends', async () => {
    await createGroup(f, { name: 'g', desired: 7 });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: f.sdk.ec2, pageSize: 5 }, {})) {
      pages++;
      seen.push(
        ...(page.Reservations ?? []).flatMap(r => (r.Instances ?? []).map(i => i.InstanceId ?? '')),
      );
    }
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(7);
  });

  it('TerminateInstances: shutting-down, terminated, kept a while, idempotent', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await f.advance(1000);
    const [victim] = await instances();
    const id = victim?.InstanceId ?? '';
    const out = await f.sdk.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(out.TerminatingInstances).toEqual([
      {
        InstanceId: id,
        CurrentState: { Code: 32, Name: 'shutting-down' },
        PreviousState: { Code: 16, Name: 'running' },
      },
    ]);
    expect(f.host.launched.get(id)?.terminated).toBe(true);
    await f.advance(500);
    const again = await f.sdk.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(again.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('terminated');
    const all = await instances();
    expect(all.map(i => i.State?.Name).sort()).toEqual(['pending', 'terminated']);
    expect(
      await rejection(
        f.sdk.ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
      ),
    ).toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
    await f.advance(3_600_000);
    expect((await instances()).map(i => i.State?.Name)).toEqual(['running']);
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 0 }),
    );
  });
});
