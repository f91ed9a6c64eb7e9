import { ConfigError, parseConfig } from '../index';
import { configText, testEncryptionKeyBase64 } from '../testing/config-text';

const hexKey = 'ab'.repeat(32);
const urlSafeKey = Buffer.alloc(32, 0xfb).toString('base64url');

function load(table: string, env: Record<string, string | undefined>) {
  return parseConfig(`${configText()}\n[taskfleet]\n${table}`, { env });
}

function problems(table: string, env: Record<string, string | undefined>): string[] {
  try {
    load(table, env);
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  return [];
}

describe('[taskfleet] and TASKFLEET_* variables', () => {
  const table = [
    'redis_url = "redis://file-host:6379"',
    'key_prefix = "from-file"',
    `payload_encryption_key = "${hexKey}"`,
    'telemetry_endpoint = "http://127.0.0.1:4318"',
    'aws_endpoint_url = "http://127.0.0.1:5000"',
    'aws_region = "eu-west-1"',
    'cluster_id = "ci-eu/prod"',
  ].join('\n');

  it('reads the table when no variable is set', () => {
    const { config } = load(table, {});
    expect({
      ...config.taskfleet,
      payloadEncryptionKey: config.taskfleet.payloadEncryptionKey.bytes().toString('hex'),
    }).toEqual({
      redisUrl: 'redis://file-host:6379',
      keyPrefix: 'from-file',
      payloadEncryptionKey: hexKey,
      telemetryEndpoint: 'http://127.0.0.1:4318',
      awsEndpointUrl: 'http://127.0.0.1:5000',
      awsRegion: 'eu-west-1',
      clusterId: 'ci-eu/prod',
      instanceCreateTimeoutMs: 600_000,
      heartbeatIntervalMs: 300_000,
      idleConfirmMs: null,
      scaleInCooldownMs: 0,
      diskPressurePercent: 85,
      accountLaunchBurst: 1_000,
      accountLaunchesPerSecond: 2,
    });
  });

  it('lets every variable win over the table', () => {
    const { config } = load(table, {
      TASKFLEET_REDIS_URL: 'rediss://user:pw@cluster.internal:6380',
      TASKFLEET_KEY_PREFIX: 'tf-test-1',
      TASKFLEET_PAYLOAD_ENCRYPTION_KEY: testEncryptionKeyBase64,
      TASKFLEET_TELEMETRY_ENDPOINT: 'https://otel.internal:4318',
      TASKFLEET_AWS_ENDPOINT_URL: 'http://127.0.0.2:4566',
      TASKFLEET_AWS_REGION: 'us-east-1',
      TASKFLEET_CLUSTER_ID: 'ci-us',
    });
    expect(config.taskfleet).toMatchObject({
      redisUrl: 'rediss://user:pw@cluster.internal:6380',
      keyPrefix: 'tf-test-1',
      telemetryEndpoint: 'https://otel.internal:4318',
      awsEndpointUrl: 'http://127.0.0.2:4566',
      awsRegion: 'us-east-1',
      clusterId: 'ci-us',
    });
    expect(config.taskfleet.payloadEncryptionKey.bytes()).toEqual(Buffer.alloc(32, 7));
  });

  it('treats an empty variable as unset', () => {
    const { config } = load(table, { TASKFLEET_REDIS_URL: '', TASKFLEET_AWS_REGION: '' });
    expect(config.taskfleet.redisUrl).toBe('redis://file-host:6379');
    expect(config.taskfleet.awsRegion).toBe('eu-west-1');
  });

  it.each([
    ['hex', hexKey, Buffer.from(hexKey, 'hex')],
    ['base64', testEncryptionKeyBase64, Buffer.alloc(32, 7)],
    ['base64url without padding', urlSafeKey, Buffer.alloc(32, 0xfb)],
  ])('accepts a %s key', (_name, text, bytes) => {
    const { config } = load('', { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: text });
    expect(config.taskfleet.payloadEncryptionKey.bytes()).toEqual(bytes);
    expect(config.taskfleet.payloadEncryptionKey.byteLength).toBe(32);
  });

  it('hands out copies of the key, never the kept bytes', () => {
    const { config } = load('', { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey });
    config.taskfleet.payloadEncryptionKey.bytes().fill(0);
    expect(config.taskfleet.payloadEncryptionKey.bytes().toString('hex')).toBe(hexKey);
    expect(String(config.taskfleet.payloadEncryptionKey)).toBe('[redacted]');
    expect(JSON.stringify(config.taskfleet)).not.toContain(hexKey);
  });

  it.each([
    [
      'missing',
      '',
      {},
      '$TASKFLEET_PAYLOAD_ENCRYPTION_KEY: is required (or [taskfleet] payload_encryption_key): ' +
        '32 random bytes as base64 or hex, e.g. from `openssl rand -base64 32`',
    ],
    [
      'too short',
      '',
      { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: 'c2hvcnQ=' },
      '$TASKFLEET_PAYLOAD_ENCRYPTION_KEY: must be 32 bytes written as ' +
        'base64 (44 characters) or hex (64 characters), got 8 characters',
    ],
    [
      'a number in the file',
      'payload_encryption_key = 123',
      {},
      'taskfleet.payload_encryption_key: must be a string, got a number',
    ],
  ])('refuses a %s key without echoing it', (_name, body, env, expected) => {
    expect(problems(body, env)).toEqual([expected]);
  });

  it('reports every bad setting at once, naming the variable or key it came from', () => {
    const env = {
      TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey,
      TASKFLEET_REDIS_URL: 'http://127.0.0.1:6379',
      TASKFLEET_AWS_REGION: 'Frankfurt',
    };
    const body =
      'key_prefix = "tf {a}"\ntelemetry_endpoint = "grpc://x"\naws_endpoint_url = "not a url"';
    expect(problems(body, env)).toEqual([
      '$TASKFLEET_REDIS_URL: must be a redis:// or rediss:// URL',
      'taskfleet.telemetry_endpoint: must be an http:// or https:// OTLP endpoint URL',
      'taskfleet.aws_endpoint_url: must be an http:// or https:// URL',
      'taskfleet.key_prefix: must be non-empty without spaces or braces (the registry adds its own {hash tags})',
      '$TASKFLEET_AWS_REGION: must be an AWS region name such as "eu-central-1", got "Frankfurt"',
    ]);
  });

  it('leaves the cluster id unset by default and refuses one EC2 cannot hold as a tag value', () => {
    expect(load('', { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey }).config.taskfleet.clusterId).toBe(
      null,
    );
    const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey };
    expect(problems('cluster_id = "a#b"', env)).toEqual([
      'taskfleet.cluster_id: must be an EC2 tag value of 1-256 letters, digits, spaces and + - = . _ : / @',
    ]);
    expect(problems('cluster_id = ""', { ...env, TASKFLEET_CLUSTER_ID: 'x'.repeat(257) })).toEqual([
      '$TASKFLEET_CLUSTER_ID: must be an EC2 tag value of 1-256 letters, digits, spaces and + - = . _ : / @',
    ]);
  });

  it('still checks the variables when a key of the table has the wrong type', () => {
    const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey, TASKFLEET_REDIS_URL: 'tcp://x' };
    expect(problems('key_prefix = 5', env)).toEqual([
      'taskfleet.key_prefix: must be a string, got integer 5',
      '$TASKFLEET_REDIS_URL: must be a redis:// or rediss:// URL',
    ]);
  });

  it('names unknown keys of [taskfleet] in the warning', () => {
    const { warnings } = load('redis = "x"', { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey });
    expect(warnings).toEqual(['unknown keys ignored: taskfleet.redis']);
  });
});
