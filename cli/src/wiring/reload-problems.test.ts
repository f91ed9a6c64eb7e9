import { parseConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';

import { reloadProblems } from './reload-problems';

const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

function config(input: {
  id?: number;
  token?: string;
  idleCount?: number;
  requestConcurrency?: number;
  group?: string;
  listen?: string;
  prefix?: string;
  tuning?: string;
  runnerLines?: string;
}): Config {
  const text = `
concurrent = 4
${input.listen === undefined ? '' : `listen_address = "${input.listen}"`}
[[runners]]
  name = "one"
  url = "https://gitlab.example.com"
  id = ${input.id ?? 7}
  token = "${input.token ?? 'glrt-one'}"
  executor = "instance"
  request_concurrency = ${input.requestConcurrency ?? 1}
  ${input.runnerLines ?? ''}
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "${input.group ?? 'asg-one'}"
    [[runners.autoscaler.policy]]
      idle_count = ${input.idleCount ?? 3}
[taskfleet]
  key_prefix = "${input.prefix ?? 'tf'}"
  ${input.tuning ?? ''}
`;
  return parseConfig(text, { env }).config;
}

describe('reloadProblems (B48)', () => {
  it('accepts changed policies and a rotated token of the same runner id', () => {
    expect(reloadProblems(config({}), config({ idleCount: 1, token: 'glrt-rotated' }))).toEqual([]);
  });

  it('lists every change that needs a restart at once', () => {
    const problems = reloadProblems(
      config({}),
      config({ requestConcurrency: 2, group: 'asg-two', listen: '127.0.0.1:9252', prefix: 'x' }),
    );
    expect(problems).toEqual([
      'listen_address: cannot change on reload (restart to apply)',
      'taskfleet.key_prefix: cannot change on reload (restart to apply)',
      'runners[0].request_concurrency: cannot change on reload (restart to apply)',
      'runners[0].autoscaler.plugin_config: cannot change on reload (restart to apply)',
    ]);
  });

  it('names each [taskfleet] key the services read only at start-up', () => {
    const tuning = [
      'cluster_id = "c2"',
      'instance_create_timeout = "5m"',
      'heartbeat_interval = "1m"',
      'idle_confirm_time = "10s"',
      'scale_in_cooldown = "10m"',
    ].join('\n  ');
    expect(reloadProblems(config({}), config({ tuning }))).toEqual([
      'taskfleet.cluster_id: cannot change on reload (restart to apply)',
      'taskfleet.instance_create_timeout: cannot change on reload (restart to apply)',
      'taskfleet.heartbeat_interval: cannot change on reload (restart to apply)',
      'taskfleet.idle_confirm_time: cannot change on reload (restart to apply)',
      'taskfleet.scale_in_cooldown: cannot change on reload (restart to apply)',
    ]);
    // The executors apply this one to the jobs delivered after the reload.
    expect(reloadProblems(config({}), config({ tuning: 'disk_pressure_percent = 90' }))).toEqual(
      [],
    );
  });

  it("refuses a new builds_dir or cache, which the executor's layout and client hold", () => {
    const runnerLines = [
      'builds_dir = "/srv/builds"',
      '[runners.cache]',
      '  Type = "s3"',
      '  [runners.cache.s3]',
      '    BucketName = "runner-cache"',
    ].join('\n  ');
    expect(reloadProblems(config({}), config({ runnerLines }))).toEqual([
      'runners[0].builds_dir: cannot change on reload (restart to apply)',
      'runners[0].cache: cannot change on reload (restart to apply)',
    ]);
  });

  it('refuses adding or removing a runner (another id), naming both', () => {
    expect(reloadProblems(config({ id: 7 }), config({ id: 8 }))).toEqual([
      'runners[0] (one): a new runner (id and url); restart to add it',
      'runner one: removed from the config; restart to remove it',
    ]);
  });
});
