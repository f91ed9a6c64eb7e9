import { Redis } from 'ioredis';

import { CliError } from '../errors';

/** How long the first PING may take before Redis counts as unreachable. */
export const redisPingTimeoutMs = 3_000;

/** Longest wait between two reconnect attempts after the connection was up. */
export const reconnectMaxDelayMs = 2_000;

/**
 * Opens the shared connection from `[taskfleet] redis_url` and checks that Redis answers;
 * `maxRetriesPerRequest: null` because BullMQ workers require it on a shared connection.
 */
export async function connectRedis(redisUrl: string): Promise<Redis> {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    // Fail fast at start-up instead of queueing commands behind an endless reconnect.
    retryStrategy: times => (times > 3 ? null : 200 * times),
  });
  // ioredis emits 'error' on every failed attempt; without a listener Node would crash. The
  // last one says why (ECONNREFUSED, ENOTFOUND), where the final rejection says only "closed".
  let lastAttemptError: (Error & { code?: unknown }) | undefined;
  const onError = (error: Error): void => {
    lastAttemptError = error;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    const bound = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer within ${redisPingTimeoutMs} ms`));
      }, redisPingTimeoutMs);
    });
    await Promise.race([redis.connect().then(() => redis.ping()), bound]);
  } catch (error) {
    redis.disconnect();
    const code = typeof lastAttemptError?.code === 'string' ? ` (${lastAttemptError.code})` : '';
    throw new CliError(
      'redis_unreachable',
      `could not reach redis at ${safeUrl(redisUrl)}${code}`,
      {
        cause: lastAttemptError ?? error,
        retryable: true,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  redis.off('error', onError);
  redis.on('error', () => undefined);
  // Fail fast only for the first connect: a connection that drops later is retried for as long
  // as it takes (ioredis reads the strategy at each reconnect), and /readyz shows the outage.
  redis.options.retryStrategy = times => Math.min(200 * times, reconnectMaxDelayMs);
  return redis;
}

/** The URL without its password, for messages. */
function safeUrl(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    url.password = url.password === '' ? '' : 'xxxxx';
    return url.toString();
  } catch {
    return 'the configured url';
  }
}
