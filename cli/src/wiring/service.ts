import type { Config } from '@taskfleet/config';

/** One started part of taskfleet that the command stops on exit. */
export interface RunningService {
  /** For logs: `poller`, `scaler <runner>`, `executor <runner>`. */
  readonly name: string;
  /** Stops the part cleanly; idempotent. */
  close(): Promise<void>;
  /** Takes a reloaded config (already checked by reloadProblems); absent: applies at restart. */
  reconfigure?(config: Config): void;
}

/** Closes services in reverse start order; collects failures instead of stopping at the first. */
export async function closeAll(services: readonly RunningService[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const service of [...services].reverse()) {
    try {
      await service.close();
    } catch (error) {
      failures.push(error);
    }
  }
  return failures;
}
