// The cache end to end: jobs from the GitLab emulator on a real sshd instance save and restore
// caches in S3 served by moto_server, through @aws-sdk/client-s3 with [runners.cache] settings
// read from config.toml: a second run restores, pull-only never uploads, fallback keys are tried
// in order, and key:files derives the key from the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { loadConfig } from '@taskfleet/config';
import { S3CacheStore, shortRunnerToken } from '@taskfleet/executor';
import type { CacheSettings } from '@taskfleet/executor';
import yauzl from 'yauzl';

import { checkMotoAvailable, startMotoServer } from './support/moto-server';
import type { MotoServer } from './support/moto-server';
import { plain, startTransferWorld } from './support/transfer-world';
import type { TransferWorld } from './support/transfer-world';

jest.setTimeout(120_000);

const moto = checkMotoAvailable();
const describeWithMoto = moto.available ? describe : describe.skip;

const ciYaml = `
stages: [first, second]
warm:
  stage: first
  cache:
    - key: deps
      paths: [vendor/]
    - key:
        files: [pnpm-lock.yaml]
        prefix: lf
      paths: [lockcache/]
  script:
    - 'if [ -f vendor/dep.txt ]; then echo "vendor restored $(cat vendor/dep.txt)"; else echo "vendor empty"; fi'
    - mkdir -p vendor lockcache && echo v1 > vendor/dep.txt && echo from-lock > lockcache/x
pull-only:
  stage: second
  cache:
    key: deps
    paths: [vendor/]
    policy: pull
  script:
    - cat vendor/dep.txt
    - echo v2 > vendor/dep.txt
fallback:
  stage: second
  needs: [pull-only]
  cache:
    key: nothing-here
    fallback_keys: [deps]
    paths: [vendor/]
    policy: pull
  script:
    - echo "fallback gave $(cat vendor/dep.txt)"
`;

async function objectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (answer.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
  );
}

function zipText(zip: Buffer, name: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error !== null) {
        reject(error);
        return;
      }
      file.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) {
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
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        });
      });
      file.on('end', () => {
        resolve(undefined);
      });
      file.readEntry();
    });
  });
}

describeWithMoto(`scenario: cache in S3 on moto (${moto.reason})`, () => {
  let world: TransferWorld;
  let server: MotoServer;
  let s3: S3Client;
  let store: S3CacheStore;
  let cache: CacheSettings;
  // Undone last-first, so a beforeAll that failed half-way still cleans up what it made.
  const cleanups: (() => Promise<unknown>)[] = [];
  const bucket = `cache-${process.pid}`;

  beforeAll(async () => {
    server = await startMotoServer();
    cleanups.push(() => server.close());
    world = await startTransferWorld({
      files: { '.gitlab-ci.yml': ciYaml, 'pnpm-lock.yaml': 'lockfileVersion: 9.0\n' },
      tag: 'cache',
    });
    cleanups.push(() => world.close());
    const address = server.endpoint.replace(/^http:\/\//, '');
    const configDir = await mkdtemp(join(tmpdir(), 'cache-config-'));
    cleanups.push(() => rm(configDir, { recursive: true, force: true }));
    const configPath = join(configDir, 'config.toml');
    await writeFile(
      configPath,
      `
concurrent = 2
[[runners]]
  name = "cache-runner"
  url = "${world.emulator.url}"
  token = "${world.runnerToken}"
  executor = "instance"
  [runners.cache]
    Type = "s3"
    Path = "ci"
    Shared = false
    [runners.cache.s3]
      ServerAddress = "${address}"
      AccessKey = "test-key"
      SecretKey = "test-secret"
      BucketName = "${bucket}"
      BucketLocation = "us-east-1"
      Insecure = true
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "group"
`,
    );
    const { config } = await loadConfig(configPath, {
      env: { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') },
    });
    const runner = config.runners[0];
    if (runner?.cache === null || runner === undefined) {
      throw new Error('config.toml should have a [runners.cache]');
    }
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
    });
    cleanups.push(() => {
      s3.destroy();
      return Promise.resolve();
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    store = new S3CacheStore(runner.cache.s3);
    cleanups.push(() => {
      store.close();
      return Promise.resolve();
    });
    cache = {
      store,
      naming: {
        path: runner.cache.path,
        shared: runner.cache.shared,
        runnerShortToken: shortRunnerToken(runner.token),
      },
      maxUploadedArchiveSizeBytes: runner.cache.maxUploadedArchiveSizeBytes,
    };
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  });

  it('saves, restores on the next run, honours pull-only and falls back to other keys', async () => {
    const transfers = { artifacts: world.client, cache };
    const prefix = `ci/runner/${shortRunnerToken(world.runnerToken)}/project/${world.projectId}`;

    const warm = await world.runNext(transfers);
    expect(warm.job.job_info.name).toBe('warm');
    expect(warm.outcome).toEqual({ outcome: 'success' });
    const depsKey = warm.job.cache[0]?.key ?? '';
    const lockKey = warm.job.cache[1]?.key ?? '';
    expect(depsKey).toMatch(/^deps-(non_)?protected$/);
    expect(lockKey).toMatch(/^lf-[0-9a-f]{40}-(non_)?protected$/);
    let output = plain(warm.trace);
    expect(output).toContain(`Checking cache for ${depsKey}...\n`);
    expect(output).toContain('WARNING: file does not exist\nFailed to extract cache\n');
    expect(output).toContain('vendor empty\n');
    expect(output).toContain('Saving cache for successful job\n');
    expect(output).toContain(`Creating cache ${depsKey}...\n`);
    expect(output).toContain('vendor/: found 2 matching artifact files and directories\n');
    expect(output).toContain(
      `Uploading cache.zip to s3://${bucket}/${prefix}/${depsKey}\nCreated cache\n`,
    );

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map(o => o.Key).sort()).toEqual(
      [`${prefix}/${depsKey}`, `${prefix}/${lockKey}`].sort(),
    );
    const depsZip = await objectBytes(s3, bucket, `${prefix}/${depsKey}`);
    expect(await zipText(depsZip, 'vendor/dep.txt')).toBe('v1\n');
    expect(
      await zipText(await objectBytes(s3, bucket, `${prefix}/${lockKey}`), 'lockcache/x'),
    ).toBe('from-lock\n');

    const pullOnly = await world.runNext(transfers);
    expect(pullOnly.job.job_info.name).toBe('pull-only');
    output = plain(pullOnly.trace);
    expect(output).toContain('Successfully extracted cache\n');
    expect(output).toContain('$ cat vendor/dep.txt\nv1\n');
    expect(output).toContain(`Not uploading cache ${depsKey} due to policy\n`);
    // The object is unchanged: pull never writes.
    expect(
      await zipText(await objectBytes(s3, bucket, `${prefix}/${depsKey}`), 'vendor/dep.txt'),
    ).toBe('v1\n');

    const fallback = await world.runNext(transfers);
    expect(fallback.job.job_info.name).toBe('fallback');
    output = plain(fallback.trace);
    const missing = fallback.job.cache[0]?.key ?? '';
    expect(missing).toMatch(/^nothing-here-/);
    const first = output.indexOf(`Checking cache for ${missing}...`);
    const second = output.indexOf(`Checking cache for ${depsKey}...`);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(output).toContain('fallback gave v1\n');

    // A second pipeline: warm now restores what the first one saved.
    await world.emulator.admin.createPipeline(world.projectId);
    const again = await world.runNext(transfers);
    expect(again.job.job_info.name).toBe('warm');
    expect(plain(again.trace)).toContain('vendor restored v1\n');
    expect(again.outcome).toEqual({ outcome: 'success' });
  });
});
