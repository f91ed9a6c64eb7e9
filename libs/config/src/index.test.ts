import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from './index';
import { configText, testEnv } from './testing/config-text';

const examplePath = join(__dirname, '..', '..', '..', 'examples', 'config.toml');

function problemsOf(text: string, env = testEnv): string[] {
  try {
    parseConfig(text, { env, localTimeZone: 'UTC' });
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig of the example config.toml', () => {
  it('reads every section a GitLab user writes for the AWS plugin', async () => {
    const { config, warnings } = await loadConfig(examplePath, {
      env: testEnv,
      localTimeZone: 'UTC',
    });
    expect(warnings).toEqual([]);
    expect(config.concurrent).toBe(10);
    expect(config.listenAddress).toEqual({ host: '127.0.0.1', port: 9252 });
    const [runner] = config.runners;
    expect(runner?.id).toBe(42);
    expect(runner?.outputLimitBytes).toBe(8192 * 1024);
    expect(runner?.environment).toEqual([
      { name: 'FF_USE_FLEETING_ACQUIRE_HEARTBEATS', value: 'true' },
      { name: 'LANG', value: 'C.UTF-8' },
    ]);
    expect(runner?.cache?.s3).toMatchObject({
      bucketName: 'example-gitlab-runner-cache',
      authenticationType: 'iam',
    });
    const autoscaler = runner?.autoscaler;
    expect(autoscaler).toMatchObject({
      plugin: 'aws',
      capacityPerInstance: 2,
      maxUseCount: 10,
      maxInstanceCount: 5,
      instanceAcquireTimeoutMs: 600_000,
      scaleThrottle: { limitPerSecond: 1, burst: 5 },
      pluginConfig: { groupName: 'gitlab-runner-linux-asg', profile: 'gitlab-runner' },
      connector: { username: 'ec2-user', keepaliveMs: 30_000, timeoutMs: 300_000 },
    });
    expect(autoscaler?.policies).toEqual([
      {
        periods: ['* * * * *'],
        timezone: 'UTC',
        idleCount: 0,
        idleTimeMs: 1_200_000,
        scaleFactor: 0,
        scaleFactorLimit: null,
        preemptiveMode: false,
      },
      {
        periods: ['* 8-17 * * mon-fri'],
        timezone: 'Europe/Berlin',
        idleCount: 4,
        idleTimeMs: 1_800_000,
        scaleFactor: 0.5,
        scaleFactorLimit: 4,
        preemptiveMode: true,
      },
    ]);
    expect(config.taskfleet.awsRegion).toBe('eu-central-1');
  });
});

describe('frozen', () => {
  it('freezes the config and everything in it', () => {
    const { config, warnings } = parseConfig(
      configText({ tail: '[[runners.autoscaler.policy]]\nidle_count = 1' }),
      {
        env: testEnv,
      },
    );
    const policy = config.runners[0]!.autoscaler.policies[0]!;
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(warnings)).toBe(true);
    expect(Object.isFrozen(config.runners)).toBe(true);
    expect(Object.isFrozen(policy.periods)).toBe(true);
    expect(Object.isFrozen(config.taskfleet.payloadEncryptionKey)).toBe(true);
    expect(() => {
      (policy as { idleCount: number }).idleCount = 5;
    }).toThrow(TypeError);
    expect(() => {
      (policy.periods as string[]).push('* * * * *');
    }).toThrow(TypeError);
  });
});

describe('every problem at once', () => {
  it('lists five different mistakes in one ConfigError, one per line', () => {
    const text = configText({
      global: { concurrent: '0' },
      runner: { name: '"linux"', executor: '"docker-autoscaler"' },
      autoscaler: { update_interval: '"5 minutes"' },
      tail: [
        '[[runners.autoscaler.policy]]',
        'periods = ["* 25 * * *"]',
        'timezone = "Mars/Olympus"',
      ].join('\n'),
    });
    let caught: unknown;
    try {
      parseConfig(text, { env: testEnv, sourceName: '/etc/gitlab-runner/config.toml' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe('config_invalid');
    expect(error.retryable).toBe(false);
    expect(error.problems).toHaveLength(5);
    expect(error.message).toBe(
      [
        'could not load config /etc/gitlab-runner/config.toml: 5 problems',
        '  concurrent: must be 1 or more, got 0',
        '  runners[0].executor: unsupported executor "docker-autoscaler" for runner "linux": taskfleet runs jobs with executor = "instance" only',
        '  runners[0].autoscaler.update_interval: invalid duration "5 minutes": unknown unit " minutes" (use ns, us, ms, s, m or h)',
        '  runners[0].autoscaler.policy[0].periods[0]: invalid cron expression "* 25 * * *": hour field "25": constraint error, got value 25 expected range 0-23',
        '  runners[0].autoscaler.policy[0].timezone: unknown time zone "Mars/Olympus": use an IANA name such as "Europe/Berlin"',
      ].join('\n'),
    );
  });

  it('reports problems in later runners and in [taskfleet] next to earlier ones', () => {
    const text = `${configText({ runner: { shell: '"zsh"' } })}
[[runners]]
url = "ftp://gitlab.example.com"
token = "glrt-second"
executor = "instance"
[runners.autoscaler]
plugin = "aws"
[runners.autoscaler.plugin_config]
name = "second-asg"
[taskfleet]
redis_url = "http://127.0.0.1:6379"`;
    expect(problemsOf(text)).toEqual([
      'runners[0].shell: must be one of "bash", "sh", got string "zsh"',
      'runners[1].url: must be an http:// or https:// URL, got "ftp://gitlab.example.com"',
      'taskfleet.redis_url: must be a redis:// or rediss:// URL',
    ]);
  });
});

describe('a mistyped key hides no other check of its table', () => {
  it.each([
    [
      'global',
      { global: { concurrent: '"x"', log_level: '"loud"' } },
      [
        'concurrent: must be an integer, got string "x"',
        'log_level: must be one of "debug", "info", "warn", "error", "fatal", "panic", got "loud"',
      ],
    ],
    [
      'runner',
      { runner: { limit: '"x"', url: '"ftp://h"', executor: '"shell"' } },
      [
        'runners[0].limit: must be an integer, got string "x"',
        'runners[0].url: must be an http:// or https:// URL, got "ftp://h"',
        'runners[0].executor: unsupported executor "shell": taskfleet runs jobs with executor = "instance" only',
      ],
    ],
    [
      'policy',
      {
        tail: '[[runners.autoscaler.policy]]\nidle_time = 300\nperiods = ["* * * * 9"]\ntimezone = "Nowhere"',
      },
      [
        'runners[0].autoscaler.policy[0].idle_time: must be a Go duration string such as "30s", got integer 300 (a unit is required)',
        'runners[0].autoscaler.policy[0].periods[0]: invalid cron expression "* * * * 9": day-of-week field "9": constraint error, got value 9 expected range 0-7',
        'runners[0].autoscaler.policy[0].timezone: unknown time zone "Nowhere": use an IANA name such as "Europe/Berlin"',
      ],
    ],
    [
      'connector',
      { tail: '[runners.autoscaler.connector_config]\nkeepalive = 5\nprotocol = "winrm"' },
      [
        'runners[0].autoscaler.connector_config.keepalive: must be a Go duration string such as "30s", got integer 5 (a unit is required)',
        'runners[0].autoscaler.connector_config.protocol: unsupported protocol "winrm": taskfleet connects over "ssh" only',
      ],
    ],
    [
      'cache',
      { tail: '[runners.cache]\nType = "gcs"\nShared = "yes"' },
      [
        'runners[0].cache.Shared: must be true or false, got string "yes"',
        'runners[0].cache.Type: unsupported cache type "gcs": taskfleet serves "s3" only',
      ],
    ],
  ])('%s', (_name, parts, expected) => {
    expect(problemsOf(configText(parts))).toEqual(expected);
  });
});

describe('TOML syntax errors', () => {
  it.each([
    [
      'an unterminated string',
      'url = "https://x\n',
      3,
      17,
      'control characters are not allowed in strings',
    ],
    ['a bare word', 'url = https://x\n', 3, 7, 'invalid value'],
    [
      'a duplicate key',
      'url = "a"\nurl = "b"\n',
      4,
      1,
      'trying to redefine an already defined table or value',
    ],
  ])('reports line and column of %s', (_name, body, line, column, reason) => {
    let caught: unknown;
    try {
      parseConfig(`concurrent = 4\n[[runners]]\n${body}token = "glrt-near-the-error"`, {
        env: testEnv,
      });
    } catch (error) {
      caught = error;
    }
    expect(ConfigError.is(caught)).toBe(true);
    const error = caught as ConfigError;
    expect(error.problems).toEqual([
      {
        path: '',
        line,
        column,
        message: `invalid TOML at line ${line}, column ${column}: ${reason}`,
      },
    ]);
    // smol-toml quotes nearby lines; none of that may reach a log.
    expect(`${error.message}${error.stack ?? ''}${String(error.cause)}`).not.toContain(
      'glrt-near-the-error',
    );
  });
});

describe('unknown keys', () => {
  it('names every unknown key in one warning and still loads', () => {
    const text = configText({
      global: { colour: '"blue"' },
      runner: { bar: '1' },
      autoscaler: { foo: 'true' },
      tail: [
        '[runners.autoscaler.connector_config]',
        'username = "ubuntu"',
        'agent_forwarding = true',
        '[runners.machine]',
        'IdleCount = 1',
      ].join('\n'),
    });
    const { config, warnings } = parseConfig(text, { env: testEnv });
    expect(config.runners[0]?.autoscaler.connector.username).toBe('ubuntu');
    expect(warnings).toEqual([
      'unknown keys ignored: colour, runners[0].bar, runners[0].machine, runners[0].autoscaler.foo, runners[0].autoscaler.connector_config.agent_forwarding',
    ]);
  });

  it('fails on a key one or two edits from a known one, naming every such key and the key meant', () => {
    const text = configText({
      global: { check_intervall: '4' },
      autoscaler: { max_instance: '5', capacity_per_instanse: '2' },
      tail: ['[runners.autoscaler.connector_config]', 'key_pth = "/k"'].join('\n'),
    });
    expect(problemsOf(text)).toEqual(
      expect.arrayContaining([
        'check_intervall: unknown key; did you mean "check_interval"?',
        'runners[0].autoscaler.max_instance: unknown key; did you mean "max_instances"?',
        'runners[0].autoscaler.capacity_per_instanse: unknown key; did you mean "capacity_per_instance"?',
        'runners[0].autoscaler.connector_config.key_pth: unknown key; did you mean "key_path"?',
      ]),
    );
  });

  it('accepts the keys gitlab-runner register writes without a warning', () => {
    const text = configText({
      runner: {
        token_obtained_at: '2026-01-01T00:00:00Z',
        token_expires_at: '0001-01-01T00:00:00Z',
      },
      tail: [
        '[session_server]',
        'session_timeout = 1800',
        '[runners.custom_build_dir]',
        '[runners.cache]',
        '[runners.cache.s3]',
        '[runners.cache.gcs]',
        '[runners.cache.azure]',
      ].join('\n'),
    });
    const { config, warnings } = parseConfig(text, { env: testEnv });
    expect(warnings).toEqual([]);
    expect(config.runners[0]?.cache).toBeNull();
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskfleet-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file in errors', async () => {
    const path = join(dir, 'config.toml');
    await writeFile(path, configText({ global: { concurrent: '"many"' } }));
    await expect(loadConfig(path, { env: testEnv })).rejects.toThrow(
      `could not load config ${path}: 1 problem\n  concurrent: must be an integer, got string "many"`,
    );
  });

  it('refuses a missing file as config_unreadable', async () => {
    const path = join(dir, 'missing.toml');
    const failure = loadConfig(path, { env: testEnv });
    await expect(failure).rejects.toMatchObject({ code: 'config_unreadable', retryable: false });
    await expect(failure).rejects.toThrow(
      `could not read config ${path}: 1 problem\n  could not read file (ENOENT)`,
    );
  });
});

describe('ConfigError.is', () => {
  it('recognises a copy from another package instance by shape and rejects look-alikes', () => {
    const error = new ConfigError('config_invalid', 'x', [{ path: 'a', message: 'b' }]);
    expect(ConfigError.is(error)).toBe(true);
    const copy = Object.assign(new Error(error.message), {
      name: 'ConfigError',
      code: 'config_invalid',
      problems: [],
    });
    expect(ConfigError.is(copy)).toBe(true);
    // structuredClone keeps only name and message of an Error, so the clone is not a ConfigError.
    expect(ConfigError.is(structuredClone(error))).toBe(false);
    expect(ConfigError.is(new Error('x'))).toBe(false);
    expect(ConfigError.is({ name: 'ConfigError', code: 'other', problems: [] })).toBe(false);
  });
});
