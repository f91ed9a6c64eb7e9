import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** A loopback TCP proxy to `target`, listening only once opened (a dependency "comes up"). */
export interface TcpProxy {
  /** Starts listening on the proxy's port; connections are piped to the target. */
  open(): Promise<void>;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** A proxy on 127.0.0.1:`port` to `target`; refused connections until `open()`. */
export function tcpProxy(port: number, target: { host: string; port: number }): TcpProxy {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    open: () =>
      new Promise(resolve => {
        server = createServer(client => {
          const upstream = createConnection(target);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => undefined).on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => {
          resolve();
        });
      }),
    close: () =>
      new Promise(resolve => {
        for (const s of sockets) {
          s.destroy();
        }
        if (server === undefined) {
          resolve();
          return;
        }
        server.close(() => {
          resolve();
        });
      }),
  };
}
