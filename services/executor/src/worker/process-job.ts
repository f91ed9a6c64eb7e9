import type { QueuedJob } from '@taskfleet/job-queue';

import { acquireSlot } from './acquire-slot';
import { decodeQueuedPayload } from './decode-payload';
import { JobRun, errorName, targetOf } from './job-run';
import type { JobProcessorOptions, ProcessResult } from './processor-options';

/**
 * Runs one queued job from claim to final state: decrypt, claim a slot (waiting up to
 * `instanceAcquireTimeoutMs`), connect, mark it started, run it, release the slot and report.
 */
export class JobProcessor {
  constructor(private readonly options: JobProcessorOptions) {}

  /** Processes one delivery; throws `payload_unreadable` when the payload cannot be decrypted. */
  async process(queued: QueuedJob, signal?: AbortSignal): Promise<ProcessResult> {
    const { options } = this;
    const jobId = queued.gitlabJobId;
    const logger = options.logger.child({ jobId });
    let decoded;
    try {
      decoded = decodeQueuedPayload(queued.payload, options.payloadKey);
    } catch (error) {
      // Without the payload there is no job token, so GitLab cannot be told; free what we hold.
      // TODO(#5): such a job stays running in GitLab until its timeout (invariant 1 not met).
      await options.registry.dropPending(String(jobId));
      await options.registry.releaseSlot(String(jobId));
      logger.error({ err: errorName(error) }, 'could not decrypt job payload');
      throw error;
    }
    const stage = await options.progress.stageOf(jobId);
    if (stage === 'finished') {
      logger.info('job already finished, redelivery acknowledged');
      return 'already_finished';
    }
    if (decoded.kind === 'unrunnable') {
      await options.registry.dropPending(String(jobId));
      logger.error({ problemCount: decoded.problems.length }, 'job payload cannot be run');
      const run = new JobRun(options, logger, {
        id: decoded.jobId,
        token: decoded.jobToken,
        maskedValues: [],
        tokenMaskPrefixes: [],
        failureReasons: undefined,
      });
      const lines = decoded.problems.map(p => `  ${p}`).join('\n');
      return run.failSystem(`the job payload cannot be run:\n${lines}\n`);
    }
    const job = decoded.job;
    const run = new JobRun(options, logger, targetOf(job));
    if (stage === 'started') {
      logger.error('job script was started by an executor that stopped; not running it again');
      return run.failSystem('the job was started before and its executor stopped; not re-running');
    }
    const held = await acquireSlot({
      registry: options.registry,
      jobId: String(jobId),
      clock: options.clock,
      timeoutMs: options.instanceAcquireTimeoutMs,
      pollIntervalMs: options.slotPollIntervalMs ?? 1000,
      logger,
      ...(signal === undefined ? {} : { signal }),
    });
    if (held === undefined) {
      await options.registry.dropPending(String(jobId));
      logger.error(
        { instanceAcquireTimeoutMs: options.instanceAcquireTimeoutMs },
        'no instance slot within the acquire timeout',
      );
      if (signal?.aborted === true) {
        return run.failSystem('the job was canceled on the executor before it got an instance');
      }
      const seconds = Math.round(options.instanceAcquireTimeoutMs / 1000);
      return run.failSystem(`no instance became available within ${seconds}s`);
    }
    return run.onSlot(held, job);
  }
}
