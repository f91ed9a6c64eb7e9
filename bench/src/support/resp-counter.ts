import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * Counts the commands in a client → server RESP stream, chunk by chunk: each request array (or
 * inline command) is one command, named by its first word; `EVALSHA` is named by its sha and
 * `EVAL` by the sha1 of its body, so scripts can be told apart.
 */
export class RespCommandCounter {
  private pending: Buffer = Buffer.alloc(0);

  /** `counts` may be shared by the counters of several connections (one stream each). */
  constructor(private readonly counts = new Map<string, number>()) {}

  /** Feeds bytes as they arrive; a command split across chunks is counted once it is whole. */
  feed(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    for (;;) {
      const parsed = parseCommand(this.pending, offset);
      if (parsed === undefined) {
        break;
      }
      offset = parsed.next;
      if (parsed.words.length > 0) {
        this.add(commandName(parsed.words));
      }
    }
    this.pending = this.pending.subarray(offset);
  }

  /** Calls so far, by command name (`evalsha:<sha>` and `eval:<sha>` for scripts). */
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  private add(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
}

function commandName(words: readonly Buffer[]): string {
  const name = (words[0] ?? Buffer.alloc(0)).toString('latin1').toLowerCase();
  const second = words[1];
  if (name === 'evalsha' && second !== undefined) {
    return `evalsha:${second.toString('latin1').toLowerCase()}`;
  }
  if (name === 'eval' && second !== undefined) {
    return `eval:${createHash('sha1').update(second).digest('hex')}`;
  }
  return name;
}

/** One command from `offset`, or undefined while it is incomplete. */
function parseCommand(
  data: Buffer,
  offset: number,
): { readonly words: Buffer[]; readonly next: number } | undefined {
  if (offset >= data.length) {
    return undefined;
  }
  const lineEnd = data.indexOf('\r\n', offset, 'latin1');
  if (lineEnd < 0) {
    return undefined;
  }
  if (data[offset] !== 0x2a /* '*' */) {
    // An inline command (redis-cli style): words separated by spaces on one line.
    const words = data
      .subarray(offset, lineEnd)
      .toString('latin1')
      .split(' ')
      .filter(w => w !== '')
      .map(w => Buffer.from(w, 'latin1'));
    return { words, next: lineEnd + 2 };
  }
  const count = Number(data.subarray(offset + 1, lineEnd).toString('latin1'));
  let at = lineEnd + 2;
  const words: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const headerEnd = data.indexOf('\r\n', at, 'latin1');
    if (headerEnd < 0) {
      return undefined;
    }
    const length = Number(data.subarray(at + 1, headerEnd).toString('latin1'));
    const start = headerEnd + 2;
    if (start + length + 2 > data.length) {
      return undefined;
    }
    words.push(data.subarray(start, start + length));
    at = start + length + 2;
  }
  return { words, next: at };
}

/** A loopback TCP proxy in front of Redis that counts what its clients send. */
export interface CountingProxy {
  readonly url: string;
  /** Calls since start, by command name, over every connection through this proxy. */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `target` and counts each command. */
export async function startCountingProxy(target: {
  readonly host: string;
  readonly port: number;
}): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer(client => {
    // One parser per connection: a command split across chunks belongs to one stream only.
    const counter = new RespCommandCounter(counts);
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      counter.feed(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('bench: could not start the counting proxy');
  }
  return {
    url: `redis://127.0.0.1:${address.port}`,
    counts: () => new Map(counts),
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.close();
      await once(server, 'close');
    },
  };
}
