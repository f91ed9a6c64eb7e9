import { GitlabApiError, codeForStatus } from '../errors';
import type { HttpResponse } from '../http';
import { isAbortStatus, readJobStatusHeaders } from '../job-status';
import type { JobStatusHeaders } from '../job-status';

/** GitLab Runner's largest trace PATCH body: 1 MiB. */
export const maxPatchBytes = 1024 * 1024;

/** The answer to `PATCH /jobs/:id/trace`, classified as GitLab Runner does (reference §5.3). */
export type PatchTraceResult = JobStatusHeaders &
  (
    | { readonly kind: 'ok'; readonly storedLength: number | undefined }
    | { readonly kind: 'range-mismatch'; readonly storedLength: number }
    | {
        readonly kind: 'aborted';
        readonly status: number;
        readonly reason: 'job-status' | 'forbidden';
      }
    | { readonly kind: 'not-found' }
    | {
        readonly kind: 'failed';
        readonly status: number | undefined;
        readonly error: GitlabApiError;
      }
  );

/** The inclusive `Content-Range` GitLab expects: `<start>-<end>`, no unit. */
export function contentRange(offsetBytes: number, lengthBytes: number): string {
  return `${offsetBytes}-${offsetBytes + lengthBytes - 1}`;
}

/** The stored length from a `Range: 0-<n>` header; 0 when absent or unreadable, as GitLab Runner does. */
export function storedLengthFromRange(range: string | null): number {
  const match = range === null ? null : /^\s*(?:bytes[= ])?\d+-(\d+)\s*$/.exec(range);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** Classifies an answer to a trace PATCH; the first matching row of §5.3 wins. */
export function interpretPatchResponse(
  response: Pick<HttpResponse, 'status' | 'headers'>,
): PatchTraceResult {
  const headers = readJobStatusHeaders(response.headers);
  const { status } = response;
  if (isAbortStatus(headers.jobStatus)) {
    return { ...headers, kind: 'aborted', status, reason: 'job-status' };
  }
  if (status === 403) {
    return { ...headers, kind: 'aborted', status, reason: 'forbidden' };
  }
  if (status === 202) {
    const range = response.headers.get('range');
    return {
      ...headers,
      kind: 'ok',
      storedLength: range === null ? undefined : storedLengthFromRange(range),
    };
  }
  if (status === 404) {
    return { ...headers, kind: 'not-found' };
  }
  if (status === 416) {
    return {
      ...headers,
      kind: 'range-mismatch',
      storedLength: storedLengthFromRange(response.headers.get('range')),
    };
  }
  const code = codeForStatus(status) ?? 'unexpected_status';
  return {
    ...headers,
    kind: 'failed',
    status,
    error: new GitlabApiError(code, 'could not send the job log', { status }),
  };
}

/** The result of a PATCH that never got an HTTP answer (network error, timeout). */
export function patchFailedWithoutAnswer(error: GitlabApiError): PatchTraceResult {
  return {
    kind: 'failed',
    status: undefined,
    error,
    jobStatus: undefined,
    updateIntervalMs: undefined,
    cancelRequested: false,
  };
}
