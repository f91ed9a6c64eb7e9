import { z } from 'zod';
import type { AutoscalerConfig, HistogramBucketsConfig, PolicyConfig } from '../types-autoscaler';
import { checkStateStorage, checkVmIsolation, readScaleThrottle } from './autoscaler-extras';
import { readConnector } from './connector';
import { isAwsPluginReference, readAwsPluginConfig, unsupportedPluginMessage } from './plugin-aws';
import { orDefault, orUnlimited } from './gitlab-zero';
import { defaultPeriods, readPolicy } from './policy';
import { bucketArray, goDuration, tomlBoolean, tomlInt, tomlString } from './primitives';
import type { ReadContext } from './read-context';
import { isTable, joinPath, report } from './read-context';
import { allValid, readTable, readTableArray } from './read-table';

const autoscalerSchema = z.object({
  plugin: tomlString(),
  capacity_per_instance: tomlInt().optional(),
  max_use_count: tomlInt().optional(),
  max_instances: tomlInt().optional(),
  instance_ready_command: tomlString().optional(),
  instance_acquire_timeout: goDuration().optional(),
  update_interval: goDuration().optional(),
  update_interval_when_expecting: goDuration().optional(),
  deletion_retry_interval: goDuration().optional(),
  shutdown_deletion_interval: goDuration().optional(),
  shutdown_deletion_retries: tomlInt().optional(),
  failure_threshold: tomlInt().optional(),
  delete_instances_on_shutdown: tomlBoolean().optional(),
  log_internal_ip: tomlBoolean().optional(),
  log_external_ip: tomlBoolean().optional(),
  reservation_throttling: tomlBoolean().optional(),
  instance_operation_time_buckets: bucketArray().optional(),
  instance_creation_time_buckets: bucketArray().optional(),
  instance_is_running_time_buckets: bucketArray().optional(),
  instance_deletion_time_buckets: bucketArray().optional(),
  instance_readiness_time_buckets: bucketArray().optional(),
  instance_life_duration_buckets: bucketArray().optional(),
});

type RawAutoscaler = z.output<typeof autoscalerSchema>;

const nestedTables = [
  'plugin_config',
  'connector_config',
  'scale_throttle',
  'state_storage',
  'vm_isolation',
  'policy',
];

function histogramBuckets(raw: RawAutoscaler): HistogramBucketsConfig {
  const operation = raw.instance_operation_time_buckets ?? null;
  return {
    operationSeconds: operation,
    creationSeconds: raw.instance_creation_time_buckets ?? operation,
    isRunningSeconds: raw.instance_is_running_time_buckets ?? operation,
    deletionSeconds: raw.instance_deletion_time_buckets ?? operation,
    readinessSeconds: raw.instance_readiness_time_buckets ?? operation,
    lifeDurationSeconds: raw.instance_life_duration_buckets ?? null,
  };
}

function readPolicies(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  localTimeZone: string,
): (PolicyConfig | undefined)[] | undefined {
  if (raw === undefined) {
    return [readPolicy(ctx, path, { periods: [...defaultPeriods] }, localTimeZone)];
  }
  return readTableArray(ctx, path, raw, (element, elementPath) =>
    readPolicy(ctx, elementPath, element, localTimeZone),
  );
}

// A policy asking for more idle slots than max_instances can ever hold cannot be met.
function checkIdleCapacity(
  ctx: ReadContext,
  path: string,
  policies: readonly (PolicyConfig | undefined)[],
  maxInstanceCount: number | null,
  capacityPerInstance: number,
): void {
  if (maxInstanceCount === null) {
    return;
  }
  const maxSlots = maxInstanceCount * capacityPerInstance;
  for (const [index, policy] of policies.entries()) {
    if (policy !== undefined && policy.idleCount > maxSlots) {
      report(
        ctx,
        joinPath(joinPath(joinPath(path, 'policy'), index), 'idle_count'),
        `idle_count = ${policy.idleCount} exceeds max_instances × capacity_per_instance = ${maxInstanceCount} × ${capacityPerInstance} = ${maxSlots} slots`,
      );
    }
  }
}

/** Reads `[runners.autoscaler]` with all its sub-tables, applying GitLab's defaults. */
export function readAutoscaler(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  localTimeZone: string,
): AutoscalerConfig | undefined {
  const read = readTable(ctx, path, raw, autoscalerSchema, nestedTables);
  if (read === undefined || !isTable(raw)) {
    return undefined;
  }
  const { fields, invalid } = read;
  const config = read.value;
  // Sub-tables are read even when a scalar key is wrong, so every problem shows at once.
  const at = (key: string): string => joinPath(path, key);
  let valid = config !== undefined;
  if (fields.plugin !== undefined && !isAwsPluginReference(fields.plugin)) {
    report(ctx, at('plugin'), unsupportedPluginMessage(fields.plugin));
    valid = false;
  }
  const capacityPerInstance = orDefault(fields.capacity_per_instance, 1);
  const maxInstanceCount = orUnlimited(fields.max_instances);
  const pluginConfig = readAwsPluginConfig(ctx, at('plugin_config'), raw.plugin_config);
  const connector = readConnector(ctx, at('connector_config'), raw.connector_config);
  const scaleThrottle = readScaleThrottle(
    ctx,
    at('scale_throttle'),
    raw.scale_throttle,
    maxInstanceCount,
  );
  valid = checkStateStorage(ctx, at('state_storage'), raw.state_storage) && valid;
  valid = checkVmIsolation(ctx, at('vm_isolation'), raw.vm_isolation) && valid;
  const policyList = readPolicies(ctx, at('policy'), raw.policy, localTimeZone);
  if (!invalid.has('capacity_per_instance') && !invalid.has('max_instances') && policyList) {
    checkIdleCapacity(ctx, path, policyList, maxInstanceCount, capacityPerInstance);
  }
  const policies = allValid(policyList);
  if (!valid || !config || !pluginConfig || !connector || !scaleThrottle || !policies) {
    return undefined;
  }
  return {
    plugin: 'aws',
    pluginReference: config.plugin,
    capacityPerInstance,
    maxUseCount: orUnlimited(config.max_use_count),
    maxInstanceCount,
    instanceReadyCommand:
      config.instance_ready_command === undefined || config.instance_ready_command === ''
        ? null
        : config.instance_ready_command,
    instanceAcquireTimeoutMs: orDefault(config.instance_acquire_timeout, 15 * 60_000),
    updateIntervalMs: orDefault(config.update_interval, 60_000),
    updateIntervalWhenExpectingMs: orDefault(config.update_interval_when_expecting, 2_000),
    deletionRetryIntervalMs: orDefault(config.deletion_retry_interval, 60_000),
    shutdownDeletionIntervalMs: orDefault(config.shutdown_deletion_interval, 10_000),
    shutdownDeletionRetries: orDefault(config.shutdown_deletion_retries, 3),
    failureThreshold: orDefault(config.failure_threshold, 3),
    deleteInstancesOnShutdown: config.delete_instances_on_shutdown ?? false,
    logInternalIp: config.log_internal_ip ?? false,
    logExternalIp: config.log_external_ip ?? false,
    reservationThrottling: config.reservation_throttling ?? true,
    scaleThrottle,
    histogramBuckets: histogramBuckets(config),
    pluginConfig,
    connector,
    policies,
  };
}
