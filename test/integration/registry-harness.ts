// Shared set-up of the registry integration tests: real Redis, a unique prefix, a fake clock.
import { randomBytes } from 'node:crypto';

import { createRegistry, runnerBaseKey } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

/** A clock the test moves by hand. */
export interface FakeClock {
  nowMs: number;
  readonly now: () => number;
  advance(ms: number): void;
}

/** Starts a fake clock at a fixed, realistic epoch time. */
export function fakeClock(startMs = 1_780_000_000_000): FakeClock {
  const clock: FakeClock = {
    nowMs: startMs,
    now: () => clock.nowMs,
    advance(ms: number) {
      clock.nowMs += ms;
    },
  };
  return clock;
}

/** One test file's Redis connections, all under one unique key prefix. */
export interface RegistryHarness {
  readonly keyPrefix: string;
  readonly clock: FakeClock;
  /** Opens a new connection (closed by cleanup) and a Registry on it. */
  open(runnerKey?: string): Registry;
  /** The raw connection of the first open(), for reading keys directly. */
  raw(): Redis;
  cleanup(): Promise<void>;
}

/** Creates a harness with a unique prefix; call cleanup() in afterAll. */
export function registryHarness(name: string): RegistryHarness {
  const keyPrefix = `test-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const clock = fakeClock();
  const connections: Redis[] = [];
  const logger = pino({ level: 'silent' });
  const connect = (): Redis => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    connections.push(redis);
    return redis;
  };
  return {
    keyPrefix,
    clock,
    open(runnerKey = 'runner-1') {
      // Validate first, so a refused key never leaves a connection behind.
      runnerBaseKey(keyPrefix, runnerKey);
      return createRegistry({ redis: connect(), keyPrefix, runnerKey, clock: clock.now, logger });
    },
    raw() {
      return connections[0] ?? connect();
    },
    async cleanup() {
      const redis = connections[0] ?? connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `{tf:${keyPrefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) {
          await redis.del(...keys);
        }
      } while (cursor !== '0');
      // Wait for each socket to close, so Jest sees no open handle after the file.
      await Promise.all(
        connections.map(async c => {
          // A socket still connecting when disconnect() is called can outlive it; settle first.
          await c.ping().catch(() => undefined);
          const ended = new Promise(resolve => c.once('end', resolve));
          c.disconnect();
          await ended;
        }),
      );
    },
  };
}
