export {
  adaptiveFactors,
  allowedRequests,
  nextAdaptiveLimit,
  requestSignal,
} from './adaptive-concurrency';
export type { RequestSignal } from './adaptive-concurrency';
export { backoffDelayMs, defaultBackoff } from './backoff';
export type { BackoffPolicy } from './backoff';
export { PollerError } from './errors';
export type { PollerErrorCode } from './errors';
export { invalidJobTrace } from './fail-invalid-job';
export type { HandoffOutcome } from './job-handoff';
export { Poller, defaultReservationTtlMs, pollerVersion } from './poller';
export type { PollerOptions, RunnerRequestConcurrency } from './poller';
export type { RequestGateFigures } from './request-gate';
export type { IntakeEvent, IntakeObserver } from './runner-intake';
export { unrefClock } from '@taskfleet/gitlab';
