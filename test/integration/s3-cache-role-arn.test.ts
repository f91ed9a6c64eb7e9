// [runners.cache.s3] RoleARN: the cache store signs its S3 calls with credentials of the assumed
// role, which the configured keys obtain from STS. moto_server serves STS and S3 on one address,
// as the store expects when ServerAddress is set.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3CacheStore, s3ClientConfig } from '@taskfleet/executor';
import type { S3CacheSettings } from '@taskfleet/executor';

import { checkMotoAvailable, startMotoServer } from './support/moto-server';
import type { MotoServer } from './support/moto-server';

jest.setTimeout(60_000);

const moto = checkMotoAvailable();
const describeWithMoto = moto.available ? describe : describe.skip;

describeWithMoto(`S3 cache with RoleARN on moto (${moto.reason})`, () => {
  let server: MotoServer;
  let dir: string;
  let settings: S3CacheSettings;
  const bucket = `role-cache-${process.pid}`;
  const staticKey = { accessKeyId: 'AKIASTATICKEY0000001', secretAccessKey: 'static-secret' };

  beforeAll(async () => {
    server = await startMotoServer();
    dir = await mkdtemp(join(tmpdir(), 's3-role-arn-'));
    const s3 = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: staticKey,
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
    settings = {
      serverAddress: server.endpoint.replace('http://', ''),
      accessKey: staticKey.accessKeyId,
      secretKey: staticKey.secretAccessKey,
      sessionToken: null,
      bucketName: bucket,
      bucketLocation: 'us-east-1',
      insecure: true,
      authenticationType: 'access-key',
      pathStyle: true,
      serverSideEncryption: null,
      serverSideEncryptionKeyId: null,
      dualStack: false,
      accelerate: false,
      roleArn: 'arn:aws:iam::123456789012:role/runner-cache',
    };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await server.close();
  });

  it('signs with the role session that STS issued, not with the configured keys', async () => {
    const provider = s3ClientConfig(settings).credentials;
    if (typeof provider !== 'function') {
      throw new Error('expected a credential provider for the assumed role');
    }
    const identity = await provider();
    expect(identity.accessKeyId).not.toBe(staticKey.accessKeyId);
    expect(identity.sessionToken).toEqual(expect.any(String));
    expect(identity.expiration?.getTime()).toBeGreaterThan(Date.now());
  });

  it('uploads and downloads a cache archive with those credentials', async () => {
    const store = new S3CacheStore(settings);
    try {
      const source = join(dir, 'cache.zip');
      await writeFile(source, 'cache bytes');
      await store.upload('runner/abc/project/1/key', source);
      const target = join(dir, 'back.zip');
      expect(await store.download('runner/abc/project/1/key', target)).toBe(true);
      expect(await readFile(target, 'utf8')).toBe('cache bytes');
    } finally {
      store.close();
    }
  });

  it('without RoleARN keeps the configured keys', () => {
    const provider = s3ClientConfig({ ...settings, roleArn: null }).credentials;
    expect(provider).toMatchObject({ accessKeyId: staticKey.accessKeyId });
  });
});
