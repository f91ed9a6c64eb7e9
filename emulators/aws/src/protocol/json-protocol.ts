import { AwsApiError } from '../errors';
import type { WireResponse } from './wire-response';

/** Parses a JSON 1.1 request body into an object; anything else is a SerializationException. */
export function parseJsonBody(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch (cause) {
    throw new AwsApiError(
      'SerializationException',
      'Start of structure or map found where not expected.',
      {
        cause,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AwsApiError(
      'SerializationException',
      'Start of structure or map found where not expected.',
    );
  }
  return parsed as Record<string, unknown>;
}

/** Encodes a JSON 1.1 success body. */
export function encodeJsonResult(result: Record<string, unknown>, requestId: string): WireResponse {
  return {
    status: 200,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify(result),
    headers: { 'x-amzn-RequestId': requestId },
  };
}

/** Encodes a JSON 1.1 error with `__type` in the body (awscli ignores the header-only form). */
export function encodeJsonError(error: AwsApiError, requestId: string): WireResponse {
  return {
    status: error.httpStatus,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify({ __type: error.code, Message: error.message }),
    headers: { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': error.code },
  };
}
