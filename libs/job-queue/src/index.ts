export { JobQueueError } from './errors';
export { FailBackRequests } from './fail-back';
export type { FailBackReason, FailBackRequest, KeyMismatchSeen } from './fail-back';
export type { JobQueueErrorCode } from './errors';
export {
  createJobQueue,
  defaultKeepCompleted,
  defaultKeepFailed,
  queuedJobAttempts,
  queuedJobBackoff,
  queuedJobName,
} from './job-queue';
export type { EnqueueResult, JobQueue, JobQueueOptions } from './job-queue';
export {
  decryptPayload,
  encryptPayload,
  payloadEnvelopeVersion,
  payloadKeyId,
} from './payload-crypto';
export type { EncryptedPayload } from './payload-crypto';
export { jobQueueName, jobQueuePrefix, queueJobId } from './queue-name';
export type { QueuedJob } from './queued-job';
export { runnerKeyFor } from './runner-key';
export type { RunnerIdentity } from './runner-key';
