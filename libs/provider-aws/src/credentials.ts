import type { AutoScalingClientConfig } from '@aws-sdk/client-auto-scaling';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';

import type { ResolvedAwsSettings } from './settings';

/**
 * The SDK's default credential chain (environment, shared files, SSO, process, web identity,
 * instance role) bound to the configured profile and file paths, as the plugin's
 * `config.LoadDefaultConfig` does; a test override replaces it.
 */
export function credentialsFor(
  settings: Pick<
    ResolvedAwsSettings,
    'profile' | 'configFile' | 'credentialsFile' | 'clientOverrides'
  >,
): NonNullable<AutoScalingClientConfig['credentials']> {
  if (settings.clientOverrides.credentials !== undefined) {
    return settings.clientOverrides.credentials;
  }

  return fromNodeProviderChain({
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
    ...(settings.credentialsFile === undefined ? {} : { filepath: settings.credentialsFile }),
    ...(settings.configFile === undefined ? {} : { configFilepath: settings.configFile }),
  });
}
