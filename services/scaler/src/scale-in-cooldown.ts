import type { ScalerRemoval } from './boot-failures';

/** Removal reasons that shrink a healthy fleet; only these wait for the scale-in cooldown. */
const capacityReasons = new Set<string>(['idle_timeout', 'excess']);

/** The scaler memory's times the cooldown counts from. */
export interface ScaleTimes {
  /** Last time the cloud accepted new instances from us. */
  readonly lastScaleOutAtMs: number | undefined;
  /** Last time an instance was terminated for idleness (`idle_timeout` or `excess`). */
  readonly lastIdleRemovalAtMs: number | undefined;
}

/**
 * Milliseconds left of the scale-in cooldown at `nowMs`; 0 when idle removals may go. It counts
 * from the later of the last scale-out (new instances were just wanted: removing idle ones now
 * is the create-then-remove churn of reference/autoscaler.md §8 row 6) and the last idle removal
 * (the fleet shrinks one step per cooldown, so a short dip in demand does not empty it). A
 * removal of a broken instance restarts nothing: it is a repair, not a capacity decision.
 */
export function scaleInCooldownLeftMs(
  times: ScaleTimes,
  cooldownMs: number,
  nowMs: number,
): number {
  if (cooldownMs <= 0) {
    return 0;
  }
  const anchors = [times.lastScaleOutAtMs, times.lastIdleRemovalAtMs].filter(
    (at): at is number => at !== undefined,
  );
  if (anchors.length === 0) {
    return 0;
  }
  return Math.max(0, Math.max(...anchors) + cooldownMs - nowMs);
}

/**
 * Splits the removals into those that go now and the idle ones the cooldown holds (every
 * `idle_timeout` and `excess` removal while the cooldown runs; repairs always go).
 */
export function holdForCooldown(
  removals: readonly ScalerRemoval[],
  leftMs: number,
): { readonly allowed: ScalerRemoval[]; readonly held: string[] } {
  if (leftMs <= 0) {
    return { allowed: [...removals], held: [] };
  }
  const allowed: ScalerRemoval[] = [];
  const held: string[] = [];
  for (const removal of removals) {
    if (capacityReasons.has(removal.reason)) {
      held.push(removal.id);
    } else {
      allowed.push(removal);
    }
  }
  return { allowed, held };
}

/** Whether a terminated removal was one the cooldown counts from. */
export function isIdleRemoval(removal: ScalerRemoval): boolean {
  return capacityReasons.has(removal.reason);
}
