import { GitlabApiError, codeForStatus } from './errors';
import type { HttpResponse } from './http';
import { isAbortStatus, readJobStatusHeaders } from './job-status';
import type { JobStatusHeaders } from './job-status';
import type { RunnerInfo } from './runner-info';

/** States a runner puts in `PUT /jobs/:id`. */
export type JobState = 'pending' | 'running' | 'success' | 'failed';

/** What to tell GitLab about a job. */
export interface UpdateJobInput {
  readonly state: JobState;
  /** Only sent with `failed`; map it through `effectiveFailureReason` first. */
  readonly failureReason?: string;
  /** Sent when non-zero, as GitLab Runner omits a zero exit code. */
  readonly exitCode?: number;
  /** `crc32:<8 hex>` over every trace byte sent. */
  readonly checksum?: string;
  readonly bytesize?: number;
}

/** The answer to `PUT /jobs/:id`, classified as GitLab Runner does (reference §4.3). */
export type UpdateJobResult = JobStatusHeaders &
  (
    | { readonly kind: 'accepted'; readonly status: number }
    | { readonly kind: 'retry-later'; readonly status: 202 }
    | { readonly kind: 'trace-reset'; readonly status: 412 }
    | {
        readonly kind: 'aborted';
        readonly status: number;
        readonly reason: 'job-status' | 'forbidden' | 'not-found';
      }
    | {
        readonly kind: 'failed';
        readonly status: number | undefined;
        readonly error: GitlabApiError;
      }
  );

/** Builds the JSON body of `PUT /jobs/:id` with GitLab Runner's omissions. */
export function updateJobBody(
  info: RunnerInfo,
  jobToken: string,
  input: UpdateJobInput,
): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  if (input.checksum !== undefined) {
    output.checksum = input.checksum;
  }
  if (input.bytesize !== undefined) {
    output.bytesize = input.bytesize;
  }
  return {
    info,
    token: jobToken,
    state: input.state,
    ...(input.state === 'failed' && input.failureReason !== undefined
      ? { failure_reason: input.failureReason }
      : {}),
    ...(input.checksum === undefined ? {} : { checksum: input.checksum }),
    output,
    ...(input.exitCode === undefined || input.exitCode === 0 ? {} : { exit_code: input.exitCode }),
  };
}

/** Classifies an answer to `PUT /jobs/:id`; the first matching row of §4.3 wins. */
export function interpretUpdateResponse(
  response: Pick<HttpResponse, 'status' | 'headers'>,
): UpdateJobResult {
  const headers = readJobStatusHeaders(response.headers);
  const { status } = response;
  if (isAbortStatus(headers.jobStatus)) {
    return { ...headers, kind: 'aborted', status, reason: 'job-status' };
  }
  if (status === 403) {
    return { ...headers, kind: 'aborted', status, reason: 'forbidden' };
  }
  if (status === 200) {
    return { ...headers, kind: 'accepted', status };
  }
  if (status === 202) {
    return { ...headers, kind: 'retry-later', status };
  }
  if (status === 412) {
    return { ...headers, kind: 'trace-reset', status };
  }
  if (status === 404) {
    return { ...headers, kind: 'aborted', status, reason: 'not-found' };
  }
  const code = codeForStatus(status) ?? 'unexpected_status';
  const error = new GitlabApiError(code, 'could not update the job', { status });
  return { ...headers, kind: 'failed', status, error };
}

/** The result of a PUT that never got an HTTP answer (network error, timeout). */
export function updateFailedWithoutAnswer(error: GitlabApiError): UpdateJobResult {
  return {
    kind: 'failed',
    status: undefined,
    error,
    jobStatus: undefined,
    updateIntervalMs: undefined,
    cancelRequested: false,
  };
}
