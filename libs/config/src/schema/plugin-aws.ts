import { z } from 'zod';
import type { AwsPluginConfig } from '../types-autoscaler';
import { nonEmptyString } from './primitives';
import type { ReadContext } from './read-context';
import { joinPath, report } from './read-context';
import { readTable } from './read-table';

// Plugin references GitLab users write for the AWS plugin (reference/autoscaler.md §2.2):
// `aws[:constraint]`, `[<registry>/]gitlab-org/fleeting/plugins/aws[:tag|@digest]`, or a binary
// named fleeting-plugin-aws (bare, or a path to it).
const ociTag = '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
const ociDigest = 'sha256:[a-f0-9]{64}';
const versionSuffix = `(?::${ociTag})?(?:@${ociDigest})?`;
const pluginReferences: readonly RegExp[] = [
  new RegExp(`^aws${versionSuffix}$`),
  new RegExp(`^(?:registry\\.gitlab\\.com/)?gitlab-org/fleeting/plugins/aws${versionSuffix}$`),
  /^(?:.*[/\\])?fleeting-plugin-aws(?:\.exe)?$/,
];

/** True if `reference` names GitLab's AWS fleeting plugin in one of the forms users write. */
export function isAwsPluginReference(reference: string): boolean {
  return pluginReferences.some(pattern => pattern.test(reference));
}

/** The problem message for a plugin that is not the AWS plugin. */
export function unsupportedPluginMessage(reference: string): string {
  return (
    `unsupported plugin ${JSON.stringify(reference)}: taskfleet drives AWS Auto Scaling groups only; ` +
    'use "aws", "fleeting-plugin-aws" or "registry.gitlab.com/gitlab-org/fleeting/plugins/aws:<version>"'
  );
}

const pluginConfigSchema = z.object({
  name: nonEmptyString(),
  profile: nonEmptyString().optional(),
  config_file: nonEmptyString().optional(),
  credentials_file: nonEmptyString().optional(),
  region: nonEmptyString().optional(),
  interruption_queue_url: nonEmptyString().optional(),
});

// An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> in AWS; any host (an
// emulator) as long as the path names the account and the queue.
const queuePathPattern = /^\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** Why `text` is not an SQS queue URL, or undefined when it is one. */
export function queueUrlProblem(text: string): string | undefined {
  if (!URL.canParse(text) || !['http:', 'https:'].includes(new URL(text).protocol)) {
    const example = 'https://sqs.eu-central-1.amazonaws.com/123456789012/spot-warnings';
    return `must be an SQS queue URL such as "${example}", got ${JSON.stringify(text)}`;
  }
  if (!queuePathPattern.test(new URL(text).pathname)) {
    const path = JSON.stringify(new URL(text).pathname);
    return `must end in /<12-digit account id>/<queue name>, got path ${path}`;
  }
  if (new URL(text).pathname.endsWith('.fifo')) {
    return 'must be a standard queue: EventBridge delivers EC2 events to standard queues';
  }
  return undefined;
}

/** Reads `[runners.autoscaler.plugin_config]` as fleeting-plugin-aws defines it. */
export function readAwsPluginConfig(
  ctx: ReadContext,
  path: string,
  raw: unknown,
): AwsPluginConfig | undefined {
  const config = readTable(ctx, path, raw ?? {}, pluginConfigSchema)?.value;
  if (config === undefined) {
    return undefined;
  }
  const queueUrl = config.interruption_queue_url;
  const queueProblem = queueUrl === undefined ? undefined : queueUrlProblem(queueUrl);
  if (queueProblem !== undefined) {
    report(ctx, joinPath(path, 'interruption_queue_url'), queueProblem);
    return undefined;
  }
  return {
    groupName: config.name,
    profile: config.profile ?? null,
    configFile: config.config_file ?? null,
    credentialsFile: config.credentials_file ?? null,
    region: config.region ?? null,
    interruptionQueueUrl: queueUrl ?? null,
  };
}
