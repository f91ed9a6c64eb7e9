import { AwsApiError } from '../errors';
import type { InjectedErrorCode, ServiceName } from '../model/faults';

/** The error an injected fault answers with: the service's throttling error, or `code`. */
export function injectedError(
  service: ServiceName,
  code: InjectedErrorCode | undefined,
): AwsApiError {
  switch (code) {
    case undefined:
      return throttleError(service);
    case 'ResourceContention':
      return new AwsApiError(
        'ResourceContention',
        'You already have a pending update to an Auto Scaling resource (for example, a group, instance, or load balancer).',
        { httpStatus: 500 },
      );
    case 'ScalingActivityInProgress':
      return new AwsApiError(
        'ScalingActivityInProgress',
        'Scaling activity is in progress and blocks this action.',
      );
    case 'ServiceLinkedRoleFailure':
      return new AwsApiError(
        'ServiceLinkedRoleFailure',
        'The service-linked role is not yet ready for use.',
        {
          httpStatus: 500,
        },
      );
    case 'InternalFailure':
      return new AwsApiError(
        'InternalFailure',
        'The request processing has failed because of an unknown error, exception or failure.',
        { httpStatus: 500 },
      );
    case 'ServiceUnavailable':
      return new AwsApiError(
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
        {
          httpStatus: 503,
        },
      );
  }
}

function throttleError(service: ServiceName): AwsApiError {
  switch (service) {
    case 'autoscaling':
      return new AwsApiError('Throttling', 'Rate exceeded');
    case 'ec2':
      return new AwsApiError('RequestLimitExceeded', 'Request limit exceeded.', {
        httpStatus: 503,
        type: 'Sender',
      });
    case 'ec2-instance-connect':
      return new AwsApiError('ThrottlingException', 'Rate exceeded');
    case 'sqs':
      return new AwsApiError('RequestThrottled', 'Request is throttled.');
  }
}
