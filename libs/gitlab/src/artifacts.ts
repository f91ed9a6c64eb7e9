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
      readonly kind: 'failed';
      readonly status: number | undefined;
      readonly error: GitlabApiError;
    });

/** How GitLab answered an artifact download; `ok` carries the archive's bytes as a stream. */
export type DownloadArtifactResult =
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
    };

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
    // TODO(#5): a 307 to object storage is re-sent there by GitLab Runner; it is a failure here.
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
    if (response.status === 200 && response.body !== null) {
      return {
        kind: 'ok',
        status: 200,
        statusText,
        body: Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]),
      };
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404) {
      return { kind: 'not_found', status: 404, statusText };
    }
    if (response.status === 401 || response.status === 403) {
      return { kind: 'forbidden', status: response.status, statusText };
    }
    return {
      kind: 'failed',
      status: response.status,
      statusText,
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
