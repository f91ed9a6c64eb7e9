import { runnerVersion } from './build-scripts';
import { ansiBoldGreen, ansiBoldRed, ansiReset, ansiYellow } from './sections';

/** The first lines of every job log: who runs it. */
export function jobHeader(runnerDescription: string | undefined): string {
  const on = runnerDescription === undefined ? '' : `  on ${runnerDescription}\n`;
  return `Running with taskfleet ${runnerVersion}\n${on}`;
}

/** The last line of a successful job. */
export function jobSucceededLine(): string {
  return `${ansiBoldGreen}Job succeeded${ansiReset}\n`;
}

/** The last line of a failed job, worded as GitLab Runner words script and system failures. */
export function jobFailedLine(failure: {
  exitCode?: number;
  detail?: string;
  systemFailure?: boolean;
}): string {
  const kind = failure.systemFailure === true ? 'Job failed (system failure)' : 'Job failed';
  const detail =
    failure.detail ??
    (failure.exitCode === undefined ? undefined : `exit code ${failure.exitCode}`);
  const text = detail === undefined ? `ERROR: ${kind}` : `ERROR: ${kind}: ${detail}`;
  return `${ansiBoldRed}${text}${ansiReset}\n`;
}

/** A yellow warning line. */
export function warningLine(text: string): string {
  return `${ansiYellow}WARNING: ${text}${ansiReset}\n`;
}
