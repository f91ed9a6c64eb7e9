import { parseConfig, redactConfig } from './index';
import { configText, testEncryptionKeyBase64, testRunnerToken } from './testing/config-text';

const hexKey = Buffer.alloc(32, 9).toString('hex');
const secrets = {
  token: testRunnerToken,
  keyBase64: testEncryptionKeyBase64,
  keyHex: hexKey,
  sshPassword: 'ssh-password-fixture',
  s3Secret: 's3-secret-fixture',
  s3Session: 's3-session-fixture',
  redisPassword: 'redis-password-fixture',
  otelPassword: 'otel-password-fixture',
};

const tail = [
  '[runners.autoscaler.connector_config]',
  `password = "${secrets.sshPassword}"`,
  'use_static_credentials = true',
  '[runners.cache]',
  'Type = "s3"',
  '[runners.cache.s3]',
  'BucketName = "b"',
  'AccessKey = "AKIAFIXTURE"',
  `SecretKey = "${secrets.s3Secret}"`,
  `SessionToken = "${secrets.s3Session}"`,
  '[taskfleet]',
  `payload_encryption_key = "${hexKey}"`,
  `telemetry_endpoint = "https://otel:${secrets.otelPassword}@collector.internal:4318/v1"`,
].join('\n');

describe('redactConfig', () => {
  const { config } = parseConfig(configText({ tail }), {
    env: { TASKFLEET_REDIS_URL: `rediss://default:${secrets.redisPassword}@redis.internal:6380/0` },
  });
  const redacted = redactConfig(config);
  const json = JSON.stringify(redacted);

  it.each(Object.entries(secrets))('never shows the %s fixture', (_name, value) => {
    expect(json).not.toContain(value);
  });

  it('keeps everything else, marking each secret', () => {
    const runner = redacted.runners[0]!;
    expect(runner.token).toBe('[redacted]');
    expect(runner.autoscaler.connector.password).toBe('[redacted]');
    expect(runner.cache?.s3).toMatchObject({
      accessKey: 'AKIAFIXTURE',
      secretKey: '[redacted]',
      sessionToken: '[redacted]',
    });
    expect(redacted.taskfleet).toMatchObject({
      payloadEncryptionKey: '[redacted]',
      redisUrl: 'rediss://default:[redacted]@redis.internal:6380/0',
      telemetryEndpoint: 'https://otel:[redacted]@collector.internal:4318/v1',
      awsEndpointUrl: null,
    });
    expect(runner.url).toBe('https://gitlab.example.com');
    expect(runner.autoscaler.pluginConfig.groupName).toBe('test-asg');
  });

  it('leaves the parsed config untouched and usable', () => {
    expect(config.runners[0]?.token).toBe(testRunnerToken);
    expect(config.taskfleet.payloadEncryptionKey.bytes().toString('hex')).toBe(hexKey);
    expect(Object.isFrozen(redacted)).toBe(true);
  });

  it('keeps null secrets null and URLs without a password as they are', () => {
    const plain = redactConfig(
      parseConfig(configText(), { env: { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: hexKey } }).config,
    );
    expect(plain.runners[0]?.autoscaler.connector.password).toBeNull();
    expect(plain.runners[0]?.cache).toBeNull();
    expect(plain.taskfleet.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('the parsed config itself never serialises the encryption key', () => {
    expect(JSON.stringify(config)).not.toContain(hexKey);
  });
});
