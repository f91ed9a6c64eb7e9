import { ConfigError, parseConfig } from '../index';
import { configText, testEnv } from '../testing/config-text';

function load(table: string) {
  return parseConfig(`${configText()}\n[taskfleet]\n${table}`, { env: testEnv });
}

function problems(table: string): string[] {
  try {
    load(table);
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  return [];
}

describe('[taskfleet] scaler and executor tuning keys', () => {
  it('applies the defaults when no key is set', () => {
    expect(load('').config.taskfleet).toMatchObject({
      instanceCreateTimeoutMs: 600_000,
      heartbeatIntervalMs: 300_000,
      idleConfirmMs: null,
      scaleInCooldownMs: 0,
      diskPressurePercent: 85,
      accountLaunchBurst: 1_000,
      accountLaunchesPerSecond: 2,
    });
  });

  it('reads each key in its unit', () => {
    const table = [
      'instance_create_timeout = "15m"',
      'heartbeat_interval = "1m30s"',
      'idle_confirm_time = "0s"',
      'scale_in_cooldown = "10m"',
      'disk_pressure_percent = 0',
      'account_launch_burst = 20',
      'account_launches_per_second = 0.5',
    ].join('\n');
    expect(load(table).config.taskfleet).toMatchObject({
      instanceCreateTimeoutMs: 900_000,
      heartbeatIntervalMs: 90_000,
      idleConfirmMs: 0,
      scaleInCooldownMs: 600_000,
      diskPressurePercent: 0,
      accountLaunchBurst: 20,
      accountLaunchesPerSecond: 0.5,
    });
  });

  it('reports every bad value at once, each naming its key', () => {
    const table = [
      'instance_create_timeout = "0s"',
      'heartbeat_interval = 300',
      'idle_confirm_time = "-4s"',
      'scale_in_cooldown = "-1m"',
      'disk_pressure_percent = 120',
      'account_launch_burst = 0',
      'account_launches_per_second = 0',
    ].join('\n');
    expect(problems(table)).toEqual([
      'taskfleet.instance_create_timeout: must be longer than 0s',
      'taskfleet.heartbeat_interval: must be a Go duration string such as "30s", got integer 300 (a unit is required)',
      'taskfleet.idle_confirm_time: must not be negative, got "-4s"',
      'taskfleet.scale_in_cooldown: must not be negative, got "-1m"',
      'taskfleet.disk_pressure_percent: must be from 0 to 100, got 120',
      'taskfleet.account_launch_burst: must be 1 or more, got 0',
      'taskfleet.account_launches_per_second: must be more than 0',
    ]);
  });

  it('takes a near miss of a tuning key as a problem, not a silent default', () => {
    expect(problems('heartbeat_intervall = "1m"')).toEqual([
      'taskfleet.heartbeat_intervall: unknown key; did you mean "heartbeat_interval"?',
    ]);
  });
});
