import type { Redis } from 'ioredis';

/** Deletes every key holding `keyPrefix`, in batches, so a demo or sandbox leaves Redis clean. */
export async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${keyPrefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) {
      await redis.del(...keys);
    }
  } while (cursor !== '0');
}
