import type { AwsApiError } from '../errors';
import type { WireResponse } from '../protocol/wire-response';

/** The X-Amz-Target prefix of SQS's JSON protocol. */
export const SQS_TARGET = 'AmazonSQS.';

// SQS answers JSON clients with the modelled shape name in `__type` and the old query-protocol
// code in `x-amzn-query-error` (the client maps that header back for awsQueryCompatible errors).
const jsonTypes: Readonly<Record<string, string>> = {
  'AWS.SimpleQueueService.NonExistentQueue': 'QueueDoesNotExist',
  QueueAlreadyExists: 'QueueNameExists',
};

/** Encodes an SQS JSON 1.0 success body. */
export function encodeSqsResult(result: Record<string, unknown>, requestId: string): WireResponse {
  return {
    status: 200,
    contentType: 'application/x-amz-json-1.0',
    body: JSON.stringify(result),
    headers: { 'x-amzn-RequestId': requestId },
  };
}

/** Encodes an SQS JSON 1.0 error: `__type`, `message`, and the query code in a header. */
export function encodeSqsError(error: AwsApiError, requestId: string): WireResponse {
  const shape = jsonTypes[error.code] ?? error.code;
  return {
    status: error.httpStatus,
    contentType: 'application/x-amz-json-1.0',
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${shape}`, message: error.message }),
    headers: {
      'x-amzn-RequestId': requestId,
      'x-amzn-query-error': `${error.code};${error.type}`,
    },
  };
}
