import { Writable } from 'node:stream';

import { pino } from 'pino';
import type { Logger } from 'pino';

/** A pino logger at `trace` level whose output lines are kept in memory, for tests. */
export function captureLogger(): { logger: Logger; lines: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), lines: () => chunks.join('') };
}
