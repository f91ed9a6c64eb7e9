// The world of the exec-control scenarios (issue #5): jobs accepted in the GitLab emulator,
// queued in real BullMQ on real Redis, claimed through the real registry and run by the executor
// worker over SSH on a real sshd instance of the AWS emulator, with a second SSH session to look
// at the instance's processes (`ps`) and the registry to look at its health.
import { randomBytes } from 'node:crypto';

import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { ExecutorWorker } from '@taskfleet/executor';
import type { ProcessResult } from '@taskfleet/executor';
import { dial } from '@taskfleet/fleeting';
import { systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload, jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';

import type { Cleanups } from './sshd-job-world';
import {
  openPrefixedRedis,
  runCleanups,
  startGitlabWithAcceptedJobs,
  startReadySshdInstance,
} from './sshd-job-world';

const logger = pino({ level: 'silent' });
const payloadKey = randomBytes(32);
/** The `output_limit` the world's worker runs with. */
export const outputLimitBytes = 4 * 1024 * 1024;

// Each job sleeps for a number no other test uses, so `ps` can tell its processes apart.
const ciYaml = `
queued-cancel:
  script:
    - echo must-not-run
granted-cancel:
  script:
    - echo granted-must-not-run
run-cancel:
  script:
    - echo run-cancel-started
    - sleep 4711
job-timeout:
  timeout: 4 seconds
  script:
    - echo job-timeout-started
    - sleep 4712
  after_script:
    - echo after-job-timeout
graceful:
  script:
    - sleep 4713 &
    - setsid sleep 4714 > /dev/null 2>&1 < /dev/null &
    - echo graceful-started
    - sleep 4715
  after_script:
    - echo "after status $CI_JOB_STATUS"
    - sleep 1
    - echo after-done
forbidden:
  script:
    - while true; do echo tick; sleep 0.0471; done
chatty:
  script:
    - head -c 5190451 /dev/zero | tr '\\0' x | fold -w 99
    - for i in 1 2 3 4 5; do head -c 1038090 /dev/zero | tr '\\0' y | fold -w 99; sleep 0.4; done
    - echo chatty-done
script-timeout:
  variables:
    RUNNER_SCRIPT_TIMEOUT: 2s
  script:
    - echo script-timeout-started
    - sleep 4716
  after_script:
    - echo "after status $CI_JOB_STATUS"
leftovers:
  allow_failure:
    exit_codes: [7]
  script:
    - (sleep 4717 > /dev/null 2>&1 < /dev/null &)
    - setsid sleep 4718 > /dev/null 2>&1 < /dev/null &
    - if read -r line; then echo "stdin gave $line"; else echo stdin-at-eof; fi
    - exit 7
holder:
  script:
    - sleep 4719 &
    - echo holder-done
`;

/** One exec-control world: the jobs of `ciYaml` accepted, and a worker running them on one sshd. */
export interface ExecControlWorld {
  readonly emulator: GitlabEmulator;
  readonly registry: Registry;
  /** The executor worker's own log lines (debug and up). */
  readonly workerLogLines: string[];
  job(name: string): JobPayload;
  enqueue(name: string): Promise<ProcessResult>;
  traceShows(name: string, text: string): Promise<void>;
  processesOnInstance(): Promise<string[]>;
  leftOnInstance(pattern: RegExp): Promise<string[]>;
  expectHealthyAndFree(): Promise<void>;
  useCount(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the GitLab and AWS emulators, one sshd instance registered ready with one slot, and an
 * executor worker on its own Redis key prefix; every job of `ciYaml` is accepted in GitLab.
 */
export async function startExecControlWorld(): Promise<ExecControlWorld> {
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const keyPrefix = `it-exc-${runId}`;
  const workerLogLines: string[] = [];
  const workerLogger = pino(
    { level: 'debug' },
    { write: (line: string) => workerLogLines.push(line) },
  );
  const cleanups: Cleanups = [];
  const closeAll = (): Promise<void> => runCleanups(cleanups);
  // A world that fails half-way up is taken down again: no emulator or worker is left running.
  try {
    const { emulator, client, jobs } = await startGitlabWithAcceptedJobs(cleanups, {
      ciYaml,
      sourceDirPrefix: 'scenario-exec-control-',
      projectPath: 'acme/control',
      runnerDescription: 'exec-control-it',
    });
    const redis = openPrefixedRedis(cleanups, keyPrefix);
    const registry = createRegistry({ redis, keyPrefix, runnerKey: 'control', logger });
    const { instances, instanceId } = await startReadySshdInstance(cleanups, {
      runId,
      tag: 'exc',
      stateRootPrefix: 'taskfleet-exec-control-',
      registry,
    });
    // A second session to the instance, as a person would look with `ps`.
    const probe = await dial(await instances.connectInfo(instanceId), { connectTimeoutMs: 10_000 });
    cleanups.push(() => probe.close());

    const worker = new ExecutorWorker({
      redis,
      keyPrefix,
      instances,
      client,
      payloadKey,
      clock: systemClock,
      logger: workerLogger,
      buildsDir: 'builds',
      concurrency: 1,
      slotPollIntervalMs: 100,
      traceUpdateIntervalMs: 200,
      traceForceSendIntervalMs: 300,
      queuedCheckAfterMs: 0,
      stopGraceMs: 1_000,
      outputLimitBytes,
      finalUpdateDeadlineMs: 30_000,
      registry,
      runnerKey: 'control',
      instanceAcquireTimeoutMs: 5_000,
      // Wired as in production, so B22 checks that a cancel or timeout never reports the
      // instance lost (its failure count stays 0).
      reportLostInstance: async (id, jobId, reason) => {
        await registry.health.reportLost(id, jobId, reason);
      },
    });
    await worker.start();
    cleanups.push(() => worker.close());
    const queue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'control' });
    const events = new QueueEvents(jobQueueName('control'), {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: jobQueuePrefix(keyPrefix, 'control'),
    });
    for (const closable of [queue, events]) {
      cleanups.push(async () => {
        await closable.close();
      });
    }
    await events.waitUntilReady();

    function job(name: string): JobPayload {
      const found = jobs.get(name);
      if (found === undefined) {
        throw new Error(`no job ${name}`);
      }
      return found;
    }

    /** Enqueues the job as the poller does and returns its result once the worker is done. */
    async function enqueue(name: string): Promise<ProcessResult> {
      const { queueJobId } = await queue.enqueue({
        gitlabJobId: job(name).id,
        runnerKey: 'control',
        acceptedAtMs: Date.now(),
        payload: encryptPayload(JSON.stringify(job(name)), payloadKey),
      });
      const added = await queue.queue.getJob(queueJobId);
      if (added === undefined) {
        throw new Error('job not in the queue');
      }
      return (await added.waitUntilFinished(events, 90_000)) as ProcessResult;
    }

    /** Waits (bounded) until the job's stored trace contains `text`. */
    async function traceShows(name: string, text: string): Promise<void> {
      const id = job(name).id;
      for (let i = 0; i < 300 && !emulator.admin.getTrace(id).includes(text); i++) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      expect(emulator.admin.getTrace(id)).toContain(text);
    }

    /** The command lines of the instance's processes, read with `ps` over SSH. */
    async function processesOnInstance(): Promise<string[]> {
      let out = '';
      const result = await probe.run({
        command: 'ps -eo args=',
        onStdout: chunk => {
          out += chunk.toString('utf8');
        },
      });
      expect(result.exitCode).toBe(0);
      return out.split('\n').filter(line => line !== '' && !line.startsWith('ps '));
    }

    async function leftOnInstance(pattern: RegExp): Promise<string[]> {
      return (await processesOnInstance()).filter(line => pattern.test(line));
    }

    /** The instance is ready, has no failure counted, and none of its slots is claimed. */
    async function expectHealthyAndFree(): Promise<void> {
      const snap = await registry.snapshot();
      expect(snap.claimedSlots).toBe(0);
      expect(snap.pendingJobs).toBe(0);
      expect(snap.instances.find(i => i.instanceId === instanceId)).toMatchObject({
        state: 'ready',
        failureCount: 0,
      });
    }

    async function useCount(): Promise<number> {
      const snap = await registry.snapshot();
      return snap.instances.find(i => i.instanceId === instanceId)?.useCount ?? -1;
    }

    return {
      emulator,
      registry,
      workerLogLines,
      job,
      enqueue,
      traceShows,
      processesOnInstance,
      leftOnInstance,
      expectHealthyAndFree,
      useCount,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
