import { setTimeout as delay } from 'node:timers/promises';

import { InstanceHostError } from './errors';
import { readProcessTable, selectInstanceProcesses, signalProcess } from './process-table';
import type { InstanceProcessSelector, ProcessEntry } from './process-table';

const pollMs = 10;

/** Signals the processes of one instance as a group. */
export class InstanceSignals {
  constructor(
    private readonly selector: () => InstanceProcessSelector,
    private readonly hostMountNamespace: string,
    private readonly boundMs: number,
  ) {}

  /** The instance's live processes right now. */
  list(): ProcessEntry[] {
    return selectInstanceProcesses(readProcessTable(), this.selector(), this.hostMountNamespace);
  }

  /**
   * Stops every process and waits until all are stopped; rescans because a process may fork
   * between the scan and its own SIGSTOP.
   */
  async stopAll(): Promise<void> {
    await this.untilSettled('SIGSTOP', entry => entry.state === 'T' || entry.state === 't');
  }

  /** Continues every stopped process. */
  continueAll(): void {
    for (const entry of this.list()) {
      signalProcess(entry.pid, 'SIGCONT');
    }
  }

  /** Kills every process and waits until none is left (zombies count as gone). */
  async killAll(): Promise<void> {
    await this.untilSettled('SIGKILL', () => false);
  }

  /** Synchronous best-effort kill for the process-exit hook. */
  killAllNow(): void {
    for (const entry of this.list()) {
      signalProcess(entry.pid, 'SIGKILL');
    }
  }

  private async untilSettled(
    signal: NodeJS.Signals,
    isDone: (entry: ProcessEntry) => boolean,
  ): Promise<void> {
    const deadline = Date.now() + this.boundMs;
    for (;;) {
      const pending = this.list().filter(entry => !isDone(entry));
      if (pending.length === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new InstanceHostError(
          'signal_timeout',
          `could not ${signal === 'SIGKILL' ? 'kill' : 'stop'} ${pending.length} instance process(es) within ${this.boundMs} ms`,
        );
      }
      for (const entry of pending) {
        // Re-send to processes seen before: a SIGCONT from elsewhere may have undone a stop.
        signalProcess(entry.pid, signal);
      }
      await delay(pollMs);
    }
  }
}
