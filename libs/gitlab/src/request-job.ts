import { GitlabApiError, classifyGitlabError, codeForStatus } from './errors';
import type { HttpResponse } from './http';
import { parseJobPayload } from './job-payload';
import type { JobPayload } from './job-payload';

/**
 * The answer to `POST /jobs/request`, classified as GitLab Runner does (reference §3.4), with
 * how many HTTP attempts the retry layer made for it (1 when the first answer was final).
 */
export type RequestJobResult = RequestJobAnswer & { readonly attempts: number };

/** The classified answer alone, before the attempts are added. */
export type RequestJobAnswer =
  | { readonly kind: 'job'; readonly job: JobPayload; readonly lastUpdate: string | undefined }
  | { readonly kind: 'none'; readonly lastUpdate: string | undefined }
  | {
      /** GitLab assigned a job this runner cannot decode; fail it with `runner_system_failure` if ids are known. */
      readonly kind: 'invalid-job';
      readonly jobId: number | undefined;
      readonly jobToken: string | undefined;
      readonly problems: readonly string[];
      readonly lastUpdate: string | undefined;
    }
  | {
      readonly kind: 'error';
      readonly error: GitlabApiError;
      /** A 403 counts towards `unhealthy_requests_limit`; nothing else does. */
      readonly unhealthy: boolean;
      readonly lastUpdate: string | undefined;
    };

/** Whether a `Content-Type` header names exactly `application/json` (parameters allowed). */
export function isApplicationJson(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Classifies an answer to a job request; `lastUpdate` is what the caller should send next. */
export function interpretRequestJobResponse(
  response: HttpResponse,
  lastUpdate: string | undefined,
): RequestJobAnswer {
  const { status } = response;
  if (status === 204) {
    return { kind: 'none', lastUpdate };
  }
  if (status === 201) {
    if (!isApplicationJson(response.headers.get('content-type'))) {
      const error = new GitlabApiError(
        'bad_response',
        'could not read the job: the answer is not JSON',
        { status },
      );
      return { kind: 'error', error, unhealthy: false, lastUpdate };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(response.body.toString('utf8'));
    } catch (err) {
      return { kind: 'error', error: classifyGitlabError(err), unhealthy: false, lastUpdate };
    }
    const parsed = parseJobPayload(raw);
    if (parsed.ok) {
      return { kind: 'job', job: parsed.job, lastUpdate };
    }
    const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    return {
      kind: 'invalid-job',
      jobId: typeof fields.id === 'number' ? fields.id : undefined,
      jobToken: typeof fields.token === 'string' ? fields.token : undefined,
      problems: parsed.problems,
      lastUpdate,
    };
  }
  const code = codeForStatus(status) ?? 'unexpected_status';
  const error = new GitlabApiError(code, 'could not request a job', {
    status,
    requestId: response.requestId,
  });
  return { kind: 'error', error, unhealthy: status === 403, lastUpdate };
}
