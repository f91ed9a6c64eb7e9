import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Draws a random loopback address outside 127.0.0.0/16 (where test servers usually listen),
 * never a .0 or .255 host part, so parallel emulators rarely meet.
 */
export function randomLoopbackAddress(
  draw: (min: number, max: number) => number = randomInt,
): string {
  return `127.${draw(1, 256)}.${draw(0, 256)}.${draw(1, 255)}`;
}

/** Whether nothing listens on `address:port` yet, found by binding and closing a server. */
export function isAddressFree(address: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ host: address, port, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** Finds a free random loopback address for `port`, or undefined after `attempts` clashes. */
export async function pickFreeLoopbackAddress(
  port: number,
  avoid: ReadonlySet<string>,
  attempts = 20,
): Promise<string | undefined> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const address = randomLoopbackAddress();
    if (!avoid.has(address) && (await isAddressFree(address, port))) {
      return address;
    }
  }
  return undefined;
}
