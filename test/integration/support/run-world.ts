import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { killTaskfleetRuns } from './taskfleet-processes';
import type { TaskfleetProcess } from './taskfleet-processes';

/** The emulators, a Redis connection and a work dir for tests that start `taskfleet run`. */
export interface RunWorld {
  readonly world: DemoWorld;
  readonly redis: Redis;
  readonly workDir: string;
  /**
   * Kills the test's `taskfleet run` children, runs `before` (the test's own servers), then
   * closes the emulators, deletes every Redis key holding the key prefix and the work dir.
   */
  close(before?: () => Promise<void>): Promise<void>;
}

/** Options of {@link startRunWorld}. */
export interface RunWorldOptions {
  /** The test's unique `key_prefix`; every key containing it is deleted on close. */
  readonly keyPrefix: string;
  /** The work dir's name prefix under the system temp dir. */
  readonly workDirPrefix: string;
  /** The children the test starts; close kills whatever is in it then. */
  readonly children: TaskfleetProcess[];
}

/** Starts the demo's emulators and opens Redis and a fresh work dir. */
export async function startRunWorld(options: RunWorldOptions): Promise<RunWorld> {
  const world = await startDemoWorld(pino({ level: 'silent' }));
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const workDir = await mkdtemp(join(tmpdir(), options.workDirPrefix));
  return {
    world,
    redis,
    workDir,
    async close(before) {
      await killTaskfleetRuns(options.children);
      await before?.();
      await world.close();
      const keys = await redis.keys(`*${options.keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** The JSON log lines a `taskfleet run` child wrote to stderr so far. */
export function jsonLogLines<T>(child: TaskfleetProcess): T[] {
  return child.stderr
    .split('\n')
    .filter(line => line.startsWith('{'))
    .map(line => JSON.parse(line) as T);
}
