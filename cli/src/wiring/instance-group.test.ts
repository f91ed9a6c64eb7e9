import { parseConfig } from '@taskfleet/config';
import type { Config, RunnerConfig } from '@taskfleet/config';
import { pino } from 'pino';

import { awsSettingsFor, ownerTagsFor } from './instance-group';

const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

function config(taskfleet: string): Config {
  const text = `
concurrent = 4
[[runners]]
  url = "https://gitlab.example.com"
  token = "glrt-one"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "asg-linux"
[[runners]]
  url = "https://gitlab.example.com"
  token = "glrt-two"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "asg-arm"
[taskfleet]
${taskfleet}
`;
  return parseConfig(text, { env }).config;
}

function runnerAt(loaded: Config, index: number): RunnerConfig {
  const runner = loaded.runners[index];
  if (runner === undefined) {
    throw new Error(`no runner ${index}`);
  }
  return runner;
}

describe('ownerTagsFor (B52)', () => {
  it('gives each runner the cluster id and its own group as the pool', () => {
    const loaded = config('cluster_id = "ci-prod"');
    expect(ownerTagsFor(loaded, runnerAt(loaded, 0))).toEqual({
      clusterId: 'ci-prod',
      pool: 'asg-linux',
    });
    expect(
      awsSettingsFor(loaded, runnerAt(loaded, 1), pino({ level: 'silent' })).ownerTags,
    ).toEqual({
      clusterId: 'ci-prod',
      pool: 'asg-arm',
    });
  });

  it('passes no owner tags without a cluster id, so nothing is adopted', () => {
    const loaded = config('');
    const settings = awsSettingsFor(loaded, runnerAt(loaded, 0), pino({ level: 'silent' }));
    expect(settings.ownerTags).toBeUndefined();
    expect(ownerTagsFor(loaded, runnerAt(loaded, 0))).toBeUndefined();
  });
});
