import { randomBytes } from 'node:crypto';

import { demoClusterId, demoMaxInstances } from './demo-world';
import type { DemoWorld } from './demo-world';

/** The demo's settings that a config.toml carries. */
export interface DemoConfigInput {
  readonly world: Pick<DemoWorld, 'aws' | 'gitlab' | 'groupName' | 'runnerToken' | 'runnerId'>;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  /** GitLab Runner's `log_level`; the demo keeps the services quiet with `warn`. */
  readonly logLevel?: 'debug' | 'info' | 'warn';
  /** The first line of the file, saying who wrote it and when it goes away. */
  readonly header?: string;
}

const quote = (value: string): string => JSON.stringify(value);

/**
 * A GitLab Runner config.toml for the demo's emulated world: the instance executor on the
 * demo group, two jobs per instance, at most three instances, none kept idle for long.
 */
export function demoConfigToml(input: DemoConfigInput): string {
  const { world } = input;
  const header =
    input.header ?? 'Written by taskfleet demo for its emulated world; removed when the demo ends.';
  return `# ${header}
concurrent = ${demoMaxInstances * 2}
check_interval = 1
log_level = "${input.logLevel ?? 'warn'}"
shutdown_timeout = 10

[[runners]]
  name = "taskfleet-demo"
  url = ${quote(world.gitlab.url)}
  id = ${world.runnerId}
  token = ${quote(world.runnerToken)}
  executor = "instance"
  shell = "bash"
  builds_dir = "builds"
  request_concurrency = 2
  [runners.autoscaler]
    plugin = "aws"
    capacity_per_instance = 2
    max_instances = ${demoMaxInstances}
    instance_ready_command = "true"
    instance_acquire_timeout = "2m"
    update_interval = "1s"
    update_interval_when_expecting = "1s"
    [runners.autoscaler.plugin_config]
      name = ${quote(world.groupName)}
      region = "us-east-1"
    [[runners.autoscaler.policy]]
      idle_count = 0
      idle_time = "5s"

[taskfleet]
  redis_url = ${quote(input.redisUrl)}
  key_prefix = ${quote(input.keyPrefix)}
  payload_encryption_key = ${quote(randomBytes(32).toString('base64'))}
  aws_endpoint_url = ${quote(world.aws.endpoint)}
  cluster_id = ${quote(demoClusterId)}
`;
}
