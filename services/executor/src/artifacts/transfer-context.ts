import type { Clock, GitlabClient, JobPayload } from '@taskfleet/gitlab';

import type { RemoteShell } from './remote-tree';

/** What the artifact and cache stages need from the job run. */
export interface TransferContext {
  readonly payload: JobPayload;
  readonly shell: RemoteShell;
  /** The job's work tree on the instance. */
  readonly projectDir: string;
  /** Writes to the job log, waiting when the trace asks for a pause. */
  readonly write: (text: string) => Promise<void>;
  /** The job's variables after expansion, for `$VAR` in paths, names and keys. */
  readonly lookup: (name: string) => string | undefined;
  /** A private directory on this host for archives in transit; removed by the caller. */
  readonly tempDir: string;
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  readonly uploadRetryBackoff?: UploadRetryBackoff;
  readonly signal?: AbortSignal;
}

/** The wait between artifact upload tries: `minMs` doubling up to `maxMs`. */
export interface UploadRetryBackoff {
  readonly minMs: number;
  readonly maxMs: number;
}

/** The GitLab calls the artifact stages make. */
export type ArtifactClient = Pick<GitlabClient, 'uploadArtifact' | 'downloadArtifact'>;

/** How a transfer stage ended when it failed the job, as GitLab Runner fails it. */
export interface TransferFailure {
  /** The `FATAL:`-style reason printed last in the stage. */
  readonly detail: string;
  /** An error of ours or the instance's (`runner_system_failure`), not the job's. */
  readonly systemFailure: boolean;
}
