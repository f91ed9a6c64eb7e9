/** An AbortSignal that aborts when any of `signals` does. */
export function anySignal(...signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  return AbortSignal.any(live);
}
