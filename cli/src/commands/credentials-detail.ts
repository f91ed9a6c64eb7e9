import type { RunnerConfig } from '@taskfleet/config';

const credentialErrorNames = new Set(['CredentialsProviderError', 'TokenProviderError']);

/**
 * For an error whose cause chain holds an SDK credentials error: that error's message (the SDK
 * writes it locally, it holds no key) and the profile and credentials file in use; else
 * undefined. Other SDK messages are left out, as they may quote a response.
 */
export function credentialsDetail(
  error: unknown,
  runner: RunnerConfig,
  env: NodeJS.ProcessEnv,
): string | undefined {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 8; depth++) {
    if (credentialErrorNames.has(at.name)) {
      const plugin = runner.autoscaler.pluginConfig;
      const profile = plugin.profile ?? env.AWS_PROFILE ?? 'default';
      const file =
        plugin.credentialsFile ?? env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials';
      return `${at.message.trim()} (profile ${JSON.stringify(profile)}, credentials file ${JSON.stringify(file)})`;
    }
    at = at.cause;
  }
  return undefined;
}
