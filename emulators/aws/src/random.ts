import { createHash } from 'node:crypto';

/** A seedable source of randomness, so termination choices and ids repeat across runs. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** `count` random lower-case hex digits. */
  hex(count: number): string;
  /** A random UUID-shaped string (version 4 layout). */
  uuid(): string;
}

/** Creates a random source; the same seed gives the same sequence (mulberry32). */
export function createRandom(seed: number | string = Date.now()): Random {
  let state = createHash('sha256').update(String(seed)).digest().readUInt32LE(0);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (count: number): string => {
    let out = '';
    for (let i = 0; i < count; i++) {
      out += Math.floor(next() * 16).toString(16);
    }
    return out;
  };
  return {
    next,
    hex,
    uuid: () =>
      `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)] ?? '8'}${hex(3)}-${hex(12)}`,
  };
}
