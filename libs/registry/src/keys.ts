import { RegistryError } from './errors';

// A name part may not contain braces (it would break the hash tag) or the separator.
const NAME_PART = /^[A-Za-z0-9_.-]+$/;

/**
 * The hash-tagged base of every key of one runner: `{tf:<keyPrefix>:<runnerKey>}`. Every key the
 * scripts touch starts with it, so on Redis Cluster all of them live in one slot.
 */
export function runnerBaseKey(keyPrefix: string, runnerKey: string): string {
  for (const [what, value] of [
    ['keyPrefix', keyPrefix],
    ['runnerKey', runnerKey],
  ] as const) {
    if (!NAME_PART.test(value)) {
      throw new RegistryError(
        'invalid_argument',
        `could not use ${what}: letters, digits, _ . - only`,
      );
    }
  }
  return `{tf:${keyPrefix}:${runnerKey}}`;
}

/** Suffixes under the base key, as the Lua scripts build them (see README.md "Key layout"). */
export const KEY_SUFFIXES = {
  instances: ':instances',
  open: ':open',
  claims: ':claims',
  pending: ':pending',
  reservations: ':reservations',
  reservationOwners: ':reservation-owners',
  terminations: ':terminations',
  scalerState: ':scaler-state',
  lease: ':lease',
  gone: ':gone',
  used: ':used',
  orphans: ':orphans',
  fence: ':fence',
  seq: ':seq',
  instancePrefix: ':inst:',
  slotsSuffix: ':slots',
} as const;

// Ids go into key names (no colon, so `inst:<id>` never collides with another id's `:slots`).
const ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** Throws invalid_argument unless `value` is usable as an instance, job or owner id. */
export function checkId(what: string, value: string): void {
  if (!ID.test(value)) {
    throw new RegistryError(
      'invalid_argument',
      `could not use ${what}: 1-128 of A-Z a-z 0-9 _ . -`,
    );
  }
}
