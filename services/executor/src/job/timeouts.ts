import { parseGoDuration } from '@taskfleet/config';
import type { JobPayload } from '@taskfleet/gitlab';

/** GitLab Runner's job timeout when the payload gives none (`runner_info.timeout` ≤ 0): 2 h. */
export const defaultJobTimeoutMs = 7200_000;
/** GitLab Runner's after_script timeout unless RUNNER_AFTER_SCRIPT_TIMEOUT says otherwise: 5 min. */
export const defaultAfterScriptTimeoutMs = 5 * 60_000;

/** The time limits of one job, and warnings about variables that could not be used as given. */
export interface JobTimeouts {
  readonly jobTimeoutMs: number;
  /** RUNNER_SCRIPT_TIMEOUT, when set: the limit on the user steps (`script`, `release`, …). */
  readonly scriptTimeoutMs: number | undefined;
  readonly afterScriptTimeoutMs: number;
  readonly warnings: readonly string[];
}

/**
 * Reads the job timeout from `runner_info.timeout` and the stage timeouts from the job's
 * RUNNER_SCRIPT_TIMEOUT and RUNNER_AFTER_SCRIPT_TIMEOUT (Go durations, the last value wins);
 * an unreadable or non-positive value is left out with a warning, as is one beyond the job's.
 */
export function jobTimeouts(payload: JobPayload): JobTimeouts {
  const seconds = payload.runner_info.timeout;
  const jobTimeoutMs = seconds > 0 ? seconds * 1000 : defaultJobTimeoutMs;
  const warnings: string[] = [];
  const read = (key: string): number | undefined => {
    const value = payload.variables.findLast(v => v.key === key)?.value;
    if (value === undefined || value === '') {
      return undefined;
    }
    const parsed = parseGoDuration(value);
    if (!parsed.ok || parsed.ms <= 0) {
      warnings.push(`${key} ${JSON.stringify(value)} is not a positive duration; ignored`);
      return undefined;
    }
    if (parsed.ms > jobTimeoutMs) {
      warnings.push(
        `${key} ${formatGoDuration(parsed.ms)} exceeds the job timeout ` +
          `${formatGoDuration(jobTimeoutMs)}; the job timeout applies`,
      );
    }
    return parsed.ms;
  };
  const scriptTimeoutMs = read('RUNNER_SCRIPT_TIMEOUT');
  const afterScriptTimeoutMs = read('RUNNER_AFTER_SCRIPT_TIMEOUT') ?? defaultAfterScriptTimeoutMs;
  return { jobTimeoutMs, scriptTimeoutMs, afterScriptTimeoutMs, warnings };
}

/** A duration as Go's `time.Duration.String()` writes whole milliseconds: `1h0m0s`, `1m30s`, `500ms`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  if (ms < 1000) {
    return `${ms}ms`;
  }
  const hours = Math.floor(ms / 3600_000);
  const minutes = Math.floor((ms % 3600_000) / 60_000);
  const secondsMs = ms % 60_000;
  const whole = Math.floor(secondsMs / 1000);
  const fraction = secondsMs % 1000;
  const secondsText =
    fraction === 0
      ? `${whole}s`
      : `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}s`;
  if (hours > 0) {
    return `${hours}h${minutes}m${secondsText}`;
  }
  if (minutes > 0) {
    return `${minutes}m${secondsText}`;
  }
  return secondsText;
}
