/**
 * The one rule for lowering the group's desired capacity in a tick: a termination with
 * decrement is sent only while desired capacity stays at or above the instances running a job
 * (invariant 4), whichever path (removal, distrust, intent resend) sends it.
 */
export class CapacityGuard {
  private desired: number | undefined;

  /**
   * @param desiredCapacity - the group's desired capacity as just read; undefined when the
   *   provider does not report it (then only the registry's claims protect busy instances)
   * @param busyInstanceCount - instances with at least one claim
   */
  constructor(
    desiredCapacity: number | undefined,
    private readonly busyInstanceCount: number,
  ) {
    this.desired = desiredCapacity;
  }

  /** Whether one more decrement keeps desired capacity at or above the busy instances. */
  mayDecrement(): boolean {
    return this.desired === undefined || this.desired - 1 >= this.busyInstanceCount;
  }

  /**
   * How many instances an increase may still add without desired capacity passing `capCount`
   * (invariant 4): the cloud adds to its current desired capacity, which may still hold creations
   * we gave up on (B38); unbounded when the provider does not report desired capacity.
   */
  increaseHeadroom(capCount: number): number {
    return this.desired === undefined ? Infinity : Math.max(0, capCount - this.desired);
  }

  /** Counts one decrement the cloud accepted. */
  decremented(): void {
    if (this.desired !== undefined) {
      this.desired = Math.max(0, this.desired - 1);
    }
  }
}
