import { parseConfig } from './index';
import { configText, testEnv } from './testing/config-text';

describe('defaults', () => {
  const { config } = parseConfig(configText(), { env: testEnv, localTimeZone: 'Asia/Tokyo' });
  const runner = config.runners[0]!;
  const autoscaler = runner.autoscaler;

  it.each([
    ['checkIntervalMs', config.checkIntervalMs, 3000],
    ['logLevel', config.logLevel, 'info'],
    ['logFormat', config.logFormat, 'runner'],
    ['listenAddress', config.listenAddress, null],
    ['shutdownTimeoutMs', config.shutdownTimeoutMs, 30_000],
    ['connectionMaxAgeMs', config.connectionMaxAgeMs, 900_000],
    ['name', runner.name, ''],
    ['id', runner.id, null],
    ['jobLimit', runner.jobLimit, null],
    ['requestConcurrency', runner.requestConcurrency, 1],
    ['shell', runner.shell, 'bash'],
    ['buildsDir', runner.buildsDir, 'builds'],
    ['cacheDir', runner.cacheDir, 'cache'],
    ['environment', runner.environment, []],
    ['preGetSourcesScript', runner.preGetSourcesScript, null],
    ['postGetSourcesScript', runner.postGetSourcesScript, null],
    ['customBuildDirEnabled', runner.customBuildDirEnabled, false],
    ['outputLimitBytes', runner.outputLimitBytes, 4096 * 1024],
    ['unhealthyRequestsLimit', runner.unhealthyRequestsLimit, 3],
    ['unhealthyIntervalMs', runner.unhealthyIntervalMs, 3_600_000],
    ['strictCheckInterval', runner.strictCheckInterval, false],
    ['featureFlags', runner.featureFlags, { useAdaptiveRequestConcurrency: true }],
    ['jobStatusFinalUpdateRetryLimit', runner.jobStatusFinalUpdateRetryLimit, 10],
    ['tlsCaFile', runner.tlsCaFile, null],
    ['cache', runner.cache, null],
    ['capacityPerInstance', autoscaler.capacityPerInstance, 1],
    ['maxUseCount', autoscaler.maxUseCount, null],
    ['maxInstanceCount', autoscaler.maxInstanceCount, null],
    ['instanceReadyCommand', autoscaler.instanceReadyCommand, null],
    ['instanceAcquireTimeoutMs', autoscaler.instanceAcquireTimeoutMs, 900_000],
    ['updateIntervalMs', autoscaler.updateIntervalMs, 60_000],
    ['updateIntervalWhenExpectingMs', autoscaler.updateIntervalWhenExpectingMs, 2_000],
    ['deletionRetryIntervalMs', autoscaler.deletionRetryIntervalMs, 60_000],
    ['shutdownDeletionIntervalMs', autoscaler.shutdownDeletionIntervalMs, 10_000],
    ['shutdownDeletionRetries', autoscaler.shutdownDeletionRetries, 3],
    ['failureThreshold', autoscaler.failureThreshold, 3],
    ['deleteInstancesOnShutdown', autoscaler.deleteInstancesOnShutdown, false],
    ['logInternalIp', autoscaler.logInternalIp, false],
    ['logExternalIp', autoscaler.logExternalIp, false],
    ['reservationThrottling', autoscaler.reservationThrottling, true],
    ['scaleThrottle', autoscaler.scaleThrottle, { limitPerSecond: 100, burst: 100 }],
    ['histogramBuckets.operationSeconds', autoscaler.histogramBuckets.operationSeconds, null],
    [
      'pluginConfig',
      autoscaler.pluginConfig,
      {
        groupName: 'test-asg',
        profile: null,
        configFile: null,
        credentialsFile: null,
        region: null,
        interruptionQueueUrl: null,
      },
    ],
    [
      'connector',
      autoscaler.connector,
      {
        os: null,
        arch: null,
        protocol: 'ssh',
        protocolPort: 22,
        username: 'ec2-user',
        password: null,
        keyPath: null,
        useStaticCredentials: false,
        keepaliveMs: 30_000,
        timeoutMs: 60_000,
        useExternalAddr: false,
      },
    ],
    [
      'policies',
      autoscaler.policies,
      [
        {
          periods: ['* * * * *'],
          timezone: 'Asia/Tokyo',
          idleCount: 0,
          idleTimeMs: 0,
          scaleFactor: 0,
          scaleFactorLimit: null,
          preemptiveMode: false,
        },
      ],
    ],
    ['redisUrl', config.taskfleet.redisUrl, 'redis://127.0.0.1:6379'],
    ['keyPrefix', config.taskfleet.keyPrefix, 'taskfleet'],
    ['telemetryEndpoint', config.taskfleet.telemetryEndpoint, null],
    ['awsEndpointUrl', config.taskfleet.awsEndpointUrl, null],
    ['awsRegion', config.taskfleet.awsRegion, null],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it.each([
    ['check_interval', 'global', '0', (c: typeof config) => c.checkIntervalMs, 3000],
    ['shutdown_timeout', 'global', '0', (c: typeof config) => c.shutdownTimeoutMs, 30_000],
    [
      'request_concurrency',
      'runner',
      '0',
      (c: typeof config) => c.runners[0]?.requestConcurrency,
      1,
    ],
    [
      'output_limit',
      'runner',
      '0',
      (c: typeof config) => c.runners[0]?.outputLimitBytes,
      4096 * 1024,
    ],
    ['limit', 'runner', '0', (c: typeof config) => c.runners[0]?.jobLimit, null],
    ['id', 'runner', '0', (c: typeof config) => c.runners[0]?.id, null],
    [
      'capacity_per_instance',
      'autoscaler',
      '0',
      (c: typeof config) => c.runners[0]?.autoscaler.capacityPerInstance,
      1,
    ],
    [
      'max_instances',
      'autoscaler',
      '0',
      (c: typeof config) => c.runners[0]?.autoscaler.maxInstanceCount,
      null,
    ],
    [
      'update_interval',
      'autoscaler',
      '"0s"',
      (c: typeof config) => c.runners[0]?.autoscaler.updateIntervalMs,
      60_000,
    ],
    [
      'failure_threshold',
      'autoscaler',
      '0',
      (c: typeof config) => c.runners[0]?.autoscaler.failureThreshold,
      3,
    ],
  ] as const)('GitLab reads %s = 0 as the default', (key, section, value, pick, expected) => {
    const { config: parsed } = parseConfig(configText({ [section]: { [key]: value } }), {
      env: testEnv,
    });
    expect(pick(parsed)).toEqual(expected);
  });

  it('resolves the local zone at load when none is given', () => {
    const { config: parsed } = parseConfig(configText(), { env: testEnv });
    expect(parsed.runners[0]?.autoscaler.policies[0]?.timezone).toBe(
      Intl.DateTimeFormat().resolvedOptions().timeZone,
    );
  });
});
