// Artifacts end to end: jobs from the GitLab emulator run over SSH on a real sshd instance; the
// archive is collected with tar over the SSH channel, zipped here, uploaded, downloaded by the
// next job (needs) and unpacked before its script; reports go up as gzip; a too-large archive
// fails its job as GitLab Runner does.
import { gunzipSync } from 'node:zlib';

import yauzl from 'yauzl';

import { plain, startTransferWorld } from './support/transfer-world';
import type { TransferWorld } from './support/transfer-world';

jest.setTimeout(90_000);

const ciYaml = `
stages: [build, test]
build:
  stage: build
  script:
    - mkdir -p dist/sub
    - echo "app built" > dist/app.txt
    - echo scratch > dist/sub/scratch.o
    - echo keep > dist/sub/keep.txt
    - ln -s app.txt dist/latest
  artifacts:
    name: build-output
    paths: [dist/, missing/]
    exclude: ["dist/**/*.o"]
    expire_in: 1 week
unit:
  stage: test
  needs: [build]
  script:
    - cat dist/app.txt
    - test ! -e dist/sub/scratch.o && echo "no scratch"
    - readlink dist/latest
    - mkdir -p reports && printf '<testsuites tests="1"/>' > reports/junit.xml
    - echo untracked-output > out.log
    - exit 4
  artifacts:
    when: on_failure
    untracked: true
    reports:
      junit: reports/junit.xml
`;

function zipEntries(zip: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error !== null) {
        reject(error);
        return;
      }
      const found = new Map<string, string>();
      file.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          found.set(entry.fileName, '');
          file.readEntry();
          return;
        }
        file.openReadStream(entry, (streamError, stream) => {
          if (streamError !== null) {
            reject(streamError);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            found.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
            file.readEntry();
          });
        });
      });
      file.on('end', () => {
        resolve(found);
      });
      file.readEntry();
    });
  });
}

describe('scenario: artifacts through the GitLab emulator and a real sshd instance', () => {
  let world: TransferWorld;
  beforeAll(async () => {
    world = await startTransferWorld({ files: { '.gitlab-ci.yml': ciYaml }, tag: 'art' });
  });
  afterAll(async () => {
    await world.close();
  });

  it('uploads build artifacts with exclude, downloads them for needs, and uploads on_failure + junit', async () => {
    const transfers = { artifacts: world.client };
    const build = await world.runNext(transfers);
    expect(build.job.job_info.name).toBe('build');
    expect(build.outcome).toEqual({ outcome: 'success' });
    const buildLog = plain(build.trace);
    expect(buildLog).toContain('Uploading artifacts for successful job\n');
    expect(buildLog).toContain('dist/: found 5 matching artifact files and directories\n');
    expect(buildLog).toMatch(
      new RegExp(
        'WARNING: missing/: no matching files. Ensure that the artifact path is relative to ' +
          'the working directory \\(/.+/builds/0/acme/widgets\\)',
      ),
    );
    expect(buildLog).toContain('dist/**/*.o: excluded 1 files\n');
    // GitLab Runner's fields: the request's correlation id and the job token shortened as its
    // ShortenToken does (glcbt- dropped, 9 characters kept), never the whole token.
    const shortToken = build.job.token.replace(/^glcbt-/, '').slice(0, 9);
    expect(buildLog).toMatch(
      new RegExp(
        `Uploading artifacts as "archive" to coordinator\\.\\.\\. 201 Created  ` +
          `correlation_id=[0-9a-f]{32} id=${build.job.id} responseStatus=201 Created ` +
          `token=${shortToken}\n`,
      ),
    );
    expect(buildLog).not.toContain(build.job.token);

    const stored = world.emulator.admin.getJob(build.job.id).artifacts;
    expect(stored).toEqual([
      {
        filename: 'build-output.zip',
        size: expect.any(Number) as number,
        format: 'zip',
        type: 'archive',
        expireIn: '1 week',
      },
    ]);
    const archive = world.emulator.admin.getArtifactFile(build.job.id, 'archive');
    const entries = await zipEntries(archive ?? Buffer.alloc(0));
    expect([...entries.keys()].sort()).toEqual([
      'dist/',
      'dist/app.txt',
      'dist/latest',
      'dist/sub/',
      'dist/sub/keep.txt',
    ]);
    expect(entries.get('dist/app.txt')).toBe('app built\n');
    expect(entries.get('dist/latest')).toBe('app.txt');

    const unit = await world.runNext(transfers);
    expect(unit.job.job_info.name).toBe('unit');
    expect(unit.job.dependencies.map(d => d.id)).toEqual([build.job.id]);
    const unitLog = plain(unit.trace);
    // Downloaded and unpacked before the script: the script sees the files and the symlink.
    expect(unitLog.indexOf('Downloading artifacts from coordinator... ok')).toBeGreaterThan(0);
    expect(unitLog.indexOf('Downloading artifacts from coordinator... ok')).toBeLessThan(
      unitLog.indexOf('$ cat dist/app.txt'),
    );
    expect(unitLog).toContain(`Downloading artifacts for build (${build.job.id})...\n`);
    // The download line carries the same fields as the upload line (GitLab Runner's order).
    expect(unitLog).toMatch(
      new RegExp(
        `Downloading artifacts from coordinator\\.\\.\\. ok  correlation_id=[0-9a-f]{32} ` +
          `id=${build.job.id} responseStatus=200 OK ` +
          `token=${unit.job.token.replace(/^glcbt-/, '').slice(0, 9)}\n`,
      ),
    );
    expect(unitLog).not.toContain(unit.job.token);
    expect(unitLog).toContain('$ cat dist/app.txt\napp built\n');
    expect(unitLog).toContain('no scratch\n');
    expect(unitLog).toContain('$ readlink dist/latest\napp.txt\n');

    expect(unit.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'script_failure',
      exitCode: 4,
    });
    expect(unit.status).toBe('failed');
    expect(unitLog).toContain('Uploading artifacts for failed job\n');
    expect(unitLog).toMatch(/untracked: found \d+ files\n/);
    expect(unitLog).toContain(
      'reports/junit.xml: found 1 matching artifact files and directories\n',
    );
    expect(unitLog).toContain('Uploading artifacts as "junit" to coordinator... 201 Created');
    expect(unitLog).toContain('ERROR: Job failed: exit code 4');

    const unitArtifacts = world.emulator.admin.getJob(unit.job.id).artifacts;
    expect(unitArtifacts.map(a => [a.type, a.format, a.filename])).toEqual([
      ['archive', 'zip', 'artifacts.zip'],
      ['junit', 'gzip', 'junit.xml.gz'],
    ]);
    const junit = world.emulator.admin.getArtifactFile(unit.job.id, 'junit');
    expect(gunzipSync(junit ?? Buffer.alloc(0)).toString('utf8')).toBe('<testsuites tests="1"/>');
    const untracked = await zipEntries(
      world.emulator.admin.getArtifactFile(unit.job.id, 'archive') ?? Buffer.alloc(0),
    );
    expect(untracked.get('out.log')).toBe('untracked-output\n');
    expect(untracked.get('reports/junit.xml')).toBe('<testsuites tests="1"/>');
  });
});

describe('scenario: an artifact over the size limit', () => {
  let world: TransferWorld;
  beforeAll(async () => {
    const yaml = `
big:
  script:
    - head -c 65536 /dev/urandom > blob.bin
  artifacts:
    paths: [blob.bin]
`;
    world = await startTransferWorld({
      files: { '.gitlab-ci.yml': yaml },
      tag: 'big',
      artifactSizeLimitBytes: 4096,
    });
  });
  afterAll(async () => {
    await world.close();
  });

  it('fails the job with the runner messages when GitLab answers 413', async () => {
    const big = await world.runNext({ artifacts: world.client });
    const log = plain(big.trace);
    expect(log).toMatch(
      new RegExp(
        `ERROR: Uploading artifacts as "archive" to coordinator\\.\\.\\. too large archive  ` +
          `correlation_id=[0-9a-f]{32} id=${big.job.id} ` +
          `responseStatus=413 Request Entity Too Large status=413 ` +
          `token=${big.job.token.replace(/^glcbt-/, '').slice(0, 9)}\n`,
      ),
    );
    expect(log).toContain('FATAL: too large\n');
    expect(big.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'script_failure',
      exitCode: 1,
    });
    expect(big.status).toBe('failed');
    expect(world.emulator.admin.getJob(big.job.id).artifacts).toEqual([]);
  });
});
