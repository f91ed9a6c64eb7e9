// A GitLab emulator, one real sshd instance and a GitLab client, for scenarios that run jobs
// through runJob with artifacts and cache, one job at a time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';

import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { runJob } from '@taskfleet/executor';
import type { JobOutcome, JobTransfers, RunnerScriptSettings } from '@taskfleet/executor';
import { dial } from '@taskfleet/fleeting';
import type { SshConnection } from '@taskfleet/fleeting';
import {
  GitlabClient,
  TraceWriter,
  buildRunnerInfo,
  effectiveFailureReason,
  sendFinalUpdate,
  systemClock,
} from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { pino } from 'pino';

import { createSshdInstanceHost } from '../../../emulators/aws/src/instances';
import type { SshdInstanceHost } from '../../../emulators/aws/src/instances';
import { ed25519TestKey } from './ssh-key';

const logger = pino({ level: 'silent' });

/** One job run to its final state, with what GitLab recorded. */
export interface FinishedJob {
  readonly job: JobPayload;
  readonly outcome: JobOutcome;
  readonly status: string | undefined;
  readonly trace: string;
}

/** How a test steers one run. */
export interface RunControl {
  readonly cancelWhen?: (logSoFar: string) => boolean;
  /** config.toml's get_sources scripts and custom_build_dir, as the executor passes them. */
  readonly runnerScripts?: RunnerScriptSettings;
  /**
   * Records each stage-retry wait (the sleep right after a `Retrying in …` line) here and skips
   * it, so a retried stage costs no wall-clock time; every other sleep stays real.
   */
  readonly retryWaits?: number[];
}

/** The running parts; `close` undoes everything. */
export interface TransferWorld {
  readonly emulator: GitlabEmulator;
  readonly client: GitlabClient;
  readonly connection: SshConnection;
  readonly runnerToken: string;
  readonly projectId: number;
  /**
   * Requests the next job, runs it with `transfers` on slot 0 and reports its final state;
   * `cancelWhen` cancels it gracefully (in GitLab too) once the log so far satisfies it.
   */
  runNext(transfers: JobTransfers, control?: RunControl): Promise<FinishedJob>;
  close(): Promise<void>;
}

/** Starts the world with a project made of `files` (path → content) and its first pipeline. */
export async function startTransferWorld(options: {
  readonly files: Readonly<Record<string, string>>;
  readonly artifactSizeLimitBytes?: number;
  readonly tag: string;
}): Promise<TransferWorld> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
  };
  try {
    const emulator = await startGitlabEmulator({
      longPollTimeoutMs: 0,
      traceUpdateIntervalSec: 1,
      ...(options.artifactSizeLimitBytes === undefined
        ? {}
        : { artifactSizeLimitBytes: options.artifactSizeLimitBytes }),
    });
    cleanups.push(() => emulator.close());
    const sourceDir = await mkdtemp(join(tmpdir(), `transfer-${options.tag}-`));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    for (const [path, content] of Object.entries(options.files)) {
      await mkdir(dirname(join(sourceDir, path)), { recursive: true });
      await writeFile(join(sourceDir, path), content);
    }
    const project = await emulator.admin.createProject({ path: 'acme/widgets', sourceDir });
    const runnerToken = emulator.admin.createRunner({
      description: `transfer-${options.tag}`,
    }).token;
    const client = new GitlabClient({
      url: emulator.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    });
    await emulator.admin.createPipeline(project.id);

    const stateRoot = `/var/tmp/taskfleet-transfer-${options.tag}-${process.pid}`;
    cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
    const host: SshdInstanceHost = createSshdInstanceHost({ stateRoot });
    cleanups.push(() => host.close());
    const loginKey = ed25519TestKey();
    const instance = await host.launch({
      instanceId: `i-${options.tag.slice(0, 2)}${process.pid.toString(16).padStart(8, '0')}0000001`,
      osUser: 'ec2-user',
      authorizedKeys: [loginKey.public],
      sshPort: 22,
      bootMode: 'ok',
    });
    const connection = await dial(
      {
        id: instance.instanceId,
        internalAddr: instance.privateIp,
        os: 'linux',
        arch: 'amd64',
        protocol: 'ssh',
        protocolPort: instance.sshPort,
        username: instance.osUser,
        key: Buffer.from(loginKey.private),
      },
      { connectTimeoutMs: 10_000, keepaliveIntervalMs: 1_000 },
    );
    cleanups.push(() => connection.close());

    const runNext = async (
      transfers: JobTransfers,
      control: RunControl = {},
    ): Promise<FinishedJob> => {
      const requested = await client.requestJob({ token: runnerToken });
      if (requested.kind !== 'job') {
        throw new Error(`expected a job, got ${requested.kind}`);
      }
      const job = requested.job;
      await client.acceptJob(job.id, job.token);
      const writer = new TraceWriter({
        client,
        jobId: job.id,
        jobToken: job.token,
        logger,
        clock: systemClock,
        maskedValues: job.variables.filter(v => v.masked).map(v => v.value),
        tokenMaskPrefixes: job.features.token_mask_prefixes,
        updateIntervalMs: 200,
      });
      writer.start();
      const cancel = new AbortController();
      let logSoFar = '';
      const write = (chunk: Uint8Array | string): unknown => {
        logSoFar += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (!cancel.signal.aborted && control.cancelWhen?.(logSoFar) === true) {
          emulator.admin.cancelJob(job.id);
          cancel.abort();
        }
        return writer.write(chunk);
      };
      const outcome = await runJob({
        payload: job,
        connection,
        trace: { write, waitForDrain: () => writer.waitForDrain() },
        cancelSignal: cancel.signal,
        ...(control.runnerScripts === undefined ? {} : { runnerScripts: control.runnerScripts }),
        buildsDir: 'builds',
        slot: 0,
        clock: {
          now: () => systemClock.now(),
          sleep: (ms: number, signal?: AbortSignal): Promise<void> => {
            if (control.retryWaits === undefined || !/Retrying in \S+\n$/.test(logSoFar)) {
              return systemClock.sleep(ms, signal);
            }
            control.retryWaits.push(ms);
            return Promise.resolve();
          },
        },
        transfers,
      });
      await writer.finish(20_000);
      await sendFinalUpdate({
        client,
        jobId: job.id,
        jobToken: job.token,
        update:
          outcome.outcome === 'success'
            ? { state: 'success' }
            : {
                state: 'failed',
                // A graceful cancel goes as GitLab Runner sends it: job_canceled, mapped.
                failureReason:
                  outcome.outcome === 'canceled'
                    ? effectiveFailureReason('job_canceled', job.features.failure_reasons)
                    : (outcome.failureReason ?? 'script_failure'),
                ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
              },
        output: () => writer.summary(),
        drainTrace: () => writer.drain(),
        deadlineAtMs: Date.now() + 30_000,
        logger,
      });
      return {
        job,
        outcome,
        status: emulator.admin.getJob(job.id).status,
        trace: emulator.admin.getTrace(job.id),
      };
    };
    return { emulator, client, connection, runnerToken, projectId: project.id, runNext, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Strips ANSI colour codes, so log lines can be matched as text. */
export function plain(log: string): string {
  // eslint-disable-next-line no-control-regex
  return log.replace(/\u001b\[[0-9;]*[mK]/g, '');
}
