import { parseConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';

import { executorTuningFor, scalerTuningFor } from './tuning';

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
      name = "asg-one"
[taskfleet]
${taskfleet}
`;
  return parseConfig(text, { env }).config;
}

describe('[taskfleet] tuning as service options', () => {
  it('hands each set key to the scaler and the executor', () => {
    const loaded = config(
      [
        'instance_create_timeout = "3m"',
        'heartbeat_interval = "45s"',
        'idle_confirm_time = "0s"',
        'scale_in_cooldown = "15m"',
        'disk_pressure_percent = 70',
      ].join('\n'),
    );
    expect(scalerTuningFor(loaded)).toEqual({
      creationTimeoutMs: 180_000,
      heartbeatIntervalMs: 45_000,
      scaleInCooldownMs: 900_000,
      idleConfirmMs: 0,
    });
    expect(executorTuningFor(loaded)).toEqual({ diskPressurePercent: 70 });
  });

  it('leaves the idle confirmation to the scaler default when unset', () => {
    const loaded = config('');
    expect(scalerTuningFor(loaded)).toEqual({
      creationTimeoutMs: 600_000,
      heartbeatIntervalMs: 300_000,
      scaleInCooldownMs: 0,
    });
    expect(executorTuningFor(loaded)).toEqual({ diskPressurePercent: 85 });
  });
});
