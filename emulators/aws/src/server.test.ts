import { XMLParser } from 'fast-xml-parser';

import { startAwsEmulator } from './emulator';
import type { AwsEmulator } from './emulator';
import { FakeInstanceHost, settle } from './testing/fake-instance-host';

describe('API server routing and wire shapes', () => {
  let emulator: AwsEmulator;
  const parser = new XMLParser({ ignoreAttributes: false });
  beforeEach(async () => {
    emulator = await startAwsEmulator({ randomSeed: 'server' });
  });
  afterEach(async () => {
    await emulator.close();
  });

  const post = async (
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; xml: Record<string, unknown>; text: string }> => {
    const response = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, xml: parser.parse(text) as Record<string, unknown>, text };
  };

  it('wraps Auto Scaling output in <OpResult> with the namespace, and errors in <ErrorResponse>', async () => {
    const described = await post('Action=DescribeAutoScalingGroups&Version=2011-01-01');
    expect(described.xml).toMatchObject({
      DescribeAutoScalingGroupsResponse: {
        '@_xmlns': 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
        DescribeAutoScalingGroupsResult: { AutoScalingGroups: '' },
        ResponseMetadata: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown },
      },
    });
    const suspended = await post(
      'Action=SuspendProcesses&Version=2011-01-01&AutoScalingGroupName=nope',
    );
    expect(suspended.status).toBe(400);
    expect(suspended.xml).toMatchObject({
      ErrorResponse: {
        Error: {
          Type: 'Sender',
          Code: 'ValidationError',
          Message: 'AutoScalingGroup name not found - null',
        },
      },
    });
  });

  it('routes on the SigV4 credential scope when the Version field is missing', async () => {
    const auth = (service: string): Record<string, string> => ({
      authorization:
        `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, ` +
        'SignedHeaders=host, Signature=00',
    });
    expect(
      (await post('Action=DescribeAutoScalingGroups', auth('autoscaling'))).xml,
    ).toHaveProperty('DescribeAutoScalingGroupsResponse');
    const ec2 = await post('Action=DescribeInstances', auth('ec2'));
    expect(ec2.xml).toMatchObject({
      DescribeInstancesResponse: { requestId: expect.any(String) as unknown, reservationSet: '' },
    });
  });

  it('answers unknown actions with InvalidAction in each dialect, and unknown services with an error', async () => {
    const asg = await post('Action=Nope&Version=2011-01-01');
    expect({
      status: asg.status,
      code: (asg.xml.ErrorResponse as { Error: { Code: string } }).Error.Code,
    }).toEqual({ status: 400, code: 'InvalidAction' });
    const ec2 = await post('Action=Nope&Version=2016-11-15');
    expect(ec2.xml).toMatchObject({
      Response: {
        Errors: { Error: { Code: 'InvalidAction' } },
        RequestID: expect.any(String) as unknown,
      },
    });
    expect((await post('Action=Nope')).status).toBe(400);
  });

  it('answers JSON 1.1 with __type in the body, also for an unknown target', async () => {
    const response = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSEC2InstanceConnectService.Nope',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('no Result without output, an empty <SetInstanceProtectionResult/>, empty lists', async () => {
    await post(
      'Action=CreateLaunchTemplate&Version=2016-11-15&LaunchTemplateName=abc&LaunchTemplateData.ImageId=ami-1',
    );
    const created = await post(
      'Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=g&LaunchTemplate.LaunchTemplateName=abc&MinSize=0&MaxSize=2&DesiredCapacity=1&AvailabilityZones.member.1=us-east-1a',
    );
    expect(created.text).not.toContain('CreateAutoScalingGroupResult');
    const desired = await post(
      'Action=SetDesiredCapacity&Version=2011-01-01&AutoScalingGroupName=g&DesiredCapacity=1',
    );
    expect(desired.text).toContain('<SetDesiredCapacityResponse');
    expect(desired.text).not.toContain('SetDesiredCapacityResult');
    const instanceId = String(
      (emulator.state.snapshot().instances as { instanceId: string }[])[0]?.instanceId,
    );
    const protectedOut = await post(
      `Action=SetInstanceProtection&Version=2011-01-01&AutoScalingGroupName=g&InstanceIds.member.1=${instanceId}&ProtectedFromScaleIn=true`,
    );
    expect(protectedOut.text).toContain('<SetInstanceProtectionResult/>');
    const templates = await post(
      'Action=DescribeLaunchTemplates&Version=2016-11-15&LaunchTemplateName.1=abc',
    );
    expect(templates.text).toContain('<tagSet/>');
    expect(templates.text).toContain('xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"');
  });

  it('logs every call with its status and error code', async () => {
    await post('Action=Nope&Version=2011-01-01');
    await post('Action=DescribeAutoScalingGroups&Version=2011-01-01');
    expect(
      emulator.state.calls().map(c => [c.service, c.action, c.httpStatus, c.errorCode]),
    ).toEqual([
      ['autoscaling', 'Nope', 400, 'InvalidAction'],
      ['autoscaling', 'DescribeAutoScalingGroups', 200, undefined],
    ]);
    expect(emulator.state.callCounts()).toEqual({ Nope: 1, DescribeAutoScalingGroups: 1 });
  });
});

describe('startAwsEmulator lifecycle', () => {
  it('refuses a non-loopback address', async () => {
    await expect(startAwsEmulator({ host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'bad-request',
    });
  });

  it('terminates the processes of its own instances on close but leaves the host open', async () => {
    const host = new FakeInstanceHost();
    const emulator = await startAwsEmulator({ instanceHost: host, defaultBootDelayMs: 60_000 });
    const post = (body: string): Promise<Response> =>
      fetch(emulator.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    await post(
      'Action=CreateLaunchTemplate&Version=2016-11-15&LaunchTemplateName=abc&LaunchTemplateData.ImageId=ami-1',
    );
    await post(
      'Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=g&LaunchTemplate.LaunchTemplateName=abc&MinSize=2&MaxSize=2&AvailabilityZones.member.1=us-east-1a',
    );
    await settle();
    expect(host.launched.size).toBe(2);
    await emulator.close();
    expect([...host.launched.values()].map(r => r.terminated)).toEqual([true, true]);
    expect(host.closed).toBe(false);
  });
});
