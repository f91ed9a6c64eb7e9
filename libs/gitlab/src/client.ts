import type { Logger } from 'pino';

import { downloadArtifact, uploadArtifact } from './artifacts';
import type {
  DownloadArtifactResult,
  UploadArtifactInput,
  UploadArtifactResult,
} from './artifacts';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { GitlabApiError, classifyGitlabError, codeForStatus, errnoOf } from './errors';
import { HttpTransport } from './http';
import type { FetchLike, HttpRequest, HttpResponse } from './http';
import { tokenRef } from './redact';
import { interpretRequestJobResponse, isApplicationJson } from './request-job';
import type { RequestJobResult } from './request-job';
import { defaultRetryPolicy } from './retry';
import type { RetryPolicy } from './retry';
import type { RunnerInfo } from './runner-info';
import {
  interpretPatchResponse,
  contentRange,
  patchFailedWithoutAnswer,
} from './trace/patch-trace';
import type { PatchTraceResult } from './trace/patch-trace';
import { interpretUpdateResponse, updateFailedWithoutAnswer, updateJobBody } from './update-job';
import type { UpdateJobInput, UpdateJobResult } from './update-job';
import { unboundOf } from './log-bindings';

/** Everything a client needs; all but `url`, `logger` and `runnerInfo` have defaults. */
export interface GitlabClientOptions {
  /** The runner's configured `url` (GitLab's address); `/ci` and a trailing `/` are trimmed. */
  readonly url: string;
  readonly logger: Logger;
  readonly runnerInfo: RunnerInfo;
  /** The host's `system_id` (`s_…`/`r_…`), sent with verify and job requests. */
  readonly systemId?: string;
  readonly clock?: Clock;
  readonly fetch?: FetchLike;
  readonly retryPolicy?: Partial<RetryPolicy>;
  readonly random?: () => number;
  readonly requestTimeoutMs?: number;
}

/** The runner's registration details `POST /runners/verify` answers with. */
export interface VerifiedRunner {
  readonly id: number;
  readonly token: string;
  readonly tokenExpiresAt: string | null;
}

/** Optional parts of a job request. */
export interface RequestJobInput {
  readonly token: string;
  /** The last `X-GitLab-Last-Update` seen; defaults to the one this client remembered for the token. */
  readonly lastUpdate?: string;
  readonly signal?: AbortSignal;
  readonly session?: { url?: string; certificate?: string; authorization?: string };
}

/** Builds the `…/api/v4/` base from a runner `url` as GitLab Runner's `fixCIURL` does. */
export function apiBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new GitlabApiError('invalid_config', 'could not parse the GitLab url', { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new GitlabApiError(
      'invalid_config',
      'could not use the GitLab url: only http and https are allowed',
    );
  }
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/ci$/, '');
  return `${parsed.origin}${path}/api/v4/`;
}

/** GitLab Runner's User-Agent shape: `<name> <version> (<branch>; <runtime>; <os>/<arch>)`. */
function userAgentFor(info: RunnerInfo): string {
  const platform = `${info.platform ?? process.platform}/${info.architecture ?? process.arch}`;
  return `taskfleet ${info.version ?? 'dev'} (main; node${process.versions.node}; ${platform})`;
}

/** The GitLab runner API client used by the poller and the executor (reference §2–§5). */
export class GitlabClient {
  private readonly http: HttpTransport;
  private readonly logger: Logger;
  private readonly info: RunnerInfo;
  private readonly lastUpdates = new Map<string, string>();
  /** The GitLab address for logs: scheme, host and port only, so no userinfo is ever logged. */
  private readonly origin: string;
  /** The runner API base for logs: origin and path, no userinfo and no query. */
  private readonly apiUrl: string;

  constructor(private readonly options: GitlabClientOptions) {
    this.logger = options.logger.child(unboundOf(options.logger, { component: 'gitlab-client' }));
    this.info = options.runnerInfo;
    const api = new URL(apiBaseUrl(options.url));
    this.origin = api.origin;
    this.apiUrl = `${api.origin}${api.pathname}`;
    this.http = new HttpTransport({
      apiBaseUrl: apiBaseUrl(options.url),
      userAgent: userAgentFor(options.runnerInfo),
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      clock: options.clock ?? systemClock,
      retryPolicy: { ...defaultRetryPolicy, ...options.retryPolicy },
      logger: this.logger,
      random: options.random ?? Math.random,
      requestTimeoutMs: options.requestTimeoutMs ?? 10 * 60_000,
    });
  }

  /** Checks a runner authentication token with `POST /runners/verify`; throws when it is refused. */
  async verifyRunner(token: string): Promise<VerifiedRunner> {
    const response = await this.http.send({
      method: 'POST',
      path: 'runners/verify',
      headers: { 'RUNNER-TOKEN': token },
      json: { token, info: this.info, ...this.systemIdField() },
      acceptJson: true,
      logFields: { runner: tokenRef(token) },
    });
    if (response.status !== 200) {
      const code = codeForStatus(response.status) ?? 'unexpected_status';
      throw new GitlabApiError(code, 'could not verify the runner token', {
        status: response.status,
      });
    }
    // Old servers answer 200 with the text "200": accepted, with no details to return.
    if (!isApplicationJson(response.headers.get('content-type'))) {
      return { id: 0, token, tokenExpiresAt: null };
    }
    const body = this.parseJson(response) as {
      id?: unknown;
      token?: unknown;
      token_expires_at?: unknown;
    };
    return {
      id: typeof body.id === 'number' ? body.id : 0,
      token: typeof body.token === 'string' ? body.token : token,
      tokenExpiresAt: typeof body.token_expires_at === 'string' ? body.token_expires_at : null,
    };
  }

  /** Asks for a job with `POST /jobs/request` (long-polled when `lastUpdate` is known). */
  async requestJob(input: RequestJobInput): Promise<RequestJobResult> {
    const lastUpdate = input.lastUpdate ?? this.lastUpdates.get(input.token);
    let response: HttpResponse;
    try {
      response = await this.http.send({
        method: 'POST',
        path: 'jobs/request',
        headers: { 'RUNNER-TOKEN': input.token },
        json: {
          info: this.info,
          token: input.token,
          ...this.systemIdField(),
          ...(lastUpdate === undefined ? {} : { last_update: lastUpdate }),
          ...(input.session === undefined ? {} : { session: input.session }),
        },
        acceptJson: true,
        ...(input.signal === undefined ? {} : { signal: input.signal }),
        logFields: { runner: tokenRef(input.token) },
      });
    } catch (err) {
      const error = classifyGitlabError(err);
      if (error.code !== 'aborted') {
        // Without this line a URL that answers nothing looks like a quiet GitLab.
        this.logger.warn(
          {
            runner: tokenRef(input.token),
            url: this.origin,
            code: error.code,
            errno: errnoOf(error.cause),
          },
          'job request failed: gitlab not reached',
        );
      }
      // A network failure is thrown at once, never retried, so one attempt was made.
      return { kind: 'error', error, unhealthy: false, lastUpdate, attempts: 1 };
    }
    const header = response.headers.get('x-gitlab-last-update');
    // An empty header never replaces the value already known (GitLab Runner's setLastUpdate).
    const nextLastUpdate = header === null || header === '' ? lastUpdate : header;
    if (nextLastUpdate !== undefined) {
      this.lastUpdates.set(input.token, nextLastUpdate);
    }
    const result: RequestJobResult = {
      ...interpretRequestJobResponse(response, nextLastUpdate),
      attempts: response.attempts,
    };
    const fields = { runner: tokenRef(input.token), status: response.status, kind: result.kind };
    if (result.kind === 'job') {
      this.logger.info({ ...fields, jobId: result.job.id }, 'gitlab assigned a job');
    } else if (result.kind === 'invalid-job') {
      this.logger.warn(
        { ...fields, jobId: result.jobId, problems: result.problems },
        'gitlab assigned an undecodable job',
      );
    } else if (result.kind === 'error' && (response.status === 401 || response.status === 403)) {
      this.logger.warn(
        { ...fields, url: this.origin, code: result.error.code },
        'job request refused: gitlab does not accept this runner token',
      );
    } else if (result.kind === 'error' && response.status === 404) {
      // A `url` that points at a web server other than GitLab answers 404 to every call: the
      // address is what the operator has to correct, so it is in the line.
      this.logger.warn(
        {
          ...fields,
          url: this.origin,
          requestUrl: `${this.apiUrl}jobs/request`,
          code: result.error.code,
        },
        'job request failed: no gitlab runner api at this url',
      );
    } else if (result.kind === 'error') {
      this.logger.warn(
        { ...fields, url: this.origin, code: result.error.code },
        'job request failed',
      );
    }
    return result;
  }

  /** Accepts a job right after it was assigned (the two-phase commit's second phase, `state=running`). */
  acceptJob(jobId: number, jobToken: string): Promise<UpdateJobResult> {
    return this.updateJob(jobId, jobToken, { state: 'running' });
  }

  /** Tells GitLab the job is alive, with the trace's checksum and size so far. */
  keepAlive(
    jobId: number,
    jobToken: string,
    output: { checksum: string; bytesize: number },
  ): Promise<UpdateJobResult> {
    return this.updateJob(jobId, jobToken, { state: 'running', ...output });
  }

  /** Sends `PUT /jobs/:id` and classifies the answer per §4.3; never throws for HTTP or network failures. */
  async updateJob(
    jobId: number,
    jobToken: string,
    input: UpdateJobInput,
  ): Promise<UpdateJobResult> {
    const request: HttpRequest = {
      method: 'PUT',
      path: `jobs/${jobId}`,
      headers: { 'JOB-TOKEN': jobToken },
      json: updateJobBody(this.info, jobToken, input),
      logFields: { jobId, state: input.state },
    };
    let result: UpdateJobResult;
    try {
      result = interpretUpdateResponse(await this.http.send(request));
    } catch (err) {
      result = updateFailedWithoutAnswer(classifyGitlabError(err));
    }
    this.logger.debug(
      { jobId, state: input.state, kind: result.kind, jobStatus: result.jobStatus },
      'job update answered',
    );
    return result;
  }

  /** Sends bytes `[offsetBytes, offsetBytes + chunk.length)` of the job log; never throws for HTTP failures. */
  async patchTrace(
    jobId: number,
    jobToken: string,
    offsetBytes: number,
    chunk: Uint8Array,
    options: { debugTrace?: boolean } = {},
  ): Promise<PatchTraceResult> {
    if (chunk.length === 0) {
      throw new RangeError('could not send the job log: an empty patch is never sent');
    }
    try {
      const response = await this.http.send({
        method: 'PATCH',
        path: `jobs/${jobId}/trace`,
        query: { debug_trace: String(options.debugTrace === true) },
        headers: {
          'JOB-TOKEN': jobToken,
          'Content-Range': contentRange(offsetBytes, chunk.length),
        },
        body: chunk,
        contentType: 'text/plain',
        logFields: { jobId, offsetBytes, lengthBytes: chunk.length },
      });
      return interpretPatchResponse(response);
    } catch (err) {
      return patchFailedWithoutAnswer(classifyGitlabError(err));
    }
  }

  /** Uploads one artifact file of a running job (`POST /jobs/:id/artifacts`); never throws for HTTP failures. */
  uploadArtifact(
    jobId: number,
    jobToken: string,
    input: UploadArtifactInput,
  ): Promise<UploadArtifactResult> {
    return uploadArtifact(this.http, jobId, jobToken, input);
  }

  /** Downloads a dependency's archive as the running job `jobToken`; never throws for HTTP failures. */
  downloadArtifact(
    dependencyJobId: number,
    jobToken: string,
    signal?: AbortSignal,
  ): Promise<DownloadArtifactResult> {
    return downloadArtifact(this.http, dependencyJobId, jobToken, signal);
  }

  private systemIdField(): { system_id?: string } {
    return this.options.systemId === undefined ? {} : { system_id: this.options.systemId };
  }

  private parseJson(response: HttpResponse): unknown {
    try {
      return JSON.parse(response.body.toString('utf8')) as unknown;
    } catch (err) {
      throw new GitlabApiError('bad_response', 'could not parse the answer from GitLab', {
        cause: err,
        status: response.status,
      });
    }
  }
}
