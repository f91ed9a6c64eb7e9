/** The one place taskfleet config reads `process.env`; everything else takes an env object. */

/** Environment variables as a plain map, `process.env`-shaped. */
export type EnvironmentSource = Readonly<Record<string, string | undefined>>;

/** Environment variable of each taskfleet setting; each wins over its `[taskfleet]` key. */
export const taskfleetEnvironmentVariables = {
  redis_url: 'TASKFLEET_REDIS_URL',
  key_prefix: 'TASKFLEET_KEY_PREFIX',
  payload_encryption_key: 'TASKFLEET_PAYLOAD_ENCRYPTION_KEY',
  telemetry_endpoint: 'TASKFLEET_TELEMETRY_ENDPOINT',
  aws_endpoint_url: 'TASKFLEET_AWS_ENDPOINT_URL',
  aws_region: 'TASKFLEET_AWS_REGION',
  cluster_id: 'TASKFLEET_CLUSTER_ID',
} as const;

/** Returns the process environment; called only when a caller passes no env of its own. */
export function processEnvironment(): EnvironmentSource {
  return process.env;
}
