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

/** The last line of a failed job, as GitLab Runner words it for a script and a system failure. */
export function jobFailedLine(detail: { exitCode?: number; systemFailure?: string }): string {
  const text =
    detail.systemFailure !== undefined
      ? `ERROR: Job failed (system failure): ${detail.systemFailure}`
      : detail.exitCode !== undefined
        ? `ERROR: Job failed: exit code ${detail.exitCode}`
        : 'ERROR: Job failed';
  return `${ansiBoldRed}${text}${ansiReset}\n`;
}

/** A yellow warning line. */
export function warningLine(text: string): string {
  return `${ansiYellow}WARNING: ${text}${ansiReset}\n`;
}
