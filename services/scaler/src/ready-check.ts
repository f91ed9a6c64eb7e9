import { dial } from '@taskfleet/fleeting';
import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Logger } from 'pino';

/** How one `instance_ready_command` run ended. */
export type ReadyCheckResult =
  | { readonly passed: true }
  | {
      readonly passed: false;
      readonly reason: string;
      /** Nothing was tried: the instance is not running yet (or is gone); not a failure. */
      readonly notYetRunning: boolean;
    };

/** Where and how to run the ready command. */
export interface ReadyCheckInput {
  readonly provider: InstanceGroup;
  readonly instanceId: string;
  /** The command line; it must hold no secrets (it is visible in the instance's process list). */
  readonly command: string;
  /** Bound on connecting; the dial retries a booting sshd until then. */
  readonly connectTimeoutMs: number;
  /** Bound on the whole run, connection included. */
  readonly timeoutMs: number;
  /** Aborts the run early (the scaler closing). */
  readonly signal?: AbortSignal;
  readonly logger: Logger;
}

/**
 * Runs `instance_ready_command` on one instance over SSH with fresh connect info; passes only on
 * exit status 0. A connection failure, a timeout or another exit status is a failed check.
 */
export async function runReadyCheck(input: ReadyCheckInput): Promise<ReadyCheckResult> {
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = input.signal === undefined ? timeout : AbortSignal.any([timeout, input.signal]);
  let info;
  try {
    info = await input.provider.connectInfo(input.instanceId, { signal });
  } catch (error) {
    // The group lists it as running before the instance itself is (or it just went away):
    // nothing was tried on it, so this is not a failed check.
    return { passed: false, reason: `no connect info: ${codeOf(error)}`, notYetRunning: true };
  }
  try {
    const connection = await dial(info, {
      signal,
      connectTimeoutMs: input.connectTimeoutMs,
      logger: input.logger,
    });
    try {
      const result = await connection.run({ command: input.command, signal });
      return result.exitCode === 0
        ? { passed: true }
        : {
            passed: false,
            reason: `ready command exited with ${String(result.exitCode)}`,
            notYetRunning: false,
          };
    } finally {
      await connection.close();
    }
  } catch (error) {
    return {
      passed: false,
      reason: `ready command could not run: ${codeOf(error)}`,
      notYetRunning: false,
    };
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}
