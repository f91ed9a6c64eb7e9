import type { Readable } from 'node:stream';

/** Signals a caller can deliver to a remote command through an SSH `signal` request. */
export type RemoteSignal = 'TERM' | 'KILL' | 'INT' | 'HUP' | 'QUIT' | 'USR1' | 'USR2';

/** Receives one chunk of output; returning a promise pauses the stream until it settles. */
export type OutputSink = (chunk: Buffer) => void | Promise<void>;

/** What to run on an instance and where its output goes. */
export interface RunOptions {
  /**
   * The command line, run by the login shell as `sshd` does. It is visible in the instance's
   * process list, so it must hold no secrets: send scripts and secrets through `stdin`/`env`.
   */
  readonly command: string;
  /** Written to the command's stdin, which is then closed; no stdin means an immediate EOF. */
  readonly stdin?: string | Buffer | Readable;
  readonly onStdout?: OutputSink;
  readonly onStderr?: OutputSink;
  /** Aborting sends KILL to the command, closes its channel and rejects with `canceled`. */
  readonly signal?: AbortSignal;
  /** Variables exported for the command, delivered through stdin (never as arguments). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Called when the server reports the exit status, which can come well before the channel
   * closes: a background process still holding the command's output keeps the channel open.
   */
  readonly onExit?: (result: RunResult) => void;
}

/** How a remote command ended. */
export interface RunResult {
  /** The exit status, or null when the command was killed by a signal or reported none. */
  readonly exitCode: number | null;
  /** The signal that killed the command (e.g. `TERM`), when the server reported one. */
  readonly signal?: string;
}

/** A command started on an instance. */
export interface RemoteCommand {
  /**
   * Settles when the command ended and all output was delivered; rejects with a FleetingError
   * (`connection_lost`, `command_failed`, `canceled`, `shut_down`) or the error an output sink
   * or stdin stream raised.
   */
  readonly result: Promise<RunResult>;
  /**
   * Asks sshd to deliver `name` to the command's process group with an SSH `signal` channel
   * request; returns false when the channel is no longer open. OpenSSH honours it from 7.9 on,
   * for exec sessions without a forced command; other servers may silently ignore it. sshd
   * signals the process group its child creates with setsid(), so a signal sent in the first
   * moments after the channel opened can be lost: send again if the command does not end.
   */
  signal(name: RemoteSignal): boolean;
}
