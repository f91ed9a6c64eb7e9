import type { SshConnection } from '@taskfleet/fleeting';
import type { Clock, JobPayload } from '@taskfleet/gitlab';
import type { Tracer } from '@taskfleet/telemetry';

import type { JobTransfers } from '../artifacts/job-transfers';
import type { RunnerScriptSettings, ScriptShell } from './build-scripts';
import type { ShellVariable } from './expand-variables';

/** Where the job's log goes; a TraceWriter fits. `write` returning false asks for a pause. */
export interface TraceSink {
  write(chunk: Uint8Array | string): unknown;
  waitForDrain?(): Promise<void>;
}

/** One job to run over an established SSH connection. */
export interface RunJobInput {
  readonly payload: JobPayload;
  readonly connection: Pick<SshConnection, 'run' | 'instanceId'>;
  readonly trace: TraceSink;
  /**
   * GitLab ended the job (`Job-Status: canceled|failed`, 403): aborting kills every process of
   * the job at once, skips after_script and ends the job as canceled with `aborted` set.
   */
  readonly signal?: AbortSignal;
  /**
   * The executor shuts down and its limit passed: as with `signal`, every process of the job is
   * killed at once and after_script skipped, but the job ends failed as runner_system_failure,
   * the signal's reason (a string) ending its log, so GitLab does not wait for a job nobody runs.
   */
  readonly shutdownSignal?: AbortSignal;
  /**
   * A graceful cancel (`Job-Status: canceling`): the running stage is stopped (TERM, then KILL),
   * after_script runs with CI_JOB_STATUS=canceled, and the job ends as canceled.
   */
  readonly cancelSignal?: AbortSignal;
  /** `builds_dir`; a relative one is taken under the login directory, as GitLab Runner does. */
  readonly buildsDir: string;
  readonly slot: number;
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  /** Between TERM and KILL when a stage is stopped. @defaultValue 10 s */
  readonly stopGraceMs?: number;
  /** How long output may stay held open by leftovers after a stage's shell exited. @defaultValue 1 s */
  readonly heldOutputGraceMs?: number;
  /** @defaultValue 'bash' */
  readonly shell?: ScriptShell;
  readonly runnerVariables?: readonly ShellVariable[];
  /** config.toml's get_sources scripts and `custom_build_dir`. */
  readonly runnerScripts?: RunnerScriptSettings;
  readonly runnerDescription?: string;
  /** Artifacts (GitLab) and cache (S3); without it those stages are skipped. */
  readonly transfers?: JobTransfers;
  /** One span per log section and per transfer phase. @defaultValue the no-op tracer */
  readonly tracer?: Tracer;
}
