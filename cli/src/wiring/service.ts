import type { Config } from '@taskfleet/config';

/** The jobs a part runs (the executors), for a bounded shutdown. */
export interface RunningJobs {
  /** Deliveries in progress now. */
  runningJobs(): number;
  /**
   * Ends them at once, each reported to GitLab as a system failure with `reason` as its last
   * log line and its slot released; returns how many there were. `close()` waits for them.
   */
  abortRunning(reason: string): number;
}

/** One started part of taskfleet that the command stops on exit. */
export interface RunningService {
  /** For logs: `poller`, `scaler <runner>`, `executor <runner>`. */
  readonly name: string;
  /** Stops the part cleanly; idempotent. For a part with `jobs`, stops taking jobs at once. */
  close(): Promise<void>;
  /** Takes a reloaded config (already checked by reloadProblems); absent: applies at restart. */
  reconfigure?(config: Config): void;
  /** Present on parts that run jobs, whose close waits for them. */
  readonly jobs?: RunningJobs;
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
