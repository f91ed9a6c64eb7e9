import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * A TCP listener that accepts connections and never sends a byte: what a client sees of an
 * instance whose sshd never came up behind an open port.
 */
export class SilentListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer(socket => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
      });
    });
  }

  /** Listens on `address:port`; resolves false if the address is taken. */
  listen(address: string, port: number): Promise<boolean> {
    return new Promise(resolve => {
      const onError = (): void => {
        resolve(false);
      };
      this.server.once('error', onError);
      this.server.listen({ host: address, port, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve(true);
      });
    });
  }

  /** Stops accepting; connections already open stay open. */
  stopListening(): void {
    // The 'close' event waits for open connections, which a silent listener never ends itself.
    if (this.server.listening) {
      this.server.close();
    }
  }

  /** Stops accepting and drops every open connection. */
  destroy(): void {
    this.stopListening();
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
  }
}
