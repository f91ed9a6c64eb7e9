import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Connects once and resolves with the server's first line, or undefined if none arrives. */
export function readSshBanner(
  address: string,
  port: number,
  attemptTimeoutMs: number,
): Promise<string | undefined> {
  return new Promise(resolve => {
    let received = '';
    const socket = connect({ host: address, port });
    const finish = (banner: string | undefined): void => {
      socket.destroy();
      resolve(banner);
    };
    socket.setTimeout(attemptTimeoutMs, () => {
      finish(undefined);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\n');
      if (end >= 0) {
        finish(received.slice(0, end).trim());
      }
    });
    socket.on('error', () => {
      finish(undefined);
    });
    socket.on('close', () => {
      finish(undefined);
    });
  });
}

/** How waitForSshBanner knows when to give up early. */
export interface BannerWait {
  readonly address: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** Returns true once the server process is gone, so waiting is pointless. */
  readonly hasExited: () => boolean;
}

/**
 * Polls until the port answers with an SSH identification line; resolves true then, false on
 * timeout or when the server exits first.
 */
export async function waitForSshBanner(wait: BannerWait): Promise<boolean> {
  const deadline = Date.now() + wait.timeoutMs;
  while (!wait.hasExited() && Date.now() < deadline) {
    const remainingMs = Math.max(1, deadline - Date.now());
    const banner = await readSshBanner(wait.address, wait.port, Math.min(remainingMs, 2000));
    if (banner?.startsWith('SSH-') === true) {
      return true;
    }
    // sshd binds within tens of milliseconds of starting; a short poll keeps launches fast.
    await delay(20);
  }
  return false;
}
