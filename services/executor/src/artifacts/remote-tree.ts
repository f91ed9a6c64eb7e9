import type { Readable } from 'node:stream';

import type { RunOptions, RunResult } from '@taskfleet/fleeting';

import { ExecutorError } from '../errors';
import { shellQuote } from '../job/bash-quote';
import type { TreeEntry } from './select-files';
import { parseTreeListing } from './select-files';

/** The part of an SSH connection the file transfers use. */
export interface RemoteShell {
  run(options: RunOptions): Promise<RunResult>;
}

// Only stock tools run on the instance: sh, find, git, tar. Listing and archiving are separate
// commands because the file list travels on tar's stdin.
const maxStderrBytes = 4096;

async function capture(
  shell: RemoteShell,
  command: string,
  what: string,
  signal: AbortSignal | undefined,
  stdin?: string | Buffer,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stderr = boundedText();
  const result = await shell.run({
    command,
    ...(stdin === undefined ? {} : { stdin }),
    onStdout: chunk => {
      chunks.push(chunk);
    },
    onStderr: stderr.add,
    ...(signal === undefined ? {} : { signal }),
  });
  failUnlessZero(what, result.exitCode, stderr.text());
  return Buffer.concat(chunks);
}

/** Lists every entry under `dir` on the instance (an empty list when `dir` does not exist). */
export async function listTree(
  shell: RemoteShell,
  dir: string,
  signal?: AbortSignal,
): Promise<TreeEntry[]> {
  const quoted = shellQuote(dir);
  const script = `if [ -d ${quoted} ]; then cd ${quoted} && find . -mindepth 1 -printf '%y %P\\0'; fi\n`;
  return parseTreeListing(await capture(shell, 'sh', 'list the project files', signal, script));
}

/** The files git does not track under `dir` (ignored ones included, as GitLab Runner lists them). */
export async function listUntracked(
  shell: RemoteShell,
  dir: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const script = `cd ${shellQuote(dir)} && git ls-files -o -z\n`;
  const listing = await capture(shell, 'sh', 'list the untracked files', signal, script);
  return listing
    .toString('utf8')
    .split('\0')
    .filter(path => path !== '');
}

/**
 * Streams a tar of `paths` (relative to `dir`, no recursion: the list is complete) from the
 * instance into `onData`, whose returned promise pauses the SSH channel.
 */
export async function readTar(
  shell: RemoteShell,
  dir: string,
  paths: readonly string[],
  onData: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const stderr = boundedText();
  const list = Buffer.from(paths.map(path => `${path}\0`).join(''), 'utf8');
  const result = await shell.run({
    command: `cd ${shellQuote(dir)} && tar -cf - --no-recursion --null -T -`,
    stdin: list,
    onStdout: onData,
    onStderr: stderr.add,
    ...(signal === undefined ? {} : { signal }),
  });
  failUnlessZero('archive the files on the instance', result.exitCode, stderr.text());
}

/** Unpacks a tar stream into `dir` on the instance, creating `dir` first. */
export async function writeTar(
  shell: RemoteShell,
  dir: string,
  tar: Readable,
  signal?: AbortSignal,
): Promise<void> {
  const stderr = boundedText();
  const result = await shell.run({
    command: `mkdir -p ${shellQuote(dir)} && cd ${shellQuote(dir)} && tar -xf -`,
    stdin: tar,
    onStderr: stderr.add,
    ...(signal === undefined ? {} : { signal }),
  });
  failUnlessZero('unpack the files on the instance', result.exitCode, stderr.text());
}

/** Collects a command's stderr up to `maxStderrBytes`, for the error message. */
function boundedText(): { add: (chunk: Buffer) => void; text: () => string } {
  let text = '';
  return {
    add: chunk => {
      if (text.length < maxStderrBytes) {
        text += chunk.toString('utf8');
      }
    },
    text: () => text,
  };
}

/** Throws `remote_files_failed` (`could not <what>`) when a command on the instance failed. */
function failUnlessZero(what: string, exitCode: number | null, stderr: string): void {
  if (exitCode !== 0) {
    const detail = stderr.trim().slice(0, 500);
    throw new ExecutorError(
      'remote_files_failed',
      `could not ${what}: exit code ${String(exitCode)}: ${detail}`,
    );
  }
}
