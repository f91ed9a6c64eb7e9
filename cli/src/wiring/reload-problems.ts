import type { Config, RunnerConfig } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function runnerProblems(index: number, old: RunnerConfig, next: RunnerConfig): string[] {
  const at = `runners[${index}]`;
  const problems: string[] = [];
  // The loops, the group client and its connector are built once at start-up.
  if (old.requestConcurrency !== next.requestConcurrency) {
    problems.push(`${at}.request_concurrency: cannot change on reload (restart to apply)`);
  }
  if (!same(old.autoscaler.pluginConfig, next.autoscaler.pluginConfig)) {
    problems.push(`${at}.autoscaler.plugin_config: cannot change on reload (restart to apply)`);
  }
  // The executor's work tree layout and its cache client are built once too (jobs that ran
  // under the old ones may still be recovered).
  if (old.buildsDir !== next.buildsDir) {
    problems.push(`${at}.builds_dir: cannot change on reload (restart to apply)`);
  }
  if (!same(old.cache, next.cache)) {
    problems.push(`${at}.cache: cannot change on reload (restart to apply)`);
  }
  if (!same(old.autoscaler.connector, next.autoscaler.connector)) {
    problems.push(`${at}.autoscaler.connector_config: cannot change on reload (restart to apply)`);
  }
  return problems;
}

/**
 * Why a reloaded config cannot be applied to the running process, every reason at once; empty
 * when it can. Runners are matched by runner key (id and URL), never by token (B48).
 */
export function reloadProblems(old: Config, next: Config): string[] {
  const problems: string[] = [];
  const restartOnly: [string, unknown, unknown][] = [
    ['listen_address', old.listenAddress, next.listenAddress],
    ['taskfleet.redis_url', old.taskfleet.redisUrl, next.taskfleet.redisUrl],
    ['taskfleet.key_prefix', old.taskfleet.keyPrefix, next.taskfleet.keyPrefix],
    [
      'taskfleet.payload_encryption_key',
      old.taskfleet.payloadEncryptionKey.bytes().toString('base64'),
      next.taskfleet.payloadEncryptionKey.bytes().toString('base64'),
    ],
    ['taskfleet.aws_endpoint_url', old.taskfleet.awsEndpointUrl, next.taskfleet.awsEndpointUrl],
    ['taskfleet.aws_region', old.taskfleet.awsRegion, next.taskfleet.awsRegion],
    // The providers and the scalers' options are built once at start-up.
    ['taskfleet.cluster_id', old.taskfleet.clusterId, next.taskfleet.clusterId],
    [
      'taskfleet.instance_create_timeout',
      old.taskfleet.instanceCreateTimeoutMs,
      next.taskfleet.instanceCreateTimeoutMs,
    ],
    [
      'taskfleet.heartbeat_interval',
      old.taskfleet.heartbeatIntervalMs,
      next.taskfleet.heartbeatIntervalMs,
    ],
    ['taskfleet.idle_confirm_time', old.taskfleet.idleConfirmMs, next.taskfleet.idleConfirmMs],
    [
      'taskfleet.scale_in_cooldown',
      old.taskfleet.scaleInCooldownMs,
      next.taskfleet.scaleInCooldownMs,
    ],
    [
      'taskfleet.account_launch_burst',
      old.taskfleet.accountLaunchBurst,
      next.taskfleet.accountLaunchBurst,
    ],
    [
      'taskfleet.account_launches_per_second',
      old.taskfleet.accountLaunchesPerSecond,
      next.taskfleet.accountLaunchesPerSecond,
    ],
  ];
  for (const [key, was, now] of restartOnly) {
    if (!same(was, now)) {
      problems.push(`${key}: cannot change on reload (restart to apply)`);
    }
  }
  const oldByKey = new Map(old.runners.map(r => [runnerKeyFor(r), r]));
  const nextKeys = new Set(next.runners.map(r => runnerKeyFor(r)));
  for (const [index, runner] of next.runners.entries()) {
    const before = oldByKey.get(runnerKeyFor(runner));
    if (before === undefined) {
      problems.push(
        `runners[${index}] (${runner.name}): a new runner (id and url); restart to add it`,
      );
      continue;
    }
    problems.push(...runnerProblems(index, before, runner));
  }
  for (const runner of old.runners) {
    if (!nextKeys.has(runnerKeyFor(runner))) {
      problems.push(`runner ${runner.name}: removed from the config; restart to remove it`);
    }
  }
  return problems;
}
