import type { Readable } from 'node:stream';

import type { Client, ClientChannel } from 'ssh2';

import { FleetingError } from '../errors';
import { wrapWithEnv } from './remote-env';
import type { OutputSink, RemoteCommand, RemoteSignal, RunOptions, RunResult } from './run-types';

// How often and how long a command that must die is sent KILL before its channel is closed.
const killRetryMs = 100;
const killAttempts = 20;

/** What a running command needs from its connection. */
export interface CommandHost {
  readonly client: Client;
  readonly instanceId: string;
  /** The error that ended the connection, once it has ended. */
  terminalError(): FleetingError | undefined;
  /** Called once when the command settles, so the connection stops tracking it. */
  forget(command: SshRemoteCommand): void;
}

/** One command on one exec channel: output pumping with backpressure, stdin, exit, signals. */
export class SshRemoteCommand implements RemoteCommand {
  readonly result: Promise<RunResult>;
  private channel: ClientChannel | undefined;
  private settled = false;
  private exit: RunResult | undefined;
  private pendingSinks = 0;
  private channelClosed = false;
  private resolveResult!: (result: RunResult) => void;
  private rejectResult!: (error: unknown) => void;
  private readonly onAbort = (): void => {
    this.fail(
      new FleetingError('canceled', 'could not finish the command: aborted', {
        instanceId: this.host.instanceId,
        cause: this.options.signal?.reason,
      }),
    );
  };

  constructor(
    private readonly host: CommandHost,
    private readonly options: RunOptions,
  ) {
    this.result = new Promise<RunResult>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A command can fail before its caller awaits it (e.g. while the caller awaits something
    // else); the caller still sees the rejection, but Node must not call it unhandled.
    this.result.catch(() => undefined);
  }

  /** Opens the channel; call once, right after construction. */
  start(): void {
    const ended = this.host.terminalError();
    if (ended !== undefined) {
      this.fail(ended);
      return;
    }
    if (this.options.signal?.aborted === true) {
      this.onAbort();
      return;
    }
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    let command = this.options.command;
    let preamble: Buffer | undefined;
    try {
      if (this.options.env !== undefined && Object.keys(this.options.env).length > 0) {
        ({ command, preamble } = wrapWithEnv(command, this.options.env));
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    try {
      this.host.client.exec(command, (error, channel) => {
        this.onChannel(error, channel, preamble);
      });
    } catch (error) {
      // ssh2 throws synchronously when the socket is no longer writable.
      this.fail(this.host.terminalError() ?? this.startFailure(error));
    }
  }

  private onChannel(
    error: Error | undefined,
    channel: ClientChannel | undefined,
    preamble: Buffer | undefined,
  ): void {
    if (this.settled) {
      // Aborted or disconnected while the channel was opening: the command has started by now.
      if (channel !== undefined) {
        this.channel = channel;
        this.drain(channel);
        this.reap(channel);
      }
      return;
    }
    if (error !== undefined || channel === undefined) {
      this.fail(this.host.terminalError() ?? this.startFailure(error));
      return;
    }
    this.attach(channel, preamble);
  }

  private startFailure(cause: unknown): FleetingError {
    return new FleetingError('command_failed', 'could not start the command', {
      instanceId: this.host.instanceId,
      cause,
    });
  }

  signal(name: RemoteSignal): boolean {
    const channel = this.channel;
    if (channel === undefined || this.settled || this.channelClosed) {
      return false;
    }
    return sendSignal(this.host.client, channel, name);
  }

  /** Rejects the command with `error` (first settlement wins) and closes its channel. */
  fail(error: unknown): void {
    if (this.settled) {
      return;
    }
    this.settle();
    if (this.channel !== undefined) {
      this.reap(this.channel);
    }
    this.rejectResult(error);
  }

  /**
   * Kills the remote command, then closes its channel: closing alone leaves a command without a
   * pty running. sshd signals the command's process group, which exists only once its child has
   * called setsid(), so a KILL that arrives too early is lost; it is repeated until the channel
   * closes, within a bound.
   */
  private reap(channel: ClientChannel): void {
    let sent = 0;
    const next = (): void => {
      if (this.channelClosed) {
        return;
      }
      if (this.host.terminalError() !== undefined || sent >= killAttempts) {
        channel.close();
        return;
      }
      sent += 1;
      if (!sendSignal(this.host.client, channel, 'KILL')) {
        channel.close();
        return;
      }
      setTimeout(next, killRetryMs).unref();
    };
    next();
  }

  private settle(): void {
    this.settled = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.host.forget(this);
  }

  /** Discards the output of a channel nobody waits for any more, and notes when it closes. */
  private drain(channel: ClientChannel): void {
    channel.on('error', () => undefined);
    channel.on('close', () => {
      this.channelClosed = true;
    });
    channel.resume();
    channel.stderr.resume();
    channel.end();
  }

  private attach(channel: ClientChannel, preamble: Buffer | undefined): void {
    this.channel = channel;
    // Writes after the server closed the channel surface here; the close itself settles us.
    channel.on('error', () => undefined);
    this.pump(channel, this.options.onStdout);
    this.pump(channel.stderr, this.options.onStderr);
    channel.on('exit', (code: number | null, signalName?: string) => {
      this.exit =
        code === null && signalName !== undefined
          ? { exitCode: null, signal: signalName.replace(/^SIG/, '') }
          : { exitCode: code };
      try {
        this.options.onExit?.(this.exit);
      } catch (error) {
        this.fail(error);
      }
    });
    channel.on('close', () => {
      this.channelClosed = true;
      this.finishIfDone();
    });
    this.writeStdin(channel, preamble);
  }

  private pump(stream: Readable, sink: OutputSink | undefined): void {
    if (sink === undefined) {
      stream.resume();
      return;
    }
    stream.on('data', (chunk: Buffer) => {
      let outcome: void | Promise<void>;
      try {
        outcome = sink(chunk);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (isPromiseLike(outcome)) {
        // Backpressure: ssh2 stops growing the SSH window while the stream is paused.
        this.pendingSinks += 1;
        stream.pause();
        outcome.then(
          () => {
            this.pendingSinks -= 1;
            stream.resume();
            this.finishIfDone();
          },
          (error: unknown) => {
            this.fail(error);
          },
        );
      }
    });
  }

  private writeStdin(channel: ClientChannel, preamble: Buffer | undefined): void {
    if (preamble !== undefined) {
      channel.write(preamble);
    }
    const stdin = this.options.stdin;
    if (stdin === undefined || typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
      channel.end(stdin);
      return;
    }
    stdin.once('error', error => {
      this.fail(error);
    });
    stdin.pipe(channel);
  }

  private finishIfDone(): void {
    if (this.settled || !this.channelClosed || this.pendingSinks > 0) {
      return;
    }
    const exit = this.exit;
    if (exit !== undefined) {
      this.settle();
      this.resolveResult(exit);
      return;
    }
    // No exit status: ssh2 closes every channel when the connection drops, and the connection
    // records why a moment later in the same turn; look after it has.
    setImmediate(() => {
      if (this.settled) {
        return;
      }
      const lost = this.host.terminalError();
      if (lost !== undefined) {
        this.fail(lost);
        return;
      }
      this.settle();
      this.resolveResult({ exitCode: null });
    });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<void> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** The parts of ssh2's internals that a signal request after stdin EOF needs. */
interface Ssh2SignalInternals {
  readonly _protocol?: { signal(channelId: number, name: string): void };
}

/**
 * Sends an SSH `signal` request. ssh2's `ClientChannel.signal()` silently does nothing once
 * stdin has been ended (it checks `writable`), although RFC 4254 allows channel requests after
 * EOF; so the request goes through ssh2's protocol object directly while the channel is open.
 */
function sendSignal(client: Client, channel: ClientChannel, name: RemoteSignal): boolean {
  const outgoing = (channel as unknown as { outgoing?: { id: number; state: string } }).outgoing;
  const protocol = (client as unknown as Ssh2SignalInternals)._protocol;
  if (outgoing === undefined || protocol === undefined) {
    // ssh2 changed its internals: its public method works only until stdin has ended.
    if (!channel.writable) {
      return false;
    }
    channel.signal(name);
    return true;
  }
  if (outgoing.state !== 'open' && outgoing.state !== 'eof') {
    return false;
  }
  protocol.signal(outgoing.id, name);
  return true;
}
