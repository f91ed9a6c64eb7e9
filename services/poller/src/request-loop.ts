import { activePolicy } from '@taskfleet/taskscaler';
import { context, inSpan, spanNames, traceAttributes } from '@taskfleet/telemetry';

import { requestSignal } from './adaptive-concurrency';
import type { RequestSignal } from './adaptive-concurrency';
import { backoffDelayMs } from './backoff';
import { failInvalidJob } from './fail-invalid-job';
import { withinConcurrent } from './intake-limits';
import { handOffJob } from './job-handoff';
import type { IntakeEvent, RunnerIntake } from './runner-intake';

/** The two signals a loop obeys: `stop` ends polling, `force` also ends hand-offs in flight. */
export interface LoopSignals {
  readonly stop: AbortSignal;
  readonly force: AbortSignal;
}

type Reservation =
  { readonly id: string } | { readonly refused: string } | { readonly error: true };

function tell(intake: RunnerIntake, event: IntakeEvent): void {
  try {
    intake.observer?.intakeEvent(intake.runner, event);
  } catch (err) {
    intake.logger.warn({ err }, 'intake observer failed');
  }
}

async function reserve(intake: RunnerIntake): Promise<Reservation> {
  const { autoscaler } = intake.runner;
  const policy = activePolicy(autoscaler.policies, intake.clock.now());
  try {
    const r = await intake.registry.reserve({
      ownerId: intake.ownerId,
      ttlMs: intake.settings.reservationTtlMs,
      mode: policy.preemptiveMode ? 'preemptive' : 'potential',
      maxInstances: autoscaler.maxInstanceCount ?? intake.settings.unlimitedInstances,
      capacityPerInstance: autoscaler.capacityPerInstance,
      jobLimit: intake.jobLimit,
    });
    if (!r.reserved) {
      return { refused: r.reason };
    }
    if (!(await withinConcurrent(intake.concurrentLimit))) {
      await release(intake, r.reservationId);
      return { refused: 'concurrent' };
    }
    return { id: r.reservationId };
  } catch (err) {
    intake.logger.warn({ err }, 'could not reserve intake capacity');
    return { error: true };
  }
}

async function release(intake: RunnerIntake, reservationId: string): Promise<void> {
  try {
    await intake.registry.releaseReservation(reservationId);
  } catch (err) {
    // It lapses at its TTL; until then it only holds back intake, never scale-down (B03).
    intake.logger.warn({ err }, 'could not release reservation');
  }
}

/** What the loop does after one round, decided by the round's outcome. */
type RoundEnd = { readonly kind: 'again' } | { readonly kind: 'wait'; readonly ms: number };

/** Releases the round's request permit once; later calls do nothing. */
type ReleasePermit = (signal?: RequestSignal) => void;

/**
 * One round under a permit of the runner's request gate, taken before the reservation so that a
 * loop waiting for its turn holds no capacity. The permit is given back as soon as GitLab has
 * answered, before the hand-off, as GitLab Runner frees its request slot.
 */
async function oneRound(
  intake: RunnerIntake,
  signals: LoopSignals,
  failures: { n: number },
): Promise<RoundEnd> {
  if (!(await intake.requestGate.acquire(signals.stop))) {
    return { kind: 'again' };
  }
  let held = true;
  const releasePermit: ReleasePermit = signal => {
    if (held) {
      held = false;
      intake.requestGate.release(signal);
    }
  };
  try {
    return await permittedRound(intake, signals, failures, releasePermit);
  } finally {
    releasePermit();
  }
}

async function permittedRound(
  intake: RunnerIntake,
  signals: LoopSignals,
  failures: { n: number },
  releasePermit: ReleasePermit,
): Promise<RoundEnd> {
  const { settings, clock, logger, runner } = intake;
  const reservation = await reserve(intake);
  if ('error' in reservation) {
    failures.n += 1;
    return { kind: 'wait', ms: backoffDelayMs(settings.backoff, failures.n) };
  }
  if ('refused' in reservation) {
    // Invariant 6: with no capacity no job is requested; wake later and look again.
    logger.debug({ reason: reservation.refused }, 'no intake capacity');
    tell(intake, { kind: 'no-capacity' });
    return { kind: 'wait', ms: settings.noCapacityWakeMs };
  }
  const startedAtMs = clock.now();
  // Span times are wall time whatever clock drives the loop; empty polls make no span.
  const requestStartedAtMs = Date.now();
  tell(intake, { kind: 'request-started' });
  const result = await intake.client
    .requestJob({ token: runner.token, signal: signals.stop })
    .catch((err: unknown) => {
      releasePermit(signals.stop.aborted ? undefined : 'empty');
      tell(intake, { kind: 'request-failed' });
      throw err;
    });
  // A poll cut short by shutdown says nothing about GitLab's demand.
  releasePermit(signals.stop.aborted ? undefined : requestSignal(result));
  tell(
    intake,
    result.kind === 'job' || result.kind === 'none' || result.kind === 'invalid-job'
      ? { kind: 'request-finished', outcome: result.kind }
      : { kind: 'request-failed' },
  );
  const paceMs = Math.max(0, settings.checkIntervalMs - (clock.now() - startedAtMs));
  if (result.kind === 'job') {
    failures.n = 0;
    intake.unhealthyCount = 0;
    const job = result.job;
    const attributes = {
      [traceAttributes.gitlabJobId]: job.id,
      [traceAttributes.runnerKey]: intake.runnerKey,
      ...(runner.id === null ? {} : { [traceAttributes.runnerId]: runner.id }),
    };
    const tracer = intake.tracer;
    await inSpan(
      tracer,
      spanNames.pollerJob,
      { attributes, startTimeMs: requestStartedAtMs },
      async span => {
        tracer
          .startSpan(spanNames.pollerRequest, { startTime: requestStartedAtMs }, context.active())
          .end();
        const outcome = await handOffJob(intake, job, reservation.id, signals.force);
        span.setAttribute(traceAttributes.outcome, outcome);
      },
    );
    // GitLab Runner asks again at once after a job unless strict_check_interval is set.
    return runner.strictCheckInterval ? { kind: 'wait', ms: paceMs } : { kind: 'again' };
  }
  await release(intake, reservation.id);
  if (result.kind === 'none') {
    failures.n = 0;
    intake.unhealthyCount = 0;
    return { kind: 'wait', ms: paceMs };
  }
  if (result.kind === 'invalid-job') {
    failures.n = 0;
    if (result.jobId !== undefined && result.jobToken !== undefined) {
      await failInvalidJob(
        intake,
        { jobId: result.jobId, jobToken: result.jobToken, problems: result.problems },
        signals.force,
      );
    } else {
      logger.error({ problems: result.problems }, 'undecodable job without id or token');
    }
    return { kind: 'again' };
  }
  if (signals.stop.aborted) {
    return { kind: 'again' };
  }
  failures.n += 1;
  if (result.unhealthy) {
    intake.unhealthyCount += 1;
    if (intake.unhealthyCount >= runner.unhealthyRequestsLimit) {
      logger.error({ count: intake.unhealthyCount }, 'runner unhealthy; pausing job requests');
      intake.unhealthyCount = 0;
      return { kind: 'wait', ms: runner.unhealthyIntervalMs };
    }
  }
  return { kind: 'wait', ms: backoffDelayMs(settings.backoff, failures.n) };
}

/**
 * One request loop of one runner: reserve, long-poll, hand off or release, and pace itself,
 * until `stop` aborts. Never throws: every failure is logged and backed off.
 */
export async function runRequestLoop(intake: RunnerIntake, signals: LoopSignals): Promise<void> {
  const failures = { n: 0 };
  while (!signals.stop.aborted) {
    let end: RoundEnd;
    try {
      end = await oneRound(intake, signals, failures);
    } catch (err) {
      failures.n += 1;
      intake.logger.error({ err }, 'request loop round failed');
      end = { kind: 'wait', ms: backoffDelayMs(intake.settings.backoff, failures.n) };
    }
    // An aborted stop signal ends the sleep at once, so shutdown never waits out a back-off.
    if (end.kind === 'wait') {
      await intake.clock.sleep(end.ms, signals.stop);
    }
  }
}
