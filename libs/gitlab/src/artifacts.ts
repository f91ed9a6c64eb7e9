import { openAsBlob } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';

import { GitlabApiError, classifyGitlabError } from './errors';
import type { HttpTransport } from './http';

/** One artifact file to upload, as GitLab Runner's artifacts uploader sends it. */
export interface UploadArtifactInput {
  /** A file on this host holding the archive (zip), the gzip stream or the raw file. */
  readonly filePath: string;
  /** The name GitLab stores, e.g. `artifacts.zip` or `junit.xml.gz`. */
  readonly fileName: string;
  /** `archive`, `junit`, … (`artifact_type` of the payload). */
  readonly type: string;
  /** `zip`, `gzip` or `raw` (`artifact_format` of the payload). */
  readonly format: string;
  /** `expire_in` as written in `.gitlab-ci.yml`; empty for the server's default. */
  readonly expireIn: string;
  /**
   * The GitLab URL to send to instead of the configured one: the origin of an earlier 307's
   * `Location`, as GitLab Runner's uploader re-sends there (`uploadBaseUrlAfterRedirect`).
   */
  readonly gitlabUrl?: string;
  readonly signal?: AbortSignal;
}

/** The parts of an upload's answer GitLab Runner prints: status and the request's correlation id. */
interface UploadAnswer {
  readonly statusText: string;
  /** `X-Request-Id` of the answer, else the one sent; unset when nothing answered. */
  readonly correlationId?: string;
}

/** How GitLab answered an artifact upload, classified as GitLab Runner classifies it. */
export type UploadArtifactResult =
  | (UploadAnswer & { readonly kind: 'created'; readonly status: number })
  | (UploadAnswer & { readonly kind: 'too_large'; readonly status: 413 })
  | (UploadAnswer & { readonly kind: 'forbidden'; readonly status: number })
  | (UploadAnswer & {
      readonly kind: 'redirected';
      readonly status: 307;
      /** The answer's `Location`, as sent. */
      readonly location: string;
      /** Where GitLab Runner re-sends the upload: the location's origin (path and query dropped). */
      readonly gitlabUrl: string;
    })
  | (UploadAnswer & {
      readonly kind: 'failed';
      readonly status: number | undefined;
      readonly error: GitlabApiError;
    });

/** How GitLab answered an artifact download; `ok` carries the archive's bytes as a stream. */
export type DownloadArtifactResult = DownloadAnswer &
  (
    | {
        readonly kind: 'ok';
        readonly status: number;
        readonly statusText: string;
        readonly body: Readable;
      }
    | {
        readonly kind: 'not_found' | 'forbidden';
        readonly status: number;
        readonly statusText: string;
      }
    | {
        readonly kind: 'failed';
        readonly status: number | undefined;
        readonly statusText: string;
        readonly error: GitlabApiError;
      }
  );

/** The correlation id of a download's answer (`X-Request-Id`, else the one sent), when one came. */
interface DownloadAnswer {
  readonly correlationId?: string;
}

// Go's http.StatusText, which GitLab Runner prints, words these differently from Node.
const goStatusTexts: Readonly<Record<number, string>> = {
  413: 'Request Entity Too Large',
  414: 'Request URI Too Long',
  416: 'Requested Range Not Satisfiable',
};

/** `201 Created`: the status line text GitLab Runner prints after an artifact call. */
export function statusLine(status: number): string {
  return `${status} ${goStatusTexts[status] ?? STATUS_CODES[status] ?? ''}`.trim();
}

/** Sends `POST /jobs/:id/artifacts` with the file as the multipart part `file`; never throws for HTTP failures. */
export async function uploadArtifact(
  http: HttpTransport,
  jobId: number,
  jobToken: string,
  input: UploadArtifactInput,
): Promise<UploadArtifactResult> {
  const query: Record<string, string> = {
    artifact_format: input.format,
    artifact_type: input.type,
  };
  if (input.expireIn !== '') {
    query.expire_in = input.expireIn;
  }
  try {
    // A file-backed Blob is read again on each retry, so the archive is never held in memory.
    const form = new FormData();
    form.append('file', await openAsBlob(input.filePath), input.fileName);
    const response = await http.send({
      method: 'POST',
      path: `jobs/${jobId}/artifacts`,
      ...(input.gitlabUrl === undefined ? {} : { apiBaseUrl: `${input.gitlabUrl}/api/v4/` }),
      // GitLab Runner streams the upload, so Go never follows a 307 itself (reference §6).
      redirect: 'manual',
      query,
      headers: { 'JOB-TOKEN': jobToken },
      form,
      ...(input.signal === undefined ? {} : { signal: input.signal }),
      logFields: { jobId, artifactType: input.type },
    });
    const answer = { statusText: statusLine(response.status), correlationId: response.requestId };
    if (response.status === 201) {
      return { kind: 'created', status: 201, ...answer };
    }
    if (response.status === 413) {
      return { kind: 'too_large', status: 413, ...answer };
    }
    if (response.status === 401 || response.status === 403) {
      return { kind: 'forbidden', status: response.status, ...answer };
    }
    if (response.status === 307) {
      const location = response.headers.get('location') ?? '';
      const gitlabUrl = uploadBaseUrlAfterRedirect(location);
      if (gitlabUrl !== undefined) {
        return { kind: 'redirected', status: 307, ...answer, location, gitlabUrl };
      }
    }
    return {
      kind: 'failed',
      status: response.status,
      ...answer,
      error: classifyGitlabError({ status: response.status }),
    };
  } catch (err) {
    const error = classifyGitlabError(err);
    return { kind: 'failed', status: undefined, statusText: error.code, error };
  }
}

/**
 * The GitLab URL an artifact upload answered 307 goes to next, as GitLab Runner's uploader
 * takes it: the `Location`'s scheme and host only; undefined for an empty or unusable one.
 */
export function uploadBaseUrlAfterRedirect(location: string): string | undefined {
  if (location === '') {
    return undefined;
  }
  try {
    const url = new URL(location);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Sends `GET /jobs/:id/artifacts` as the running job `jobToken`; never throws for HTTP failures. */
export async function downloadArtifact(
  http: HttpTransport,
  dependencyJobId: number,
  jobToken: string,
  signal?: AbortSignal,
): Promise<DownloadArtifactResult> {
  try {
    const response = await http.sendStreaming({
      method: 'GET',
      path: `jobs/${dependencyJobId}/artifacts`,
      headers: { 'JOB-TOKEN': jobToken },
      ...(signal === undefined ? {} : { signal }),
      logFields: { dependencyJobId },
    });
    const statusText = statusLine(response.status);
    const correlationId = response.requestId;
    if (response.status === 200 && response.body !== null) {
      return {
        kind: 'ok',
        status: 200,
        statusText,
        correlationId,
        body: Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]),
      };
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404) {
      return { kind: 'not_found', status: 404, statusText, correlationId };
    }
    if (response.status === 401 || response.status === 403) {
      return { kind: 'forbidden', status: response.status, statusText, correlationId };
    }
    return {
      kind: 'failed',
      status: response.status,
      statusText,
      correlationId,
      error:
        response.status === 200
          ? new GitlabApiError('bad_response', 'could not read the artifacts: no body')
          : classifyGitlabError({ status: response.status }),
    };
  } catch (err) {
    const error = classifyGitlabError(err);
    return { kind: 'failed', status: undefined, statusText: error.code, error };
  }
}
