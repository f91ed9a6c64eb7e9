/** Stable codes for every way a call to the GitLab runner API can fail. */
export type GitlabApiErrorCode =
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'server_error'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'aborted'
  | 'bad_request'
  | 'unprocessable'
  | 'bad_response'
  | 'unexpected_status'
  | 'invalid_config'
  /** The client threw where it answers with a result (a bug or an unforeseen error): retryable. */
  | 'client_fault';

/** Codes whose call may succeed when simply tried again later. */
const RETRYABLE_CODES: ReadonlySet<GitlabApiErrorCode> = new Set([
  'conflict',
  'rate_limited',
  'server_error',
  'unavailable',
  'timeout',
  'network',
  'client_fault',
]);

/** A failed runner API call: the code says what happened, `status` is the HTTP status if any. */
export class GitlabApiError extends Error {
  override readonly name = 'GitlabApiError';
  readonly code: GitlabApiErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  /** The request id GitLab answered with (or ours), for matching with server logs. */
  readonly requestId: string | undefined;

  constructor(
    code: GitlabApiErrorCode,
    message: string,
    options: { status?: number; cause?: unknown; requestId?: string; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.requestId = options.requestId;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
  }
}

/** The error code GitLab Runner's rules give an HTTP status, or undefined for a 2xx. */
export function codeForStatus(status: number): GitlabApiErrorCode | undefined {
  if (status >= 200 && status < 300) {
    return undefined;
  }
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 408:
      return 'timeout';
    case 409:
      return 'conflict';
    case 422:
      return 'unprocessable';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'server_error' : 'unexpected_status';
  }
}

/** Node's socket-level error codes that mean "the network, not GitLab, failed". */
const NETWORK_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The first `code` string on an error or its causes (ECONNREFUSED, UND_ERR_…), for logs. */
export function errnoOf(err: unknown): string | undefined {
  // typeof, not instanceof: fetch's errors can come from another realm (Jest's vm contexts).
  for (
    let current = err, depth = 0;
    typeof current === 'object' && current !== null && depth < 5;
    depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns anything a runner API call can produce (an HTTP status, a fetch failure, an abort, a
 * JSON syntax error, an existing GitlabApiError) into one GitlabApiError, when classifying.
 */
export function classifyGitlabError(err: unknown): GitlabApiError {
  if (err instanceof GitlabApiError) {
    return err;
  }
  if (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { status?: unknown }).status === 'number'
  ) {
    const status = (err as { status: number }).status;
    const code = codeForStatus(status) ?? 'unexpected_status';
    return new GitlabApiError(code, 'could not complete the runner API call', {
      status,
      cause: err,
    });
  }
  if (err instanceof Error && err.name === 'TimeoutError') {
    return new GitlabApiError('timeout', 'could not get an answer from GitLab in time', {
      cause: err,
    });
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return new GitlabApiError('aborted', 'could not finish the call: it was aborted', {
      cause: err,
    });
  }
  if (err instanceof SyntaxError) {
    return new GitlabApiError('bad_response', 'could not parse the answer from GitLab', {
      cause: err,
    });
  }
  const errno = errnoOf(err);
  if (
    (errno !== undefined && NETWORK_ERRNO.has(errno)) ||
    (err instanceof TypeError && err.message === 'fetch failed')
  ) {
    return new GitlabApiError('network', 'could not reach GitLab', { cause: err });
  }
  return new GitlabApiError('network', 'could not complete the runner API call', { cause: err });
}
