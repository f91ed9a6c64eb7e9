import { FleetingError } from '@taskfleet/fleeting';
import type { AutoScalingClientConfig } from '@aws-sdk/client-auto-scaling';
import type { Logger } from 'pino';

import type { OwnerTags } from './inspect-instances';
import type { SharedGroupDescriber } from './shared-describer';
import type { SharedStrayFinder } from './shared-stray-finder';

/** How the provider reaches instances (`[runners.autoscaler.connector_config]`). */
export interface AwsConnectorSettings {
  /** Login user; default `ec2-user`. */
  readonly username?: string;
  /** SSH port; default 22. */
  readonly protocolPort?: number;
  /** When true no key is pushed: the key must already be on the instance. */
  readonly useStaticCredentials?: boolean;
  /** Private key (the file `key_path` names, read by the caller); pushed or used as is. */
  readonly key?: Buffer;
  /** Prefer the public address when dialling. */
  readonly useExternalAddr?: boolean;
  readonly keepaliveMs?: number;
  readonly timeoutMs?: number;
}

/** SDK client options tests may override (retries, credentials of an emulator). */
export interface AwsClientOverrides {
  /** Total attempts per call, retries included; the SDK's default is 3. */
  readonly maxAttempts?: number;
  /** Replaces the default credential chain (for emulators only). */
  readonly credentials?: AutoScalingClientConfig['credentials'];
}

/** Everything `AwsInstanceGroup` needs: `plugin_config`, connector config and injected parts. */
export interface AwsProviderSettings {
  /** The Auto Scaling Group's name (`plugin_config.name`). */
  readonly name: string;
  /** The region; when absent the SDK resolves it (profile, environment). */
  readonly region?: string;
  /** Named profile of the shared config and credentials files. */
  readonly profile?: string;
  /** Path of the shared config file (`config_file`). */
  readonly configFile?: string;
  /** Path of the shared credentials file (`credentials_file`). */
  readonly credentialsFile?: string;
  /** An endpoint URL for every service, for emulators; loopback only in tests. */
  readonly endpoint?: string;
  readonly connector?: AwsConnectorSettings;
  /**
   * The cluster and pool tags the group's launch template puts on every instance; only a member
   * carrying both is known as this pool's own launch (`inspect`). Absent: no member is.
   */
  readonly ownerTags?: OwnerTags;
  readonly logger?: Logger;
  /** Epoch-ms clock for credential expiry; default `Date.now`. */
  readonly now?: () => number;
  readonly clientOverrides?: AwsClientOverrides;
  /**
   * The account's shared describer, when several pools run in one process: the group is read in
   * its batched rounds and its throttling back-off is shared. Default: the group describes itself.
   */
  readonly describer?: SharedGroupDescriber;
  /**
   * The account's shared finder of tagged instances outside their groups (`listStrays`), when
   * several pools run in one process: one filtered DescribeInstances a round for all of them.
   * Default: the group describes its own pool's tagged instances.
   */
  readonly strayFinder?: SharedStrayFinder;
}

/** Settings after validation, with defaults applied. */
export interface ResolvedAwsSettings {
  readonly name: string;
  readonly region: string | undefined;
  readonly profile: string | undefined;
  readonly configFile: string | undefined;
  readonly credentialsFile: string | undefined;
  readonly endpoint: string | undefined;
  readonly ownerTags: OwnerTags | undefined;
  readonly connector: Required<Omit<AwsConnectorSettings, 'key' | 'keepaliveMs' | 'timeoutMs'>> &
    Pick<AwsConnectorSettings, 'key' | 'keepaliveMs' | 'timeoutMs'>;
  readonly clientOverrides: AwsClientOverrides;
}

// ASG names are 1-255 characters; a colon would make it an ARN, which this provider does not take.
const groupNamePattern = /^[^:]{1,255}$/;

/** Validates settings and applies defaults; throws `invalid_config` naming every problem. */
export function resolveSettings(settings: AwsProviderSettings): Readonly<ResolvedAwsSettings> {
  const problems: string[] = [];
  if (typeof settings.name !== 'string' || !groupNamePattern.test(settings.name)) {
    problems.push('name must be an Auto Scaling Group name (1-255 characters, no colon)');
  }
  for (const key of ['region', 'profile', 'configFile', 'credentialsFile'] as const) {
    const value = settings[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      problems.push(`${key} must be a non-empty string when given`);
    }
  }
  if (settings.endpoint !== undefined && !isHttpUrl(settings.endpoint)) {
    problems.push('endpoint must be an http or https URL');
  }
  const connector = settings.connector ?? {};
  const port = connector.protocolPort ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    problems.push('connector.protocolPort must be an integer from 1 to 65535');
  }
  if (connector.username !== undefined && !/^.{1,32}$/.test(connector.username)) {
    // SendSSHPublicKey's model limits InstanceOSUser to 1-32 characters (aws.md §0.12).
    problems.push('connector.username must be 1-32 characters');
  }
  const owner = settings.ownerTags;
  if (owner !== undefined && !(tagValue(owner.clusterId) && tagValue(owner.pool))) {
    problems.push('ownerTags.clusterId and ownerTags.pool must be tag values of 1-256 characters');
  }
  if (problems.length > 0) {
    throw new FleetingError(
      'invalid_config',
      `could not configure aws provider: ${problems.join('; ')}`,
    );
  }

  return Object.freeze({
    name: settings.name,
    region: settings.region,
    profile: settings.profile,
    configFile: settings.configFile,
    credentialsFile: settings.credentialsFile,
    endpoint: settings.endpoint,
    ownerTags: owner === undefined ? undefined : Object.freeze({ ...owner }),
    connector: Object.freeze({
      username: connector.username ?? 'ec2-user',
      protocolPort: port,
      useStaticCredentials: connector.useStaticCredentials ?? false,
      useExternalAddr: connector.useExternalAddr ?? false,
      key: connector.key,
      keepaliveMs: connector.keepaliveMs,
      timeoutMs: connector.timeoutMs,
    }),
    clientOverrides: Object.freeze({ ...settings.clientOverrides }),
  });
}

function tagValue(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= 256;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
