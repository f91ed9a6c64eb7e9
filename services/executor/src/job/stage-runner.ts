import type { OutputSink, RunOptions, RunResult } from '@taskfleet/fleeting';
import type { Clock } from '@taskfleet/gitlab';

import type { StageEnd } from './failure-mapping';
import { jobMarkerVariable, stagePrologue, sweepCommand } from './process-sweep';
import type { SweepSignal } from './process-sweep';

/** What may end a stage before its script does. */
export interface StageLimits {
  /** The stage ends as `timed-out` after this long. */
  readonly timeoutMs?: number;
  /** A graceful cancel: TERM, then KILL after the grace time; the stage ends as `canceled`. */
  readonly cancel?: AbortSignal;
  /** GitLab ended the job: KILL at once; the stage ends as `aborted`. */
  readonly abort?: AbortSignal;
}

/** Settings of a StageRunner. */
export interface StageRunnerOptions {
  readonly connection: { run(options: RunOptions): Promise<RunResult> };
  /** The login shell command that reads each stage's script on stdin. */
  readonly command: string;
  /** The job's marker (see process-sweep). */
  readonly marker: string;
  readonly clock: Pick<Clock, 'sleep'>;
  readonly write: OutputSink;
  /** How long TERM is given before KILL when a stage is stopped. */
  readonly stopGraceMs: number;
  /**
   * How long a channel may stay open after the stage's shell exited before the processes left
   * behind (which hold its output open) are killed; also how long the channel may stay open
   * after a KILL sweep before it is closed from our side.
   */
  readonly heldOutputGraceMs: number;
}

type StopKind = 'timed-out' | 'canceled' | 'aborted';

/**
 * Runs a job's stages on the instance, each in a fresh login shell whose processes all carry
 * the job's marker, and stops a stage on timeout, cancel or abort by signalling every process
 * it started (not only the shell), as GitLab Runner's shell executor kills the process group.
 */
export class StageRunner {
  constructor(private readonly options: StageRunnerOptions) {}

  /** Runs one stage script to its end, or until one of `limits` stops it. */
  async run(script: string, limits: StageLimits = {}): Promise<StageEnd> {
    const { options } = this;
    if (limits.abort?.aborted === true) {
      return { kind: 'aborted' };
    }
    if (limits.cancel?.aborted === true) {
      return { kind: 'canceled' };
    }
    if (limits.timeoutMs !== undefined && limits.timeoutMs <= 0) {
      return { kind: 'timed-out' };
    }
    const done = new AbortController();
    const channelStop = new AbortController();
    let exit: RunResult | undefined;
    let stopped: StopKind | undefined;
    const background: Promise<void>[] = [];
    const closeChannelSoon = async (): Promise<void> => {
      await options.clock.sleep(options.heldOutputGraceMs, done.signal);
      if (!done.signal.aborted) {
        channelStop.abort(new Error('stage channel held open after its processes were killed'));
      }
    };
    const stop = (kind: StopKind): void => {
      if (stopped !== undefined || exit !== undefined || done.signal.aborted) {
        return;
      }
      stopped = kind;
      background.push(
        (async () => {
          if (kind !== 'aborted') {
            await this.sweep('TERM');
            await options.clock.sleep(options.stopGraceMs, done.signal);
          }
          await this.sweep('KILL');
          await closeChannelSoon();
        })(),
      );
    };
    const onCancel = (): void => {
      stop('canceled');
    };
    const onAbort = (): void => {
      stop('aborted');
    };
    limits.cancel?.addEventListener('abort', onCancel, { once: true });
    limits.abort?.addEventListener('abort', onAbort, { once: true });
    if (limits.timeoutMs !== undefined) {
      const timeoutMs = limits.timeoutMs;
      background.push(
        options.clock.sleep(timeoutMs, done.signal).then(() => {
          if (!done.signal.aborted) {
            stop('timed-out');
          }
        }),
      );
    }
    const onExit = (result: RunResult): void => {
      exit = result;
      // The shell is gone; a channel still open means something it started holds the output.
      background.push(
        (async () => {
          await options.clock.sleep(options.heldOutputGraceMs, done.signal);
          if (done.signal.aborted) {
            return;
          }
          await this.sweep('KILL');
          await closeChannelSoon();
        })(),
      );
    };
    let end: StageEnd;
    try {
      const result = await options.connection.run({
        command: options.command,
        stdin: stagePrologue(options.marker) + script,
        env: { [jobMarkerVariable]: options.marker },
        onStdout: options.write,
        onStderr: options.write,
        signal: channelStop.signal,
        onExit,
      });
      end = stopped === undefined ? { kind: 'exited', result } : { kind: stopped };
    } catch (error) {
      const seenExit = exit;
      if (stopped !== undefined) {
        end = { kind: stopped };
      } else if (seenExit !== undefined && channelStop.signal.aborted) {
        end = { kind: 'exited', result: seenExit };
      } else {
        end = { kind: 'error', error };
      }
    } finally {
      done.abort();
      limits.cancel?.removeEventListener('abort', onCancel);
      limits.abort?.removeEventListener('abort', onAbort);
    }
    await Promise.all(background);
    return end;
  }

  /**
   * Signals every process of the job on the instance; false when the sweep could not run
   * (the connection is gone, in which case sshd has hung up on the processes itself).
   */
  async sweep(signal: SweepSignal, sweepOptions: { readonly removeRecord?: boolean } = {}) {
    try {
      const result = await this.options.connection.run({
        command: sweepCommand(this.options.marker, signal, sweepOptions),
      });
      return result.exitCode === 0;
    } catch {
      return false;
    }
  }
}
