import type { AwsApiError } from '../errors';
import type { WireResponse } from './wire-response';
import { buildXmlDocument } from './xml-builder';
import { toXmlTree } from './xml-values';
import type { XmlValue } from './xml-values';

/** The Auto Scaling XML namespace. */
export const AUTOSCALING_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/**
 * Encodes an Auto Scaling success: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>`.
 * `result` undefined means the operation has no output, so no Result element is written.
 */
export function encodeQueryResult(
  action: string,
  result: Readonly<Record<string, XmlValue>> | undefined,
  requestId: string,
): WireResponse {
  const body: Record<string, unknown> = { '@_xmlns': AUTOSCALING_NAMESPACE };
  if (result !== undefined) {
    body[`${action}Result`] = toXmlTree(result, 'member') ?? '';
  }
  body.ResponseMetadata = { RequestId: requestId };
  return {
    status: 200,
    contentType: 'text/xml',
    body: buildXmlDocument({ [`${action}Response`]: body }),
    headers: { 'x-amzn-RequestId': requestId },
  };
}

/** Encodes an Auto Scaling error as `<ErrorResponse><Error><Type/><Code/><Message/>`. */
export function encodeQueryError(error: AwsApiError, requestId: string): WireResponse {
  return {
    status: error.httpStatus,
    contentType: 'text/xml',
    body: buildXmlDocument({
      ErrorResponse: {
        '@_xmlns': AUTOSCALING_NAMESPACE,
        Error: { Type: error.type, Code: error.code, Message: error.message },
        RequestId: requestId,
      },
    }),
    headers: { 'x-amzn-RequestId': requestId },
  };
}
