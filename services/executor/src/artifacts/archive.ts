import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { extract, pack } from 'tar-stream';
import type { Header } from 'tar-stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ZipFile as ZipWriter } from 'yazl';

import { ExecutorError } from '../errors';

/** The three upload formats GitLab Runner writes. */
export type ArchiveFormat = 'zip' | 'gzip' | 'raw';

/** What was written to the archive file. */
export interface WrittenArchive {
  readonly sizeBytes: number;
  /** Files, directories and symlinks stored (for raw: 1). */
  readonly entryCount: number;
}

/** A writer fed with the tar stream read from the instance; `done` settles with the archive. */
export interface ArchiveSink {
  /** Where the instance's tar bytes go; returning a promise applies backpressure. */
  write(chunk: Buffer): Promise<void>;
  /** Ends the tar input and waits for the archive file to be complete. */
  finish(): Promise<WrittenArchive>;
}

const symlinkMode = 0o120000;
const fileTypeMask = 0o170000;

/**
 * Turns a tar stream into `format` at `filePath`: a zip of every entry (GitLab Runner's
 * `archive`), one gzip member per file (`gzip` reports), or the single file as it is (`raw`).
 */
export function archiveSink(format: ArchiveFormat, filePath: string): ArchiveSink {
  const input = new PassThrough();
  const untar = extract();
  const output = createWriteStream(filePath);
  let entryCount = 0;
  let onEntry: (header: Header, stream: Readable, next: () => void) => void;
  let finished: Promise<void>;

  if (format === 'zip') {
    const zip = new ZipWriter();
    onEntry = (header, stream, next) => {
      const { mtime, mode } = header;
      if (header.type === 'directory') {
        zip.addEmptyDirectory(header.name, { mtime, mode: mode | 0o040000 });
        entryCount += 1;
        skip(stream, next);
      } else if (header.type === 'symlink') {
        // Zip keeps a symlink as an entry whose mode says link and whose content is the target.
        zip.addBuffer(Buffer.from(header.linkname, 'utf8'), header.name, {
          mtime,
          mode: symlinkMode | 0o777,
          compress: false,
        });
        entryCount += 1;
        skip(stream, next);
      } else if (header.type === 'file') {
        zip.addReadStream(stream, header.name, { mtime, mode, size: header.size });
        entryCount += 1;
        stream.on('end', next);
      } else {
        skip(stream, next);
      }
    };
    finished = new Promise<void>((resolve, reject) => {
      untar.on('finish', () => {
        zip.end();
      });
      pipeline(zip.outputStream, output).then(resolve, reject);
    });
  } else {
    onEntry = (header, stream, next) => {
      if (header.type !== 'file') {
        skip(stream, next);
        return;
      }
      // The caller sends exactly one file for raw, as GitLab Runner requires.
      entryCount += 1;
      const body = format === 'gzip' ? stream.pipe(createGzip()) : stream;
      body.on('end', next);
      body.pipe(output, { end: false });
    };
    finished = new Promise<void>((resolve, reject) => {
      untar.on('finish', () => {
        output.end(resolve);
      });
      output.on('error', reject);
    });
  }

  const untarDone = new Promise<void>((resolve, reject) => {
    untar.on('entry', (header, source, next) => {
      // tar-stream hands out streamx streams; a PassThrough gives zlib and yazl a Node stream.
      const stream = new PassThrough();
      source.on('error', reject);
      stream.on('error', reject);
      source.pipe(stream);
      onEntry(header, stream, () => {
        next();
      });
    });
    untar.on('finish', resolve);
    untar.on('error', reject);
  });
  input.pipe(untar);
  // A failed archive must not leave the instance's stream waiting for a drain that never comes.
  const failure = Promise.all([untarDone, finished]).then(
    () => new Promise<never>(() => undefined),
    (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  failure.catch(() => undefined);
  return {
    async write(chunk) {
      if (!input.write(chunk)) {
        await Promise.race([new Promise<void>(resolve => input.once('drain', resolve)), failure]);
      }
    },
    async finish() {
      input.end();
      try {
        await Promise.all([untarDone, finished]);
      } catch (error) {
        output.destroy();
        throw error instanceof ExecutorError
          ? error
          : new ExecutorError('archive_failed', 'could not write the archive', { cause: error });
      }
      return { sizeBytes: (await stat(filePath)).size, entryCount };
    },
  };
}

function skip(stream: Readable, next: () => void): void {
  stream.on('end', next);
  stream.resume();
}

/** What unpacking a zip into a tar stream found. */
export interface ZipToTarResult {
  /** Entries skipped because their names would leave the target directory. */
  readonly skipped: readonly string[];
  readonly entryCount: number;
}

/**
 * Streams the zip at `zipPath` as a tar into `target` (e.g. a remote `tar -x`'s stdin), keeping
 * modes, mtimes and symlinks; names that are absolute or climb out with `..` are skipped.
 */
export async function zipToTar(zipPath: string, target: Writable): Promise<ZipToTarResult> {
  const zip = await openZip(zipPath);
  const tar = pack();
  const piped = pipeline(tar, target);
  const skipped: string[] = [];
  let entryCount = 0;
  try {
    for await (const entry of entries(zip)) {
      const name = entry.fileName;
      const normalized = posix.normalize(name);
      if (
        posix.isAbsolute(name) ||
        normalized === '..' ||
        normalized.startsWith('../') ||
        name.includes('\\')
      ) {
        skipped.push(name);
        continue;
      }
      const mode = (entry.externalFileAttributes >>> 16) & 0o177777;
      const mtime = entry.getLastModDate();
      entryCount += 1;
      if (name.endsWith('/')) {
        tar.entry({ name, type: 'directory', mode: mode & 0o7777 || 0o755, mtime });
        continue;
      }
      const content = await openEntry(zip, entry);
      if ((mode & fileTypeMask) === symlinkMode) {
        const chunks: Buffer[] = [];
        for await (const chunk of content) {
          chunks.push(chunk as Buffer);
        }
        tar.entry({
          name,
          type: 'symlink',
          linkname: Buffer.concat(chunks).toString('utf8'),
          mtime,
        });
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const sink = tar.entry(
          { name, type: 'file', size: entry.uncompressedSize, mode: mode & 0o7777 || 0o644, mtime },
          error => {
            if (error) {
              reject(error);
            } else {
              resolve();
            }
          },
        );
        content.on('error', reject);
        content.pipe(sink);
      });
    }
    tar.finalize();
    await piped;
  } catch (error) {
    tar.destroy();
    await piped.catch(() => undefined);
    throw new ExecutorError('archive_failed', 'could not read the zip archive', { cause: error });
  } finally {
    zip.close();
  }
  return { skipped, entryCount };
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error !== null) {
        reject(
          new ExecutorError('archive_failed', 'could not open the zip archive', { cause: error }),
        );
      } else {
        resolve(zip);
      }
    });
  });
}

async function* entries(zip: ZipFile): AsyncGenerator<Entry> {
  for (;;) {
    const next = await new Promise<Entry | undefined>((resolve, reject) => {
      const onEntry = (entry: Entry): void => {
        cleanup();
        resolve(entry);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(undefined);
      };
      const onError = (error: unknown): void => {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      const cleanup = (): void => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (next === undefined) {
      return;
    }
    yield next;
  }
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error !== null) {
        reject(error);
      } else {
        resolve(stream);
      }
    });
  });
}
