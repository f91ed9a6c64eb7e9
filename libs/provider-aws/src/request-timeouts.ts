/**
 * How long one TCP connect to an AWS endpoint may take. 5 s: a healthy regional endpoint
 * connects in milliseconds, and a dropped SYN should fail into the SDK's retry well before a
 * scaler tick or a start-up check is noticeably late.
 */
export const awsConnectTimeoutMs = 5_000;

/**
 * How long one HTTP request/response to AWS may take, connect excluded. 30 s: far above any
 * Describe page we read, yet short enough that a call caught in a hung proxy (accepts, never
 * answers) fails as a retryable TimeoutError instead of holding a tick forever.
 */
export const awsRequestTimeoutMs = 30_000;

/** The SDK's `requestHandler` options every taskfleet AWS client is built with. */
export interface AwsRequestHandlerOptions {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly throwOnRequestTimeout: true;
}

/**
 * The request handler options of one SDK client: connect and request time bounded, and the
 * request timeout thrown as an error (the NodeHttpHandler only warns about it by default).
 * `requestTimeoutMs` is for calls that wait on purpose, like SQS long polls.
 */
export function awsRequestHandlerOptions(
  requestTimeoutMs: number = awsRequestTimeoutMs,
): AwsRequestHandlerOptions {
  return {
    connectionTimeout: awsConnectTimeoutMs,
    requestTimeout: requestTimeoutMs,
    throwOnRequestTimeout: true,
  };
}

/**
 * The request timeout of an SQS receive that long-polls for `waitTimeSeconds`: the wait plus
 * the usual request bound, so an empty long poll is never cut off as a timeout.
 */
export function sqsReceiveRequestTimeoutMs(waitTimeSeconds: number): number {
  return waitTimeSeconds * 1_000 + awsRequestTimeoutMs;
}
