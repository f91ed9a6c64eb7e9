import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { effectiveFailureReason } from '@taskfleet/gitlab';
import type { Clock, JobPayload } from '@taskfleet/gitlab';

import { archiveCaches, cachesFor, restoreCaches } from '../cache/cache-stages';
import type { CacheSettings } from '../cache/cache-stages';
import { failedOutcome } from '../job/failure-mapping';
import type { JobOutcome } from '../job/failure-mapping';
import type { JobSettings } from '../job/job-settings';
import { sectionEnd, sectionHeader } from '../job/sections';
import { attemptsRangeError, runStageAttempts } from '../job/stage-attempts';
import { dependenciesWithArtifacts, downloadArtifacts } from './download-artifacts';
import type { RemoteShell } from './remote-tree';
import type {
  ArtifactClient,
  TransferContext,
  TransferFailure,
  UploadRetryBackoff,
} from './transfer-context';
import { forgetTransferDir, trackTransferDir } from './transfer-dirs';
import { artifactsFor, uploadArtifacts } from './upload-artifacts';

/** The executor's side of artifacts and cache: GitLab for artifacts, the store for caches. */
export interface JobTransfers {
  /** Uploads and downloads artifacts; without it the artifact stages are skipped. */
  readonly artifacts?: ArtifactClient;
  /** `[runners.cache]`; without it caches are skipped with GitLab Runner's warning. */
  readonly cache?: CacheSettings;
  /** Where per-job temp dirs for archives go. @defaultValue `os.tmpdir()` */
  readonly tempRoot?: string;
  /** Waits between artifact upload tries. @defaultValue GitLab Runner's 1 s doubling to 5 s */
  readonly uploadRetryBackoff?: UploadRetryBackoff;
}

/** What a transfer stage did to the job: nothing, or the outcome it failed it with. */
export interface TransferStageEnd {
  readonly outcome: JobOutcome;
  /** The stage could not reach the instance; nothing more runs there. */
  readonly connectionLost: boolean;
}

/** One job's artifact and cache stages, sharing a temp dir removed by `close`. */
export interface JobTransferRun {
  /** restore_cache then download_artifacts, before the first user step. */
  beforeScript(): Promise<TransferStageEnd | undefined>;
  /** archive_cache then upload_artifacts, after after_script, for a job that succeeded or not. */
  afterScript(jobSucceeded: boolean): Promise<TransferStageEnd | undefined>;
  close(): Promise<void>;
}

/** Inputs of one job's transfers. */
export interface OpenTransfersInput {
  readonly payload: JobPayload;
  readonly shell: RemoteShell;
  readonly projectDir: string;
  readonly lookup: (name: string) => string | undefined;
  readonly write: (text: string) => Promise<void>;
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  /** `RESTORE_CACHE_ATTEMPTS`, `ARTIFACT_DOWNLOAD_ATTEMPTS` and the retry backoff. @defaultValue one try each */
  readonly attempts?: Pick<
    JobSettings,
    'restoreCacheAttempts' | 'artifactDownloadAttempts' | 'retryBackoff'
  >;
  readonly signal?: AbortSignal;
}

const oneAttempt = { restoreCacheAttempts: 1, artifactDownloadAttempts: 1, retryBackoff: true };

/** Prepares the transfer stages of one job; the temp dir exists until `close`. */
export async function openTransfers(
  transfers: JobTransfers,
  input: OpenTransfersInput,
): Promise<JobTransferRun> {
  const tempDir = await mkdtemp(join(transfers.tempRoot ?? tmpdir(), 'taskfleet-transfer-'));
  trackTransferDir(tempDir);
  const context: TransferContext = {
    ...input,
    tempDir,
    ...(transfers.uploadRetryBackoff === undefined
      ? {}
      : { uploadRetryBackoff: transfers.uploadRetryBackoff }),
  };
  const { payload, write, clock } = input;
  const reasons = payload.features.failure_reasons;

  const stage = async (
    name: string,
    title: string,
    body: () => Promise<TransferFailure | undefined>,
  ): Promise<TransferStageEnd | undefined> => {
    await write(sectionHeader(name, title, clock.now()));
    let end: TransferStageEnd | undefined;
    try {
      const failure = await body();
      if (failure !== undefined) {
        // GitLab Runner's helper exits 1 when a transfer fails: the job fails with exit code 1.
        end = {
          outcome: {
            outcome: 'failed',
            failureReason: effectiveFailureReason('script_failure', reasons),
            exitCode: 1,
          },
          connectionLost: false,
        };
      }
    } catch (error) {
      end = { outcome: failedOutcome({ kind: 'error', error }, reasons), connectionLost: true };
    }
    await write(sectionEnd(name, clock.now()));
    return end;
  };

  const attempts = input.attempts ?? oneAttempt;
  // GitLab Runner refuses an attempts count outside 1–10 when the stage comes, as its own error.
  const refused = (stageName: string, count: number): TransferStageEnd | undefined => {
    const detail = attemptsRangeError(stageName, count);
    if (detail === undefined) {
      return undefined;
    }
    const failureReason = effectiveFailureReason('runner_system_failure', reasons);
    return { outcome: { outcome: 'failed', failureReason, detail }, connectionLost: false };
  };
  // Each try is the whole stage again, its section included, as GitLab Runner retries it.
  const tried = (
    count: number,
    once: () => Promise<TransferStageEnd | undefined>,
  ): Promise<TransferStageEnd | undefined> =>
    runStageAttempts({
      attempts: count,
      run: once,
      retryable: end => end !== undefined && input.signal?.aborted !== true,
      backoff: attempts.retryBackoff,
      clock,
      write,
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });

  return {
    async beforeScript() {
      const badRestore = refused('restore_cache', attempts.restoreCacheAttempts);
      if (badRestore !== undefined) {
        return badRestore;
      }
      if (payload.cache.length > 0) {
        const end = await tried(attempts.restoreCacheAttempts, () =>
          stage('restore_cache', 'Restoring cache', async () => {
            await restoreCaches(context, transfers.cache, payload.cache);
            return undefined;
          }),
        );
        if (end !== undefined) {
          return end;
        }
      }
      const badDownload = refused('download_artifacts', attempts.artifactDownloadAttempts);
      if (badDownload !== undefined) {
        return badDownload;
      }
      const dependencies = dependenciesWithArtifacts(payload.dependencies);
      const client = transfers.artifacts;
      if (dependencies.length > 0 && client !== undefined) {
        return tried(attempts.artifactDownloadAttempts, () =>
          stage('download_artifacts', 'Downloading artifacts', () =>
            downloadArtifacts(context, client, dependencies),
          ),
        );
      }
      return undefined;
    },
    async afterScript(jobSucceeded) {
      const suffix = jobSucceeded ? 'successful' : 'failed';
      const caches = cachesFor(payload.cache, jobSucceeded);
      if (caches.length > 0) {
        const name = jobSucceeded ? 'archive_cache' : 'archive_cache_on_failure';
        const end = await stage(name, `Saving cache for ${suffix} job`, async () => {
          await archiveCaches(context, transfers.cache, caches);
          return undefined;
        });
        if (end !== undefined) {
          return end;
        }
      }
      const artifacts = artifactsFor(payload.artifacts, jobSucceeded);
      const client = transfers.artifacts;
      if (artifacts.length > 0 && client !== undefined) {
        const name = jobSucceeded ? 'upload_artifacts_on_success' : 'upload_artifacts_on_failure';
        return stage(name, `Uploading artifacts for ${suffix} job`, () =>
          uploadArtifacts(context, client, artifacts),
        );
      }
      return undefined;
    },
    async close() {
      await rm(tempDir, { recursive: true, force: true });
      forgetTransferDir(tempDir);
    },
  };
}
