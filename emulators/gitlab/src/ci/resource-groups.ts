/**
 * Project-wide `resource_group` locks: at most one job per group is pending or running.
 * Share one instance between the pipelines of a project so their jobs serialise too.
 */
export class ResourceGroups {
  private readonly holders = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  /** Takes the group for the job; `false` when another job holds it. */
  acquire(group: string, jobId: number): boolean {
    const holder = this.holders.get(group);
    if (holder !== undefined && holder !== jobId) {
      return false;
    }
    this.holders.set(group, jobId);
    return true;
  }

  /** Frees the group if the job holds it, and tells every pipeline so waiting jobs can go. */
  release(group: string, jobId: number): void {
    if (this.holders.get(group) !== jobId) {
      return;
    }
    this.holders.delete(group);
    for (const listener of [...this.listeners]) {
      listener();
    }
  }

  /** The job holding the group, if any. */
  holderOf(group: string): number | undefined {
    return this.holders.get(group);
  }

  /** Registers a callback run after any release; returns the unsubscribe function. */
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
