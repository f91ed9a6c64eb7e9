import { posix } from 'node:path';

import { ExecutorError } from '../errors';
import { expandValue } from '../job/expand-variables';
import { warningLine } from '../job/job-header';
import type { ArchiveFormat, WrittenArchive } from './archive';
import { archiveSink } from './archive';
import { listTree, listUntracked, readTar } from './remote-tree';
import type { FileSelection, TreeEntry } from './select-files';
import { selectFiles } from './select-files';
import type { TransferContext } from './transfer-context';

/** The files one artifact or cache names, as the instance has them right now. */
export interface CollectedFiles {
  readonly entries: readonly TreeEntry[];
}

/** Paths, exclusions and untracked as written in the payload; expanded here. */
export interface CollectRequest {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly untracked: boolean;
}

/** Lists the project tree on the instance and picks what `request` names, logging as GitLab Runner. */
export async function collectFiles(
  context: TransferContext,
  request: CollectRequest,
): Promise<CollectedFiles> {
  const expand = (value: string): string => expandValue(value, context.lookup);
  const tree = await listTree(context.shell, context.projectDir, context.signal);
  const selection: FileSelection = {
    paths: request.paths.map(expand),
    exclude: request.exclude.map(expand),
    ...(request.untracked
      ? { untracked: await listUntracked(context.shell, context.projectDir, context.signal) }
      : {}),
  };
  const selected = selectFiles(tree, selection, context.projectDir);
  for (const line of selected.lines) {
    await context.write(line.level === 'warning' ? warningLine(line.text) : `${line.text}\n`);
  }
  return { entries: selected.entries };
}

/** Archives the collected entries from the instance into a file on this host. */
export async function archiveFiles(
  context: TransferContext,
  collected: CollectedFiles,
  format: ArchiveFormat,
  filePath: string,
): Promise<WrittenArchive> {
  const sink = archiveSink(format, filePath);
  const paths = collected.entries
    .filter(entry => format === 'zip' || entry.type === 'file')
    .map(entry => entry.path);
  let failure: unknown;
  try {
    await readTar(
      context.shell,
      context.projectDir,
      paths,
      chunk => sink.write(chunk),
      context.signal,
    );
  } catch (error) {
    failure = error;
  }
  // The remote side's error explains more than the half-written archive's, so it wins.
  const written = await sink.finish().then(
    archive => ({ archive }),
    (error: unknown) => ({ error }),
  );
  if (failure !== undefined || 'error' in written) {
    throw asError(failure ?? (written as { error: unknown }).error);
  }
  return written.archive;
}

/** A file name for an archive in the temp dir that no user-chosen name can escape. */
export function tempArchivePath(tempDir: string, index: number, name: string): string {
  return posix.join(tempDir, `${index}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

function asError(error: unknown): Error {
  return error instanceof Error
    ? error
    : new ExecutorError('archive_failed', 'could not archive the files', { cause: error });
}
