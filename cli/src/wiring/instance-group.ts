import { readFileSync } from 'node:fs';

import type { Config, RunnerConfig } from '@taskfleet/config';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import type {
  AwsProviderSettings,
  OwnerTags,
  SharedGroupDescriber,
  SharedStrayFinder,
} from '@taskfleet/provider-aws';
import type { Logger } from 'pino';

// Emulators (ours, moto) accept any key pair; AWS itself gets the SDK's default chain.
const emulatorCredentials = { accessKeyId: 'taskfleet-emulator', secretAccessKey: 'emulator' };

/** True for an endpoint on loopback, i.e. an emulator. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || /^127\./.test(host) || host === '[::1]';
}

/** The runner's `[runners.autoscaler]` plugin: its Auto Scaling Group through fleeting-plugin-aws settings. */
export function instanceGroupFor(
  config: Config,
  runner: RunnerConfig,
  logger: Logger,
  describer?: SharedGroupDescriber,
  strayFinder?: SharedStrayFinder,
): AwsInstanceGroup {
  const settings = awsSettingsFor(config, runner, logger);
  return new AwsInstanceGroup({
    ...settings,
    ...(describer === undefined ? {} : { describer }),
    ...(strayFinder === undefined ? {} : { strayFinder }),
  });
}

/**
 * The launch tags that mark a member as this pool's own (B52): `[taskfleet] cluster_id` and the
 * group's name as the pool; undefined without a cluster id, so no member is adopted.
 */
export function ownerTagsFor(config: Config, runner: RunnerConfig): OwnerTags | undefined {
  const { clusterId } = config.taskfleet;
  return clusterId === null
    ? undefined
    : { clusterId, pool: runner.autoscaler.pluginConfig.groupName };
}

/**
 * The provider settings of a runner's group: plugin_config, connector_config and [taskfleet];
 * `readKey: false` leaves out the key file, for callers that never connect to an instance.
 */
export function awsSettingsFor(
  config: Config,
  runner: RunnerConfig,
  logger: Logger,
  options: { readKey?: boolean } = {},
): AwsProviderSettings {
  const readKey = options.readKey ?? true;
  const { pluginConfig, connector } = runner.autoscaler;
  const endpoint = config.taskfleet.awsEndpointUrl;
  const region = pluginConfig.region ?? config.taskfleet.awsRegion;
  const ownerTags = ownerTagsFor(config, runner);
  return {
    name: pluginConfig.groupName,
    ...(region === null ? {} : { region }),
    ...(pluginConfig.profile === null ? {} : { profile: pluginConfig.profile }),
    ...(pluginConfig.configFile === null ? {} : { configFile: pluginConfig.configFile }),
    ...(pluginConfig.credentialsFile === null
      ? {}
      : { credentialsFile: pluginConfig.credentialsFile }),
    ...(endpoint === null ? {} : { endpoint }),
    ...(ownerTags === undefined ? {} : { ownerTags }),
    connector: {
      username: connector.username,
      protocolPort: connector.protocolPort,
      useStaticCredentials: connector.useStaticCredentials,
      useExternalAddr: connector.useExternalAddr,
      keepaliveMs: connector.keepaliveMs,
      timeoutMs: connector.timeoutMs,
      ...(connector.keyPath === null || !readKey ? {} : { key: readFileSync(connector.keyPath) }),
    },
    // The provider binds its component and group name itself.
    logger,
    ...(endpoint !== null && isLoopbackEndpoint(endpoint)
      ? { clientOverrides: { credentials: emulatorCredentials } }
      : {}),
  };
}
