/**
 * What a cloud announces before it takes an instance away on its own: a spot interruption
 * warning (the reclaim follows, on AWS after two minutes) or a rebalance recommendation (an
 * elevated risk of one).
 */
export interface InterruptionNotice {
  readonly kind: 'spot_warning' | 'rebalance_recommendation';
  readonly instanceId: string;
  /** When the cloud raised it, in epoch ms. */
  readonly noticedAtMs: number;
  /** What the cloud will do: `terminate`, `stop` or `hibernate` (spot warnings only). */
  readonly action?: string;
}

/** One message of an interruption source: a notice, or a message that is none (with why). */
export type InterruptionMessage =
  | { readonly handle: string; readonly notice: InterruptionNotice; readonly problem?: undefined }
  | { readonly handle: string; readonly notice?: undefined; readonly problem: string };

/** Where a cloud's interruption notices arrive (on AWS an SQS queue fed by EventBridge). */
export interface InterruptionSource {
  /** Waits (a bounded long poll) for the next messages; an empty array when none came. */
  receive(signal?: AbortSignal): Promise<readonly InterruptionMessage[]>;
  /** Removes a handled message, so it is not delivered again. */
  acknowledge(handle: string): Promise<void>;
  /** Closes the connection; idempotent. */
  close(): void;
}
