/** Who a figure is about: one runner's pool, named without any secret. */
export interface PoolIdentity {
  /** The Auto Scaling Group's name (`plugin_config.name`). */
  readonly group: string;
  /** The runner's key (`r<id>-…` from its id and URL; a hash, never the token itself). */
  readonly runner: string;
  /** The runner's `name` in config.toml, GitLab's `runner_name` label; may be empty. */
  readonly runnerName: string;
}

/** Label names every pool figure carries, in this order. */
export const poolLabelNames = ['group', 'runner', 'runner_name'] as const;

/** The identity of a pool as one string, for maps keyed by pool (group + runner, never token). */
export function poolKey(pool: PoolIdentity): string {
  return `${pool.group}\n${pool.runner}`;
}

/** The prom-client label object of a pool. */
export function poolLabels(pool: PoolIdentity): Record<(typeof poolLabelNames)[number], string> {
  return { group: pool.group, runner: pool.runner, runner_name: pool.runnerName };
}
