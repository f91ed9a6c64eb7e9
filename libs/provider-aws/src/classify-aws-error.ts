import { FleetingError } from '@taskfleet/fleeting';
import type { FleetingErrorCode } from '@taskfleet/fleeting';

/** Context for one classification: what was being done, and to which instance. */
export interface ClassifyContext {
  /** The verb phrase of the failed step, e.g. `describe group`; becomes "could not <action>". */
  readonly action?: string;
  readonly instanceId?: string;
}

interface Verdict {
  readonly code: FleetingErrorCode;
  readonly retryable: boolean;
  /** The AWS or Node name that decided the verdict, for the message. */
  readonly reason: string;
}

// Names the SDK itself treats as throttling (@smithy service-error-classification, aws.md §2.6),
// plus EC2 Instance Connect's ThrottlingException, which is in that list too.
const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

// Auto Scaling's modelled faults arrive under their shape name (`ResourceContentionFault`), the
// unmodelled ones under the wire code; both spellings are listed where they differ.
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'ResourceContention',
  'ResourceContentionFault',
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'ServiceLinkedRoleFailure',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'Unavailable',
  'EC2InstanceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NOT_FOUND_NAMES: ReadonlySet<string> = new Set([
  'InvalidInstanceID.NotFound',
  'EC2InstanceNotFoundException',
]);

const CREDENTIAL_NAMES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthException',
  'AuthFailure',
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'OptInRequired',
  'SignatureDoesNotMatch',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
]);

const CAPACITY_NAMES: ReadonlySet<string> = new Set([
  'LimitExceeded',
  'LimitExceededFault',
  'InstanceLimitExceeded',
]);

const ARGUMENT_NAMES: ReadonlySet<string> = new Set([
  'InvalidArgsException',
  'InvalidInstanceID.Malformed',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
]);

// Node socket and DNS failures: the endpoint could not be reached, so trying later may work.
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Auto Scaling reports most refusals as a bare `ValidationError`; only the message tells them
 * apart, so these prefixes (AWS's own texts, aws.md §0.8) are the one place that reads one.
 */
const VALIDATION_PREFIXES: readonly (readonly [string, FleetingErrorCode, string])[] = [
  // SetDesiredCapacity above MaxSize (B58): nothing was launched.
  ['New SetDesiredCapacity value', 'capacity_exceeded', 'above max size'],
  // TerminateInstanceInAutoScalingGroup for an id no group manages.
  ['Instance Id not found', 'instance_not_found', 'instance not in any group'],
  // Terminate with decrement at desired == min: the group's MinSize must be lowered (README: 0).
  ['Currently, desiredSize equals minSize', 'invalid_config', 'min size reached'],
  // SetDesiredCapacity or Update on a group that does not exist.
  ['AutoScalingGroup name not found', 'invalid_config', 'group not found'],
  // Heartbeat or complete for an instance no lifecycle action waits on (done, or timed out).
  ['No active Lifecycle Action found', 'instance_not_found', 'no lifecycle action waiting'],
];

const maxCauseDepth = 5;

/**
 * Maps any error thrown by an AWS SDK v3 call (service exception, HTTP failure, socket error,
 * abort) to a FleetingError with a stable code and retry verdict; FleetingErrors pass through.
 */
export function classifyAwsError(error: unknown, context: ClassifyContext = {}): FleetingError {
  if (error instanceof FleetingError) {
    return error;
  }
  const verdict = verdictOf(error);
  const action = context.action ?? 'call aws';
  return new FleetingError(verdict.code, `could not ${action}: ${verdict.reason}`, {
    cause: error,
    retryable: verdict.retryable,
    ...(context.instanceId === undefined ? {} : { instanceId: context.instanceId }),
  });
}

function verdictOf(error: unknown): Verdict {
  let current: unknown = error;
  for (let depth = 0; depth <= maxCauseDepth && isObject(current); depth += 1) {
    const found = ownVerdict(current);
    if (found !== undefined) {
      return found;
    }
    current = current.cause;
  }

  // Nothing recognised: not retried blindly, since it may be our own bug.
  return { code: 'provider_unavailable', retryable: false, reason: nameOf(error) ?? 'unknown' };
}

/** The verdict one error level gives by itself, or undefined to look at its cause. */
function ownVerdict(error: Record<string, unknown>): Verdict | undefined {
  const name = nameOf(error) ?? '';
  const byName = verdictByName(name, error);
  if (byName !== undefined) {
    return byName;
  }
  const nodeCode = typeof error.code === 'string' ? error.code : undefined;
  if (nodeCode !== undefined && NETWORK_CODES.has(nodeCode)) {
    return { code: 'provider_unavailable', retryable: true, reason: nodeCode };
  }

  return verdictByStatus(name, error);
}

function verdictByName(name: string, error: Record<string, unknown>): Verdict | undefined {
  if (name === 'AbortError') {
    return { code: 'canceled', retryable: false, reason: name };
  }
  if (THROTTLING_NAMES.has(name)) {
    return { code: 'throttled', retryable: true, reason: name };
  }
  if (TRANSIENT_NAMES.has(name)) {
    return { code: 'provider_unavailable', retryable: true, reason: name };
  }
  if (NOT_FOUND_NAMES.has(name)) {
    return { code: 'instance_not_found', retryable: false, reason: name };
  }
  if (name === 'EC2InstanceStateInvalidException') {
    return { code: 'instance_unhealthy', retryable: false, reason: name };
  }
  if (CREDENTIAL_NAMES.has(name)) {
    return { code: 'invalid_config', retryable: false, reason: name };
  }
  if (name === 'InsufficientInstanceCapacity') {
    // AWS may have the capacity again in a while, unlike a group or account limit.
    return { code: 'capacity_exceeded', retryable: true, reason: name };
  }
  if (CAPACITY_NAMES.has(name)) {
    return { code: 'capacity_exceeded', retryable: false, reason: name };
  }
  if (ARGUMENT_NAMES.has(name)) {
    return { code: 'invalid_argument', retryable: false, reason: name };
  }
  if (name === 'ValidationError') {
    return validationVerdict(typeof error.message === 'string' ? error.message : '');
  }

  return undefined;
}

function validationVerdict(message: string): Verdict {
  for (const [prefix, code, reason] of VALIDATION_PREFIXES) {
    if (message.startsWith(prefix)) {
      return { code, retryable: false, reason: `ValidationError (${reason})` };
    }
  }

  return { code: 'invalid_argument', retryable: false, reason: 'ValidationError' };
}

function verdictByStatus(name: string, error: Record<string, unknown>): Verdict | undefined {
  const status = httpStatusOf(error);
  const reason = name === '' || name === 'Error' ? `HTTP ${status ?? 'error'}` : name;
  if (status === 429) {
    return { code: 'throttled', retryable: true, reason };
  }
  if ((status !== undefined && status >= 500) || error.$fault === 'server') {
    return { code: 'provider_unavailable', retryable: true, reason };
  }
  if (error.$fault === 'client') {
    // An unknown refusal of a request we built ourselves points at the account or group setup.
    return { code: 'invalid_config', retryable: false, reason };
  }

  return undefined;
}

function httpStatusOf(error: Record<string, unknown>): number | undefined {
  const metadata = error.$metadata;
  if (isObject(metadata) && typeof metadata.httpStatusCode === 'number') {
    return metadata.httpStatusCode;
  }

  return undefined;
}

function nameOf(error: unknown): string | undefined {
  if (!isObject(error)) {
    return undefined;
  }
  // Query-protocol errors also carry the wire code in `Code`; the name is the modelled shape.
  const name = typeof error.name === 'string' ? error.name : undefined;
  if (name !== undefined && name !== 'Error') {
    return name;
  }

  return typeof error.Code === 'string' ? error.Code : name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
