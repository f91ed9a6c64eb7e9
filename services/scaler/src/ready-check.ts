import { dial } from '@taskfleet/fleeting';
import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Logger } from 'pino';

/** How one `instance_ready_command` run ended. */
export type ReadyCheckResult =
  { readonly passed: true } | { readonly passed: false; readonly reason: string };

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
  readonly logger: Logger;
}

/**
 * Runs `instance_ready_command` on one instance over SSH with fresh connect info; passes only on
 * exit status 0. A connection failure, a timeout or another exit status is a failed check.
 */
export async function runReadyCheck(input: ReadyCheckInput): Promise<ReadyCheckResult> {
  const signal = AbortSignal.timeout(input.timeoutMs);
  try {
    const info = await input.provider.connectInfo(input.instanceId, { signal });
    const connection = await dial(info, {
      signal,
      connectTimeoutMs: input.connectTimeoutMs,
      logger: input.logger,
    });
    try {
      const result = await connection.run({ command: input.command, signal });
      return result.exitCode === 0
        ? { passed: true }
        : { passed: false, reason: `ready command exited with ${String(result.exitCode)}` };
    } finally {
      await connection.close();
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      passed: false,
      reason: `ready command could not run: ${typeof code === 'string' ? code : 'error'}`,
    };
  }
}
