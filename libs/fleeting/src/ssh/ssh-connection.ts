import type { Client } from 'ssh2';
import type { Logger } from 'pino';

import { FleetingError } from '../errors';
import { classifySshError } from './classify-ssh-error';
import { SshRemoteCommand } from './remote-command';
import type { RemoteCommand, RunOptions, RunResult } from './run-types';

// How long close() waits for the server to acknowledge the disconnect before dropping the socket.
const closeGraceMs = 2_000;

/**
 * An authenticated SSH session to one instance, from `dial()`. Commands run on their own
 * channels; when the connection dies every running command rejects with `connection_lost`.
 */
export class SshConnection {
  readonly instanceId: string;
  /**
   * Resolves once the connection has ended: with the error that ended it, or undefined when
   * `close()` ended it. Never rejects.
   */
  readonly closed: Promise<FleetingError | undefined>;
  private readonly client: Client;
  private readonly logger: Logger;
  private readonly running = new Set<SshRemoteCommand>();
  private ended: FleetingError | undefined;
  private closeRequested = false;
  private socketClosed = false;
  private closing: Promise<void> | undefined;
  private resolveClosed!: (error: FleetingError | undefined) => void;

  /** Takes over a client that has just emitted `ready`; used by `dial()`. */
  constructor(client: Client, instanceId: string, logger: Logger) {
    this.client = client;
    this.instanceId = instanceId;
    this.logger = logger;
    this.closed = new Promise(resolve => {
      this.resolveClosed = resolve;
    });
    client.on('error', error => {
      this.end(classifySshError(error, 'session', instanceId));
    });
    client.on('end', () => {
      this.end(this.lostByPeer());
    });
    client.on('close', () => {
      this.socketClosed = true;
      this.end(this.lostByPeer());
    });
  }

  /** Whether the connection has ended (closed by us, by the peer, or by a keepalive timeout). */
  get isClosed(): boolean {
    return this.ended !== undefined;
  }

  /** Starts `options.command` on a new channel and returns a handle to signal or await it. */
  start(options: RunOptions): RemoteCommand {
    const command = new SshRemoteCommand(
      {
        client: this.client,
        instanceId: this.instanceId,
        terminalError: () => this.ended,
        forget: done => {
          this.running.delete(done);
        },
      },
      options,
    );
    this.running.add(command);
    command.start();
    return command;
  }

  /** Runs a command to its end; see `start()` and `RemoteCommand.result`. */
  run(options: RunOptions): Promise<RunResult> {
    return this.start(options).result;
  }

  /** Ends the connection; running commands reject with `shut_down`. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closeRequested = true;
    this.end(
      new FleetingError('shut_down', 'could not finish the command: the connection was closed', {
        instanceId: this.instanceId,
      }),
    );
    if (this.socketClosed) {
      return;
    }
    const closedSocket = new Promise<void>(resolve => {
      this.client.once('close', () => {
        resolve();
      });
    });
    this.client.end();
    const timer = setTimeout(() => {
      this.client.destroy();
    }, closeGraceMs);
    timer.unref();
    await closedSocket;
    clearTimeout(timer);
  }

  private lostByPeer(): FleetingError {
    return new FleetingError(
      'connection_lost',
      'could not keep the connection: closed by the instance',
      {
        instanceId: this.instanceId,
      },
    );
  }

  /** Records the first reason the connection ended and fails every command still running. */
  private end(reason: FleetingError): void {
    if (this.ended !== undefined) {
      return;
    }
    this.ended = reason;
    if (!this.closeRequested) {
      this.logger.warn({ instanceId: this.instanceId, code: reason.code }, 'ssh connection lost');
    }
    for (const command of [...this.running]) {
      command.fail(reason);
    }
    this.resolveClosed(this.closeRequested ? undefined : reason);
  }
}
