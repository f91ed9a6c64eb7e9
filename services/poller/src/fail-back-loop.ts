import { decryptPayload } from '@taskfleet/job-queue';
import type { FailBackRequest, FailBackRequests } from '@taskfleet/job-queue';

import { failInvalidJob } from './fail-invalid-job';
import type { RunnerIntake } from './runner-intake';

/** What GitLab's job log says about a job an executor could not decrypt. */
export const keyMismatchProblem =
  "the executor's payload_encryption_key differs from the poller's (set the same key on every process)";

function openReport(
  request: FailBackRequest,
  key: Buffer,
): { readonly jobId: number; readonly jobToken: string } | undefined {
  try {
    const raw = JSON.parse(decryptPayload(request.report, key)) as {
      id?: unknown;
      token?: unknown;
    };
    if (raw.id === request.gitlabJobId && typeof raw.token === 'string' && raw.token !== '') {
      return { jobId: raw.id, jobToken: raw.token };
    }
  } catch {
    // Sealed by a poller with yet another key: that one fails it.
  }
  return undefined;
}

/**
 * Fails back to GitLab, as `runner_system_failure`, each job an executor handed back because it
 * could not decrypt it and whose envelope this poller's key opens; returns how many it did.
 */
export async function failBackOnce(
  intake: RunnerIntake,
  requests: FailBackRequests,
  signal: AbortSignal,
): Promise<number> {
  let failed = 0;
  for (const request of await requests.list()) {
    const report = openReport(request, intake.payloadKey);
    if (report === undefined) {
      continue;
    }
    await failInvalidJob(intake, { ...report, problems: [keyMismatchProblem] }, signal);
    // Removed only once told: a poller dying before this tells GitLab again, which is harmless.
    await requests.remove(request.gitlabJobId);
    failed++;
  }
  return failed;
}

/** Runs {@link failBackOnce} every `check_interval` until `stop` aborts; errors are logged. */
export async function runFailBackLoop(
  intake: RunnerIntake,
  requests: FailBackRequests,
  signals: { readonly stop: AbortSignal; readonly force: AbortSignal },
): Promise<void> {
  while (!signals.stop.aborted) {
    try {
      await failBackOnce(intake, requests, signals.force);
    } catch (err) {
      intake.logger.warn({ err }, 'could not fail back handed-back jobs');
    }
    await intake.clock.sleep(intake.settings.checkIntervalMs, signals.stop);
  }
}
