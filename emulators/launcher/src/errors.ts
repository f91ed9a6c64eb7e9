/** Why the launcher failed; stable for callers to branch on. */
export type LauncherErrorCode = 'invalid_option' | 'start_failed' | 'close_failed';

/** A failure to parse the launcher's options or to start or stop the emulators. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';
  readonly code: LauncherErrorCode;
  readonly retryable: boolean;

  constructor(code: LauncherErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    // A port taken by another process may be free on the next attempt; bad options never are.
    this.retryable = code === 'start_failed';
  }
}
