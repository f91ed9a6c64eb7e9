import type { Config, RunnerConfig } from '@taskfleet/config';
import {
  FailBackRequests,
  jobQueueName,
  jobQueuePrefix,
  payloadKeyId,
  runnerKeyFor,
} from '@taskfleet/job-queue';
import type { QueuedJob } from '@taskfleet/job-queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

// Enough recent entries to see which key the pollers seal with, few enough to read quickly.
const recentJobs = 50;

const advice = 'every poller and executor must have the same payload_encryption_key';

async function runnerProblems(config: Config, runner: RunnerConfig, redis: Redis) {
  const runnerKey = runnerKeyFor(runner);
  const ownKeyId = payloadKeyId(config.taskfleet.payloadEncryptionKey.bytes());
  const problems: string[] = [];
  const seen = await new FailBackRequests(
    redis,
    config.taskfleet.keyPrefix,
    runnerKey,
  ).lastMismatch();
  if (seen !== undefined) {
    problems.push(
      `payload_key_mismatch: at ${new Date(seen.atMs).toISOString()} an executor with payload ` +
        `key id ${seen.executorKeyId} could not open a job sealed under key id ${seen.jobKeyId} ` +
        `(this config's key id is ${ownKeyId}); ${advice}`,
    );
  }
  // Read-only: BullMQ's Queue writes its `…:meta` hash when it opens unless told not to, and a
  // check must leave Redis as it found it (a runner with no queue yet would get one).
  const queue = new Queue<QueuedJob>(jobQueueName(runnerKey), {
    connection: redis,
    prefix: jobQueuePrefix(config.taskfleet.keyPrefix, runnerKey),
    skipMetasUpdate: true,
  });
  try {
    const jobs = await queue.getJobs(
      ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'],
      0,
      recentJobs - 1,
    );
    const others = new Map<string, number>();
    for (const job of jobs) {
      const { kid } = job.data.payload;
      if (kid !== undefined && kid !== ownKeyId) {
        others.set(kid, (others.get(kid) ?? 0) + 1);
      }
    }
    for (const [kid, count] of others) {
      problems.push(
        `payload_key_mismatch: ${count} recent queued job(s) were sealed under payload key id ` +
          `${kid}, this config's key id is ${ownKeyId}; ${advice}`,
      );
    }
  } finally {
    await queue.close();
  }
  return problems;
}

/**
 * Reads, per runner, the last payload key mismatch an executor recorded and the key ids of the
 * recent queue entries, and names each key that is not this config's (key ids only, never a key).
 */
export async function payloadKeyProblems(
  config: Config,
  redis: Redis,
): Promise<{ readonly runner: RunnerConfig; readonly problems: string[] }[]> {
  return Promise.all(
    config.runners.map(async runner => ({
      runner,
      problems: await runnerProblems(config, runner, redis),
    })),
  );
}
