import {
  AutoScalingServiceException,
  LimitExceededFault,
  ResourceContentionFault,
  ScalingActivityInProgressFault,
  ServiceLinkedRoleFailure,
} from '@aws-sdk/client-auto-scaling';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  AuthException,
  EC2InstanceNotFoundException,
  EC2InstanceStateInvalidException,
  EC2InstanceUnavailableException,
  InvalidArgsException,
  ThrottlingException,
} from '@aws-sdk/client-ec2-instance-connect';
import { FleetingError } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';

const client400 = { httpStatusCode: 400, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 };
const server500 = { httpStatusCode: 500, requestId: 'req-2', attempts: 3, totalRetryDelay: 1500 };

/** An unmodelled Auto Scaling error as the SDK builds it from `<Error><Code>…` (aws.md §2.5). */
function autoScalingError(code: string, message: string, metadata = client400): Error {
  return new AutoScalingServiceException({
    name: code,
    $fault: metadata.httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: metadata,
    message,
  });
}

function ec2Error(code: string, message: string, httpStatusCode = 400): Error {
  return new EC2ServiceException({
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { ...client400, httpStatusCode },
    message,
  });
}

/** A socket failure as the SDK's node-http-handler rejects with it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), {
    code,
    syscall: 'connect',
    $metadata: { attempts: 1, totalRetryDelay: 0 },
  });
}

function nested(error: unknown, depth: number): unknown {
  let current = error;
  for (let level = 0; level < depth; level += 1) {
    current = new Error('wrapped', { cause: current });
  }
  return current;
}

const cases: readonly [string, unknown, string, boolean][] = [
  [
    'Auto Scaling Throttling (400)',
    autoScalingError('Throttling', 'Rate exceeded'),
    'throttled',
    true,
  ],
  [
    'EC2 RequestLimitExceeded (503)',
    ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503),
    'throttled',
    true,
  ],
  [
    'Instance Connect ThrottlingException',
    new ThrottlingException({ message: 'Rate exceeded', $metadata: client400 }),
    'throttled',
    true,
  ],
  [
    'TooManyRequestsException',
    autoScalingError('TooManyRequestsException', 'slow down'),
    'throttled',
    true,
  ],
  ['RequestThrottled', ec2Error('RequestThrottled', 'throttled'), 'throttled', true],
  [
    'a bare 429',
    Object.assign(new Error('Too Many Requests'), { $metadata: { httpStatusCode: 429 } }),
    'throttled',
    true,
  ],
  [
    'ResourceContention (500)',
    new ResourceContentionFault({
      message: 'You already have a pending update to an Auto Scaling resource',
      $metadata: server500,
    }),
    'provider_unavailable',
    true,
  ],
  [
    'ScalingActivityInProgress',
    new ScalingActivityInProgressFault({
      message: 'Scaling activity in progress',
      $metadata: client400,
    }),
    'provider_unavailable',
    true,
  ],
  [
    'ServiceLinkedRoleFailure',
    new ServiceLinkedRoleFailure({
      message: 'The service-linked role is not yet ready for use.',
      $metadata: server500,
    }),
    'provider_unavailable',
    true,
  ],
  [
    'an unnamed 502 (an XML parse error of an HTML body)',
    Object.assign(new Error('Deserialization error'), {
      $fault: 'server',
      $metadata: { httpStatusCode: 502 },
    }),
    'provider_unavailable',
    true,
  ],
  [
    'ValidationError: above max',
    autoScalingError(
      'ValidationError',
      'New SetDesiredCapacity value 16 is above max value 10 for the AutoScalingGroup.',
    ),
    'capacity_exceeded',
    false,
  ],
  [
    'ValidationError: instance id not found',
    autoScalingError(
      'ValidationError',
      'Instance Id not found - No managed instance found for instance ID: i-0fffffffffffffffe',
    ),
    'instance_not_found',
    false,
  ],
  [
    'ValidationError: min size',
    autoScalingError(
      'ValidationError',
      "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
    ),
    'invalid_config',
    false,
  ],
  [
    'ValidationError: group not found',
    autoScalingError('ValidationError', 'AutoScalingGroup name not found - null'),
    'invalid_config',
    false,
  ],
  [
    'ValidationError: anything else',
    autoScalingError('ValidationError', '1 validation error detected'),
    'invalid_argument',
    false,
  ],
  [
    'LimitExceeded (account quota)',
    new LimitExceededFault({ message: 'You have reached your quota', $metadata: client400 }),
    'capacity_exceeded',
    false,
  ],
  [
    'InsufficientInstanceCapacity',
    ec2Error('InsufficientInstanceCapacity', 'We currently do not have sufficient capacity', 500),
    'capacity_exceeded',
    true,
  ],
  [
    'InvalidInstanceID.NotFound',
    ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-0fffffffffffffffe' does not exist"),
    'instance_not_found',
    false,
  ],
  [
    'InvalidInstanceID.Malformed',
    ec2Error('InvalidInstanceID.Malformed', 'Invalid id: "bogus"'),
    'invalid_argument',
    false,
  ],
  [
    'EC2InstanceNotFoundException',
    new EC2InstanceNotFoundException({ message: 'not found', $metadata: client400 }),
    'instance_not_found',
    false,
  ],
  [
    'EC2InstanceStateInvalidException',
    new EC2InstanceStateInvalidException({ message: 'not running', $metadata: client400 }),
    'instance_unhealthy',
    false,
  ],
  [
    'EC2InstanceUnavailableException',
    new EC2InstanceUnavailableException({ message: 'unavailable', $metadata: server500 }),
    'provider_unavailable',
    true,
  ],
  [
    'InvalidArgsException',
    new InvalidArgsException({ message: 'RSA - SSH Public key is invalid', $metadata: client400 }),
    'invalid_argument',
    false,
  ],
  [
    'AuthException',
    new AuthException({ message: 'not authorized', $metadata: client400 }),
    'invalid_config',
    false,
  ],
  [
    'UnauthorizedOperation',
    ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
    'invalid_config',
    false,
  ],
  [
    'CredentialsProviderError',
    Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    }),
    'invalid_config',
    false,
  ],
  [
    'an unknown client fault',
    autoScalingError('SomethingNew', 'a refusal nobody listed'),
    'invalid_config',
    false,
  ],
  ['ECONNREFUSED', socketError('ECONNREFUSED'), 'provider_unavailable', true],
  ['ECONNRESET', socketError('ECONNRESET'), 'provider_unavailable', true],
  ['ETIMEDOUT', socketError('ETIMEDOUT'), 'provider_unavailable', true],
  ['EPIPE', socketError('EPIPE'), 'provider_unavailable', true],
  ['ENOTFOUND', socketError('ENOTFOUND'), 'provider_unavailable', true],
  [
    'the SDK request timeout',
    Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
    'provider_unavailable',
    true,
  ],
  [
    'ECONNRESET two causes deep',
    nested(socketError('ECONNRESET'), 2),
    'provider_unavailable',
    true,
  ],
  [
    'Throttling as a cause',
    nested(autoScalingError('Throttling', 'Rate exceeded'), 1),
    'throttled',
    true,
  ],
  [
    'a cause past the depth cap',
    nested(autoScalingError('Throttling', 'Rate exceeded'), 8),
    'provider_unavailable',
    false,
  ],
  [
    'an abort',
    Object.assign(new Error('Request aborted'), { name: 'AbortError' }),
    'canceled',
    false,
  ],
  ['a plain programming error', new TypeError('x is undefined'), 'provider_unavailable', false],
  ['a non-error value', 'boom', 'provider_unavailable', false],
];

describe('classifyAwsError', () => {
  it.each(cases)('%s', (_label, error, code, retryable) => {
    const classified = classifyAwsError(error, { action: 'describe group', instanceId: 'i-0abc' });

    expect(classified).toBeInstanceOf(FleetingError);
    expect(classified.code).toBe(code);
    expect(classified.retryable).toBe(retryable);
    expect(classified.cause).toBe(error);
    expect(classified.instanceId).toBe('i-0abc');
    expect(classified.message).toMatch(/^could not describe group: /);
  });

  it('passes a FleetingError through unchanged', () => {
    const original = new FleetingError('instance_not_found', 'could not find instance');

    expect(classifyAwsError(original)).toBe(original);
  });

  it('names the AWS code in the message, never the AWS text', () => {
    const classified = classifyAwsError(autoScalingError('Throttling', 'Rate exceeded'));

    expect(classified.message).toBe('could not call aws: Throttling');
  });
});
