import type { AwsApiError } from '../errors';
import type { WireResponse } from './wire-response';
import { buildXmlDocument } from './xml-builder';
import { toXmlTree } from './xml-values';
import type { XmlValue } from './xml-values';

/** The EC2 XML namespace (real AWS writes the trailing slash). */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** Encodes an EC2 success: `<OpResponse><requestId/>…members…</OpResponse>`, no wrapper. */
export function encodeEc2Result(
  action: string,
  result: Readonly<Record<string, XmlValue>>,
  requestId: string,
): WireResponse {
  const members = toXmlTree(result, 'item');
  return {
    status: 200,
    contentType: 'text/xml;charset=UTF-8',
    body: buildXmlDocument({
      [`${action}Response`]: {
        '@_xmlns': EC2_NAMESPACE,
        requestId,
        ...(typeof members === 'object' && !Array.isArray(members) ? members : {}),
      },
    }),
    headers: { 'x-amzn-RequestId': requestId },
  };
}

/** Encodes an EC2 error as `<Response><Errors><Error><Code/><Message/>…<RequestID/>`. */
export function encodeEc2Error(error: AwsApiError, requestId: string): WireResponse {
  return {
    status: error.httpStatus,
    contentType: 'text/xml;charset=UTF-8',
    body: buildXmlDocument({
      Response: {
        Errors: { Error: { Code: error.code, Message: error.message } },
        RequestID: requestId,
      },
    }),
    headers: { 'x-amzn-RequestId': requestId },
  };
}
