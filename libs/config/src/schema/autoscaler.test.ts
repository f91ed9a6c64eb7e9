import { ConfigError, parseConfig } from '../index';
import type { ConfigTextParts } from '../testing/config-text';
import { configText, testEnv } from '../testing/config-text';

function parse(parts: ConfigTextParts) {
  return parseConfig(configText(parts), { env: testEnv, localTimeZone: 'UTC' });
}

function problems(parts: ConfigTextParts): string[] {
  try {
    parse(parts);
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  return [];
}

const policy = (...lines: string[]): string =>
  ['[[runners.autoscaler.policy]]', ...lines].join('\n');

describe('policies', () => {
  it.each([
    ['unset with idle_count 0', 'idle_count = 0', false],
    ['unset with idle_count 2', 'idle_count = 2', true],
    ['false with idle_count 2', 'idle_count = 2\npreemptive_mode = false', false],
    ['true with idle_count 1', 'idle_count = 1\npreemptive_mode = true', true],
  ])('preemptive_mode %s', (_name, body, expected) => {
    const { config } = parse({ tail: policy(body) });
    expect(config.runners[0]?.autoscaler.policies[0]?.preemptiveMode).toBe(expected);
  });

  it('refuses preemptive_mode = true with idle_count = 0, naming both', () => {
    expect(problems({ tail: policy('preemptive_mode = true') })).toEqual([
      'runners[0].autoscaler.policy[0].preemptive_mode: preemptive_mode = true needs idle_count > 0: with no idle slot kept, no job would ever be requested',
    ]);
  });

  it('refuses an idle_count that max_instances × capacity_per_instance can never hold', () => {
    const parts = {
      autoscaler: { max_instances: '2', capacity_per_instance: '2' },
      tail: `${policy('idle_count = 4')}\n${policy('idle_count = 5')}`,
    };
    expect(problems(parts)).toEqual([
      'runners[0].autoscaler.policy[1].idle_count: idle_count = 5 exceeds max_instances × capacity_per_instance = 2 × 2 = 4 slots',
    ]);
  });

  it('warns that scale_factor_limit does nothing without scale_factor', () => {
    const { warnings } = parse({ tail: policy('scale_factor_limit = 3') });
    expect(warnings).toEqual([
      'runners[0].autoscaler.policy[0].scale_factor_limit has no effect without scale_factor',
    ]);
  });

  it('reports every bad period and the zone of one policy together', () => {
    const parts = {
      tail: policy(
        'periods = ["* * * * *", "61 * * * *", "* * * * * *"]',
        'timezone = "Moon/Base"',
      ),
    };
    expect(problems(parts)).toEqual([
      'runners[0].autoscaler.policy[0].periods[1]: invalid cron expression "61 * * * *": minute field "61": constraint error, got value 61 expected range 0-59',
      'runners[0].autoscaler.policy[0].periods[2]: invalid cron expression "* * * * * *": needs 5 fields (minute hour day-of-month month day-of-week), got 6',
      'runners[0].autoscaler.policy[0].timezone: unknown time zone "Moon/Base": use an IANA name such as "Europe/Berlin"',
    ]);
  });

  it('B41 rejects cron strings with the wrong number of fields at load, naming each field', () => {
    // A seconds field (philips-labs), Docker Machine's 7 fields, and a field short.
    const parts = {
      tail: [
        policy('periods = ["* * * * *"]'),
        policy('idle_count = 3', 'periods = ["0 * 9-17 * * mon-fri", "* 9-17 * * mon-fri"]'),
        policy('periods = ["0 * 9-17 * * mon-fri 2026", "* 9-17 * *"]'),
      ].join('\n'),
    };
    const layout = 'needs 5 fields (minute hour day-of-month month day-of-week)';
    expect(problems(parts)).toEqual([
      `runners[0].autoscaler.policy[1].periods[0]: invalid cron expression "0 * 9-17 * * mon-fri": ${layout}, got 6`,
      `runners[0].autoscaler.policy[2].periods[0]: invalid cron expression "0 * 9-17 * * mon-fri 2026": ${layout}, got 7`,
      `runners[0].autoscaler.policy[2].periods[1]: invalid cron expression "* 9-17 * *": ${layout}, got 4`,
    ]);
  });

  it('refuses an empty periods list', () => {
    expect(problems({ tail: policy('periods = []') })).toEqual([
      'runners[0].autoscaler.policy[0].periods: must hold at least one cron expression',
    ]);
  });

  it('keeps policies as data in file order', () => {
    const { config } = parse({
      tail: [
        policy('idle_count = 1'),
        policy(
          'periods = ["* 9-17 * * 1-5"]',
          'timezone = "America/New_York"',
          'idle_time = "1h30m"',
        ),
      ].join('\n'),
    });
    expect(
      config.runners[0]?.autoscaler.policies.map(p => [p.periods, p.timezone, p.idleTimeMs]),
    ).toEqual([
      [['* * * * *'], 'UTC', 0],
      [['* 9-17 * * 1-5'], 'America/New_York', 5_400_000],
    ]);
  });
});

describe('autoscaler settings', () => {
  it.each([
    ['aws plugin by path', { autoscaler: { plugin: '"/opt/bin/fleeting-plugin-aws"' } }, []],
    [
      'another plugin',
      { autoscaler: { plugin: '"googlecloud"' } },
      [
        'runners[0].autoscaler.plugin: unsupported plugin "googlecloud": taskfleet drives AWS Auto Scaling groups only; use "aws", "fleeting-plugin-aws" or "registry.gitlab.com/gitlab-org/fleeting/plugins/aws:<version>"',
      ],
    ],
    [
      'vm_isolation enabled',
      {
        tail: '[runners.autoscaler.vm_isolation]\nenabled = true\nnesting_host = "unix:///n.sock"',
      },
      [
        'runners[0].autoscaler.vm_isolation.enabled: vm_isolation is not supported: taskfleet runs jobs directly on the instance',
      ],
    ],
    [
      'vm_isolation disabled',
      {
        tail: [
          '[runners.autoscaler.vm_isolation]',
          'enabled = false',
          '[runners.autoscaler.vm_isolation.nesting_config]',
          'x = 1',
        ].join('\n'),
      },
      [],
    ],
    [
      'winrm',
      { tail: '[runners.autoscaler.connector_config]\nprotocol = "winrm"' },
      [
        'runners[0].autoscaler.connector_config.protocol: unsupported protocol "winrm": taskfleet connects over "ssh" only',
      ],
    ],
    [
      'windows',
      { tail: '[runners.autoscaler.connector_config]\nos = "windows"' },
      [
        'runners[0].autoscaler.connector_config.os: unsupported os "windows": jobs run in bash or sh over SSH, so use "linux" or "darwin"',
      ],
    ],
    [
      'static credentials without a key',
      { tail: '[runners.autoscaler.connector_config]\nuse_static_credentials = true' },
      [
        'runners[0].autoscaler.connector_config.use_static_credentials: use_static_credentials = true needs key_path or password: no credentials are provisioned then',
      ],
    ],
    [
      'static credentials with a key',
      {
        tail: [
          '[runners.autoscaler.connector_config]',
          'use_static_credentials = true',
          'key_path = "/etc/gitlab-runner/id_ed25519"',
        ].join('\n'),
      },
      [],
    ],
  ] as [string, ConfigTextParts, string[]][])('%s', (_name, parts, expected) => {
    expect(problems(parts)).toEqual(expected);
  });

  it.each([
    [
      'limit and burst unset, max_instances 7',
      { max_instances: '7' },
      '',
      { limitPerSecond: 100, burst: 7 },
    ],
    ['limit 2, no max_instances', {}, 'limit = 2', { limitPerSecond: 2, burst: 2 }],
    [
      'limit 1, burst 60',
      { max_instances: '7' },
      'limit = 1\nburst = 60',
      { limitPerSecond: 1, burst: 60 },
    ],
    ['limit -1', { max_instances: '7' }, 'limit = -1', { limitPerSecond: null, burst: null }],
  ])('scale_throttle %s', (_name, autoscaler, body, expected) => {
    const { config } = parse({ autoscaler, tail: `[runners.autoscaler.scale_throttle]\n${body}` });
    expect(config.runners[0]?.autoscaler.scaleThrottle).toEqual(expected);
  });

  it('warns that burst is ignored with an unlimited rate', () => {
    const { warnings } = parse({
      tail: '[runners.autoscaler.scale_throttle]\nlimit = -1\nburst = 5',
    });
    expect(warnings).toEqual([
      'runners[0].autoscaler.scale_throttle.burst is ignored: limit = -1 means unlimited',
    ]);
  });

  it('parses state_storage and warns that taskfleet ignores it', () => {
    const { warnings } = parse({
      tail: '[runners.autoscaler.state_storage]\nenabled = true\ndir = "/var/lib/ts"',
    });
    expect(warnings).toEqual([
      'runners[0].autoscaler.state_storage.enabled is ignored: taskfleet keeps instance state in Redis',
    ]);
    expect(problems({ tail: '[runners.autoscaler.state_storage]\nenabled = "yes"' })).toEqual([
      'runners[0].autoscaler.state_storage.enabled: must be true or false, got string "yes"',
    ]);
  });

  it('falls back to instance_operation_time_buckets for the operation histograms', () => {
    const { config } = parse({
      autoscaler: {
        instance_operation_time_buckets: '[1, 5, 30]',
        instance_deletion_time_buckets: '[2, 4.5]',
      },
    });
    expect(config.runners[0]?.autoscaler.histogramBuckets).toEqual({
      operationSeconds: [1, 5, 30],
      creationSeconds: [1, 5, 30],
      isRunningSeconds: [1, 5, 30],
      deletionSeconds: [2, 4.5],
      readinessSeconds: [1, 5, 30],
      lifeDurationSeconds: null,
    });
  });

  it('reads the sub-tables even when a scalar key is wrong', () => {
    const parts = {
      autoscaler: { max_instances: '"five"' },
      pluginConfig: { name: '""' },
      tail: policy('idle_time = "5"'),
    };
    expect(problems(parts)).toEqual([
      'runners[0].autoscaler.max_instances: must be an integer, got string "five"',
      'runners[0].autoscaler.plugin_config.name: must not be empty',
      'runners[0].autoscaler.policy[0].idle_time: invalid duration "5": missing unit after "5" (use ns, us, ms, s, m or h)',
    ]);
  });
});

describe('runners', () => {
  it('refuses two runners on one Auto Scaling group', () => {
    const second = [
      '[[runners]]',
      'url = "https://gitlab.example.com"',
      'token = "glrt-2"',
      'executor = "instance"',
      '[runners.autoscaler]',
      'plugin = "aws"',
      '[runners.autoscaler.plugin_config]',
      'name = "test-asg"',
    ].join('\n');
    expect(problems({ tail: second })).toEqual([
      'runners[1].autoscaler.plugin_config.name: group "test-asg" is also used by runners[0]: each [[runners]] entry needs its own Auto Scaling group',
    ]);
  });
});
