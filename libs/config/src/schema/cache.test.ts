import { ConfigError, parseConfig } from '../index';
import { configText, testEnv } from '../testing/config-text';

function cacheTail(cache: string, s3?: string): string {
  return ['[runners.cache]', cache, ...(s3 === undefined ? [] : ['[runners.cache.s3]', s3])].join(
    '\n',
  );
}

function read(tail: string) {
  return parseConfig(configText({ tail }), { env: testEnv }).config.runners[0]?.cache;
}

function problems(tail: string): string[] {
  try {
    read(tail);
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  return [];
}

describe('[runners.cache]', () => {
  it('reads an S3 cache with access keys, as for moto or MinIO', () => {
    const s3 = [
      'ServerAddress = "127.0.0.1:5000"',
      'AccessKey = "AKIAEXAMPLE"',
      'SecretKey = "s3-secret-fixture"',
      'BucketName = "runner-cache"',
      'BucketLocation = "us-east-1"',
      'Insecure = true',
      'PathStyle = true',
      'ServerSideEncryption = "kms"',
      'ServerSideEncryptionKeyID = "alias/cache"',
    ].join('\n');
    expect(
      read(
        cacheTail('Type = "s3"\nPath = "p"\nShared = true\nMaxUploadedArchiveSize = 1048576', s3),
      ),
    ).toEqual({
      type: 's3',
      path: 'p',
      shared: true,
      maxUploadedArchiveSizeBytes: 1_048_576,
      s3: {
        serverAddress: '127.0.0.1:5000',
        accessKey: 'AKIAEXAMPLE',
        secretKey: 's3-secret-fixture',
        sessionToken: null,
        bucketName: 'runner-cache',
        bucketLocation: 'us-east-1',
        insecure: true,
        authenticationType: 'access-key',
        pathStyle: true,
        serverSideEncryption: 'KMS',
        serverSideEncryptionKeyId: 'alias/cache',
        dualStack: true,
        accelerate: false,
        roleArn: null,
      },
    });
  });

  it.each([
    ['IAM', 'iam'],
    ['iam', 'iam'],
    ['', 'iam'],
  ])('reads AuthenticationType %j as %s', (written, expected) => {
    const cache = read(
      cacheTail('Type = "s3"', `BucketName = "b"\nAuthenticationType = "${written}"`),
    );
    expect(cache?.s3.authenticationType).toBe(expected);
  });

  it('has no cache without a Type', () => {
    expect(read(cacheTail('Path = "unused"'))).toBeNull();
  });

  it.each([
    [
      'gcs type',
      cacheTail('Type = "gcs"'),
      ['runners[0].cache.Type: unsupported cache type "gcs": taskfleet serves "s3" only'],
    ],
    ['no bucket', cacheTail('Type = "s3"'), ['runners[0].cache.s3.BucketName: is required']],
    [
      'access key alone',
      cacheTail('Type = "s3"', 'BucketName = "b"\nAccessKey = "AK"'),
      ['runners[0].cache.s3.SecretKey: is required when AccessKey is set'],
    ],
    [
      'secret key alone',
      cacheTail('Type = "s3"', 'BucketName = "b"\nSecretKey = "sk"'),
      ['runners[0].cache.s3.AccessKey: is required when SecretKey is set'],
    ],
    [
      'access-key auth without keys',
      cacheTail('Type = "s3"', 'BucketName = "b"\nAuthenticationType = "access-key"'),
      [
        'runners[0].cache.s3.AuthenticationType: AuthenticationType = "access-key" needs AccessKey and SecretKey',
      ],
    ],
    [
      'unknown auth',
      cacheTail('Type = "s3"', 'BucketName = "b"\nAuthenticationType = "token"'),
      ['runners[0].cache.s3.AuthenticationType: must be "iam" or "access-key", got "token"'],
    ],
    [
      'unknown encryption',
      cacheTail('Type = "s3"', 'BucketName = "b"\nServerSideEncryption = "AES"'),
      [
        'runners[0].cache.s3.ServerSideEncryption: must be one of "S3", "KMS", "DSSE-KMS", got "AES"',
      ],
    ],
    [
      'Shared as a string',
      cacheTail('Type = "s3"\nShared = "true"', 'BucketName = "b"'),
      ['runners[0].cache.Shared: must be true or false, got string "true"'],
    ],
  ])('refuses %s', (_name, tail, expected) => {
    expect(problems(tail)).toEqual(expected);
  });
});
