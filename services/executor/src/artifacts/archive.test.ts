import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';

import { extract, pack } from 'tar-stream';

import { archiveSink, zipToTar } from './archive';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'executor-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mtime = new Date('2026-01-02T03:04:06Z');

/** A tar like the instance's `tar -c` sends: a directory, two files and a symlink. */
async function sampleTar(): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: 'build', type: 'directory', mode: 0o755, mtime });
  tar.entry({ name: 'build/app.bin', mode: 0o755, mtime }, Buffer.from('binary\0data'));
  tar.entry({ name: 'build/notes.txt', mode: 0o644, mtime }, 'hello notes\n');
  tar.entry({ name: 'build/latest', type: 'symlink', linkname: 'app.bin', mtime });
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function feed(format: 'zip' | 'gzip' | 'raw', tarBytes: Buffer, path: string) {
  const sink = archiveSink(format, path);
  // Small writes, as the SSH channel delivers them.
  for (let offset = 0; offset < tarBytes.length; offset += 300) {
    await sink.write(tarBytes.subarray(offset, offset + 300));
  }
  return sink.finish();
}

async function untarEntries(tarBytes: Buffer) {
  const found: {
    name: string;
    type: string;
    mode: number;
    content: string;
    linkname: string | null;
  }[] = [];
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      found.push({
        name: header.name,
        type: header.type,
        mode: header.mode & 0o777,
        content: Buffer.concat(chunks).toString('utf8'),
        // tar-stream leaves linkname null for entries that are not links.
        linkname: header.linkname,
      });
      next();
    });
  });
  const done = new Promise<void>(resolve => {
    reader.on('finish', () => {
      resolve();
    });
  });
  reader.end(tarBytes);
  await done;
  return found;
}

describe('archives between the instance tar stream and GitLab formats', () => {
  it('round-trips a tree through zip and back to tar, keeping modes and symlinks', async () => {
    const zipPath = join(dir, 'artifacts.zip');
    const written = await feed('zip', await sampleTar(), zipPath);
    expect(written.entryCount).toBe(4);
    const head = await readFile(zipPath);
    expect(head.subarray(0, 4).toString('hex')).toBe('504b0304');

    const chunks: Buffer[] = [];
    const target = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const result = await zipToTar(zipPath, target);
    expect(result).toEqual({ skipped: [], entryCount: 4 });
    const entries = await untarEntries(Buffer.concat(chunks));
    expect(entries).toEqual([
      { name: 'build/', type: 'directory', mode: 0o755, content: '', linkname: null },
      { name: 'build/app.bin', type: 'file', mode: 0o755, content: 'binary\0data', linkname: null },
      {
        name: 'build/notes.txt',
        type: 'file',
        mode: 0o644,
        content: 'hello notes\n',
        linkname: null,
      },
      {
        name: 'build/latest',
        type: 'symlink',
        mode: expect.any(Number) as number,
        content: '',
        linkname: 'app.bin',
      },
    ]);
  });

  it('writes one gzip member per file for gzip reports', async () => {
    const path = join(dir, 'junit.xml.gz');
    const written = await feed('gzip', await sampleTar(), path);
    expect(written.entryCount).toBe(2);
    expect(gunzipSync(await readFile(path)).toString('utf8')).toBe('binary\0datahello notes\n');
  });

  it('refuses a zip that is not one', async () => {
    const path = join(dir, 'bad.zip');
    await feed('raw', await sampleTar(), path);
    const sink = new Writable({
      write: (_chunk, _encoding, callback) => {
        callback();
      },
    });
    await expect(zipToTar(path, sink)).rejects.toMatchObject({ code: 'archive_failed' });
  });
});
