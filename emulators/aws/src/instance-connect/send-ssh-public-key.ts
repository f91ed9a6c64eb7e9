import { AwsApiError } from '../errors';
import { parseOpenSshPublicKey } from '../ec2/ssh-keys';
import type { AwsModel } from '../model/aws-model';

function invalid(message: string): AwsApiError {
  return new AwsApiError('InvalidArgsException', message);
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalid(`${name} must be a string.`);
  }
  return value;
}

/** SendSSHPublicKey: validates like the service model, then lets the key log in for 60 s. */
export async function sendSshPublicKey(
  model: AwsModel,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const instanceId = field(body, 'InstanceId');
  const osUser = field(body, 'InstanceOSUser');
  // A key read from a .pub file (`file://key.pub`) ends in a newline, which EC2 accepts.
  const publicKey = field(body, 'SSHPublicKey')?.trim();
  const zone = field(body, 'AvailabilityZone');
  if (instanceId === undefined || osUser === undefined || publicKey === undefined) {
    throw invalid('InstanceId, InstanceOSUser and SSHPublicKey are required.');
  }
  if (instanceId.length < 10 || instanceId.length > 32 || !/^i-[a-f0-9]+$/.test(instanceId)) {
    throw invalid(`Invalid instance ID: ${instanceId}`);
  }
  if (
    osUser.length < 1 ||
    osUser.length > 32 ||
    !/^[A-Za-z_][A-Za-z0-9@._-]{0,30}[A-Za-z0-9@._$-]?$/.test(osUser)
  ) {
    throw invalid(`Invalid OS user: ${osUser}`);
  }
  if (
    zone !== undefined &&
    (zone.length < 6 || zone.length > 32 || !/^(\w+-){2,3}\d+\w+$/.test(zone))
  ) {
    throw invalid(`Invalid availability zone: ${zone}`);
  }
  if (publicKey.length < 80 || publicKey.length > 4096) {
    throw invalid('SSH Public key must be between 80 and 4096 characters.');
  }
  const parsed = parseOpenSshPublicKey(publicKey);
  if (parsed === undefined || (parsed.rsaBits !== undefined && parsed.rsaBits < 2048)) {
    throw invalid(
      publicKey.startsWith('ssh-rsa')
        ? 'RSA - SSH Public key is invalid'
        : 'SSH Public key is invalid',
    );
  }
  const instance = model.ec2.get(instanceId);
  if (instance === undefined || instance.state === 'terminated') {
    throw new AwsApiError('EC2InstanceNotFoundException', `Instance ${instanceId} not found.`);
  }
  if (zone !== undefined && zone !== instance.availabilityZone) {
    throw invalid(`Instance ${instanceId} is not in availability zone ${zone}.`);
  }
  if (instance.state !== 'running') {
    throw new AwsApiError(
      'EC2InstanceStateInvalidException',
      `Instance ${instanceId} is in state ${instance.state}; it must be running.`,
    );
  }
  await model.pushedKeys.push(instance, osUser, publicKey);
  return { RequestId: model.ctx.random.uuid(), Success: true };
}
