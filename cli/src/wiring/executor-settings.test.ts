import { parseConfig } from '@taskfleet/config';

import { executorSettingsFor } from './executor-settings';

const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

function settingsOf(runnerLines: string, taskfleet = '') {
  const text = `
concurrent = 10
[[runners]]
  name = "linux"
  url = "https://gitlab.example.com"
  token = "glrt-one"
  executor = "instance"
  ${runnerLines}
  [runners.autoscaler]
    plugin = "aws"
    capacity_per_instance = 2
    max_instances = 3
    instance_acquire_timeout = "2m"
    [runners.autoscaler.plugin_config]
      name = "asg-one"
[taskfleet]
${taskfleet}
`;
  const { config } = parseConfig(text, { env });
  const [runner] = config.runners;
  if (runner === undefined) {
    throw new Error('no runner');
  }
  return executorSettingsFor(config, runner);
}

describe('executorSettingsFor', () => {
  it('maps the runner entry and [taskfleet] to the settings a reload may change', () => {
    const settings = settingsOf(
      'shell = "sh"\n  output_limit = 8\n  environment = ["A=1", "B=x=y"]\n' +
        '  pre_get_sources_script = "echo pre"',
      'disk_pressure_percent = 70',
    );
    expect(settings).toEqual({
      shell: 'sh',
      outputLimitBytes: 8 * 1024,
      runnerVariables: [
        { key: 'A', value: '1' },
        { key: 'B', value: 'x=y' },
      ],
      runnerScripts: {
        preGetSourcesScript: 'echo pre',
        postGetSourcesScript: null,
        customBuildDirEnabled: false,
      },
      runnerDescription: 'linux',
      instanceAcquireTimeoutMs: 120_000,
      diskPressurePercent: 70,
      // max_instances × capacity_per_instance, below `concurrent`.
      concurrency: 6,
    });
  });
});
