import { GitlabClient } from '../client';
import { TraceWriter } from '../trace/trace-writer';
import type { TraceWriterOptions } from '../trace/trace-writer';
import { captureLogger } from './capture-logger';
import { jobTokenFixture, testRunnerInfo } from './fixtures';
import { ManualClock } from './manual-clock';
import { startTraceServer } from './trace-server';

/** The trace server a writer set up here sends to. */
export type TraceServer = Awaited<ReturnType<typeof startTraceServer>>;
let gitlab: TraceServer | undefined;

/** Closes the trace server the last `setUpTraceWriter` started; for `afterEach`. */
export async function closeTraceServer(): Promise<void> {
  await gitlab?.server.close();
  gitlab = undefined;
}

/**
 * A trace writer for job 7 on a manual clock, sending through the real client (optionally
 * wrapped) to a fresh trace server; `tick` moves time on and waits for the writer's next sleep.
 */
export async function setUpTraceWriter(
  options: Partial<TraceWriterOptions> = {},
  keepContent = true,
  wrapClient: (client: GitlabClient) => TraceWriterOptions['client'] = client => client,
): Promise<{
  gitlab: TraceServer;
  clock: ManualClock;
  writer: TraceWriter;
  tick: (ms: number) => Promise<void>;
  log: ReturnType<typeof captureLogger>;
}> {
  gitlab = await startTraceServer({ keepContent });
  const clock = new ManualClock();
  const log = captureLogger();
  const client = new GitlabClient({
    url: gitlab.server.url,
    logger: log.logger,
    runnerInfo: testRunnerInfo,
    clock,
  });
  const writer = new TraceWriter({
    client: wrapClient(client),
    jobId: 7,
    jobToken: jobTokenFixture,
    logger: log.logger,
    clock,
    ...options,
  });
  /** Moves time on by `ms` and waits until the writer's loop is asleep again. */
  const tick = async (ms: number): Promise<void> => {
    await clock.waitForSleepers(1);
    clock.advance(ms);
    await clock.waitForSleepers(1);
  };
  return { gitlab, clock, writer, tick, log };
}
