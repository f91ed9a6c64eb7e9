/** Counts of instances removed in one tick, by reason; exported by telemetry as counters. */
export class RemovalTally {
  private readonly counts = new Map<string, number>();

  /** Counts one removal (termination sent, or a failed creation seen) under `reason`. */
  add(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  /** The counts as a plain, frozen record (reason → count), only reasons seen. */
  toRecord(): Readonly<Record<string, number>> {
    return Object.freeze(Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1))));
  }
}
