import type { Config, RunnerConfig } from '@taskfleet/config';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import type { ReadinessCheck } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { CliError } from '../errors';
import { awsSettingsFor } from './instance-group';

/** Where the runner's Auto Scaling calls go: the configured endpoint, or AWS's regional one. */
export function awsEndpointOf(config: Config, runner: RunnerConfig): string {
  const endpoint = config.taskfleet.awsEndpointUrl;
  if (endpoint !== null) {
    return endpoint;
  }
  const region = runner.autoscaler.pluginConfig.region ?? config.taskfleet.awsRegion;
  return region === null ? "AWS's default endpoint" : `https://autoscaling.${region}.amazonaws.com`;
}

/**
 * The errno (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) found along the error's cause chain, else the
 * first error name or code found there; never a message, which may quote a response.
 */
export function errnoOf(error: unknown): string {
  let fallback: string | undefined;
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 8; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) {
      return code;
    }
    fallback ??= typeof code === 'string' ? code : at.name;
    at = at.cause;
  }
  return fallback ?? typeof error;
}

/**
 * A start-up check that the runner's Auto Scaling Group can be described (what the executor's
 * `init()` needs); once it passed it passes without calling AWS again, so /readyz requests
 * after start-up cost no API calls.
 */
export function awsGroupCheck(
  config: Config,
  runner: RunnerConfig,
  logger: Logger,
): ReadinessCheck {
  const group = runner.autoscaler.pluginConfig.groupName;
  let passed = false;
  return {
    name: `aws ${group}`,
    async check() {
      if (passed) {
        return;
      }
      // No key: this check never connects to an instance (the key has its own check).
      // Silent: the executor's own init() warns about the group's setup once it starts.
      const quiet = logger.child({}, { level: 'silent' });
      const probe = new AwsInstanceGroup(awsSettingsFor(config, runner, quiet, { readKey: false }));
      try {
        await probe.init();
        passed = true;
      } catch (error) {
        throw new CliError(
          'not_ready',
          `could not describe group ${group} at ${awsEndpointOf(config, runner)} (${errnoOf(error)})`,
          { cause: error, retryable: true },
        );
      } finally {
        await probe.shutdown().catch(() => undefined);
      }
    },
  };
}
