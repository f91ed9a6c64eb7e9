/**
 * Points where a test may pause the scaler at a racy moment; each is awaited only when set,
 * so an unset hook costs one property read.
 */
export interface ScalerHooks {
  /**
   * Called after a termination intent is durable and right before it is stamped as sent and
   * the cloud is called (the B08 crash window).
   */
  readonly beforeTerminationSent?: (instanceId: string) => Promise<void>;
  /**
   * Called after the reaper read an instance as idle and chose to remove it, right before the
   * atomic drain (the B28 window, where an executor's claim may land).
   */
  readonly afterIdleRead?: (instanceId: string) => Promise<void>;
}
