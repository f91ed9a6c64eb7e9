// The job queue against real Redis: idempotent enqueue by GitLab job id, payload encrypted at rest.
import { randomBytes } from 'node:crypto';

import { createJobQueue, decryptPayload, encryptPayload } from '@taskfleet/job-queue';
import type { JobQueue, QueuedJob } from '@taskfleet/job-queue';
import { Redis } from 'ioredis';

describe('job queue (real Redis)', () => {
  const keyPrefix = `jq-test-${randomBytes(6).toString('hex')}`;
  const runnerKey = 'runner-a';
  const key = randomBytes(32);
  let redis: Redis;
  let jobQueue: JobQueue;

  beforeAll(() => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    jobQueue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey });
  });

  afterAll(async () => {
    await jobQueue.queue.obliterate({ force: true });
    await jobQueue.close();
    const left = await redis.keys(`{tf:${keyPrefix}:*`);
    if (left.length > 0) {
      await redis.del(...left);
    }
    await redis.quit();
  });

  function job(gitlabJobId: number, token: string): QueuedJob {
    return {
      gitlabJobId,
      runnerKey,
      acceptedAtMs: 1_780_000_000_000,
      payload: encryptPayload(JSON.stringify({ id: gitlabJobId, token }), key),
    };
  }

  it('enqueues once per GitLab job id and keeps the first entry', async () => {
    const first = await jobQueue.enqueue(job(101, 'glcbt-first-token'));
    const second = await jobQueue.enqueue(job(101, 'glcbt-second-token'));
    expect(first.queueJobId).toBe('gl-101');
    expect(second.queueJobId).toBe('gl-101');

    const counts = await jobQueue.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0)).toBe(1);
    const stored = await jobQueue.queue.getJob('gl-101');
    expect(stored?.data.gitlabJobId).toBe(101);
    const plain = JSON.parse(decryptPayload(stored!.data.payload, key)) as { token: string };
    expect(plain.token).toBe('glcbt-first-token');
  });

  it('stores the job under the runner hash tag with no plaintext token', async () => {
    await jobQueue.enqueue(job(102, 'glcbt-secret-102'));
    const raw = await redis.hgetall(`{tf:${keyPrefix}:${runnerKey}}:jobs-${runnerKey}:gl-102`);
    expect(raw.data).toBeDefined();
    expect(raw.data).not.toContain('glcbt-secret-102');
  });

  it('refuses a job for another runner', async () => {
    await expect(jobQueue.enqueue({ ...job(103, 't'), runnerKey: 'other' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
