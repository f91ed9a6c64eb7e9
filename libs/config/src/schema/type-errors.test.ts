import { ConfigError, parseConfig } from '../index';
import type { ConfigTextParts } from '../testing/config-text';
import { configText, testEnv } from '../testing/config-text';

function problems(parts: ConfigTextParts): string[] {
  try {
    parseConfig(configText(parts), { env: testEnv, localTimeZone: 'UTC' });
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  return [];
}

describe('TOML type errors name the key, the expected type and what was written', () => {
  it.each<[string, ConfigTextParts, string]>([
    [
      'concurrent as a string',
      { global: { concurrent: '"4"' } },
      'concurrent: must be an integer, got string "4"',
    ],
    [
      'concurrent as a float',
      { global: { concurrent: '4.0' } },
      'concurrent: must be an integer, got float 4',
    ],
    ['concurrent missing', { global: { concurrent: undefined } }, 'concurrent: is required'],
    ['concurrent zero', { global: { concurrent: '0' } }, 'concurrent: must be 1 or more, got 0'],
    [
      'check_interval as a duration',
      { global: { check_interval: '"3s"' } },
      'check_interval: must be an integer, got string "3s"',
    ],
    [
      'check_interval negative',
      { global: { check_interval: '-1' } },
      'check_interval: must be 0 or more, got -1',
    ],
    [
      'log_level unknown',
      { global: { log_level: '"verbose"' } },
      'log_level: must be one of "debug", "info", "warn", "error", "fatal", "panic", got "verbose"',
    ],
    [
      'log_format unknown',
      { global: { log_format: '"xml"' } },
      'log_format: must be one of "runner", "text", "json", got string "xml"',
    ],
    [
      'listen_address without port',
      { global: { listen_address: '"localhost"' } },
      'listen_address: must be "host:port" or ":port", got "localhost"',
    ],
    [
      'listen_address port too big',
      { global: { listen_address: '":70000"' } },
      'listen_address: must be "host:port" or ":port", got ":70000"',
    ],
    ['url missing', { runner: { url: undefined } }, 'runners[0].url: is required'],
    [
      'token as a number',
      { runner: { token: '12345' } },
      'runners[0].token: must be a string, got a number',
    ],
    ['token empty', { runner: { token: '""' } }, 'runners[0].token: must not be empty'],
    ['id negative', { runner: { id: '-3' } }, 'runners[0].id: must be 0 or more, got -3'],
    ['limit negative', { runner: { limit: '-1' } }, 'runners[0].limit: must be 0 or more, got -1'],
    [
      'executor missing',
      { runner: { executor: undefined } },
      'runners[0].executor: is required: set executor = "instance"',
    ],
    [
      'executor shell',
      { runner: { executor: '"shell"', name: '"r1"' } },
      'runners[0].executor: unsupported executor "shell" for runner "r1": taskfleet runs jobs with executor = "instance" only',
    ],
    [
      'executor docker+machine',
      { runner: { executor: '"docker+machine"' } },
      'runners[0].executor: unsupported executor "docker+machine": taskfleet runs jobs with executor = "instance" only',
    ],
    [
      'shell pwsh',
      { runner: { shell: '"pwsh"' } },
      'runners[0].shell: must be one of "bash", "sh", got string "pwsh"',
    ],
    [
      'environment not an array',
      { runner: { environment: '"A=1"' } },
      'runners[0].environment: must be an array of strings, got string "A=1"',
    ],
    [
      'environment entry without =',
      { runner: { environment: '["A=1", "NOVALUE"]' } },
      'runners[0].environment[1]: must be "NAME=value" with NAME made of letters, digits and _, got "NOVALUE"',
    ],
    [
      'environment entry of a number',
      { runner: { environment: '["A=1", 2]' } },
      'runners[0].environment[1]: must be a string, got integer 2',
    ],
    [
      'output_limit as a string',
      { runner: { output_limit: '"4MB"' } },
      'runners[0].output_limit: must be an integer, got string "4MB"',
    ],
    [
      'plugin missing',
      { autoscaler: { plugin: undefined } },
      'runners[0].autoscaler.plugin: is required',
    ],
    [
      'max_instances as a float',
      { autoscaler: { max_instances: '2.5' } },
      'runners[0].autoscaler.max_instances: must be an integer, got float 2.5',
    ],
    [
      'idle duration as an integer',
      { tail: '[[runners.autoscaler.policy]]\nidle_time = 300' },
      'runners[0].autoscaler.policy[0].idle_time: must be a Go duration string such as "30s", got integer 300 (a unit is required)',
    ],
    [
      'negative duration',
      { autoscaler: { instance_acquire_timeout: '"-1s"' } },
      'runners[0].autoscaler.instance_acquire_timeout: must not be negative, got "-1s"',
    ],
    [
      'bad duration',
      { autoscaler: { update_interval_when_expecting: '"2 s"' } },
      'runners[0].autoscaler.update_interval_when_expecting: invalid duration "2 s": unknown unit " s" (use ns, us, ms, s, m or h)',
    ],
    [
      'boolean as a string',
      { autoscaler: { delete_instances_on_shutdown: '"yes"' } },
      'runners[0].autoscaler.delete_instances_on_shutdown: must be true or false, got string "yes"',
    ],
    [
      'buckets descending',
      { autoscaler: { instance_creation_time_buckets: '[10, 5]' } },
      'runners[0].autoscaler.instance_creation_time_buckets: must be in strictly ascending order',
    ],
    [
      'scale_factor negative',
      { tail: '[[runners.autoscaler.policy]]\nscale_factor = -0.5' },
      'runners[0].autoscaler.policy[0].scale_factor: must be 0 or more, got -0.5',
    ],
    [
      'policy as a single table',
      { tail: '[runners.autoscaler.policy]\nidle_count = 1' },
      'runners[0].autoscaler.policy: must be an array of tables ([[runners.autoscaler.policy]]), got a table',
    ],
    [
      'plugin_config name missing',
      { pluginConfig: { name: undefined } },
      'runners[0].autoscaler.plugin_config.name: is required',
    ],
    [
      'protocol_port too big',
      { tail: '[runners.autoscaler.connector_config]\nprotocol_port = 65536' },
      'runners[0].autoscaler.connector_config.protocol_port: must be from 0 to 65535, got 65536',
    ],
    [
      'password as a number',
      { tail: '[runners.autoscaler.connector_config]\npassword = 1234' },
      'runners[0].autoscaler.connector_config.password: must be a string, got a number',
    ],
    [
      'scale_throttle limit below -1',
      { tail: '[runners.autoscaler.scale_throttle]\nlimit = -2' },
      'runners[0].autoscaler.scale_throttle.limit: must be -1 or more, got -2',
    ],
  ])('%s', (_name, parts, expected) => {
    expect(problems(parts)).toEqual(expected === '' ? [] : [expected]);
  });

  it('refuses [runners] written as a single table', () => {
    const text = 'concurrent = 1\n[runners]\nurl = "https://gitlab.example.com"';
    expect(() => parseConfig(text, { env: testEnv })).toThrow(
      'runners: must be an array of tables ([[runners]]), got a table',
    );
  });

  it('refuses a file without runners', () => {
    expect(() => parseConfig('concurrent = 1', { env: testEnv })).toThrow(
      'runners: is required: add at least one [[runners]] entry',
    );
  });

  it('refuses a runner without an autoscaler table', () => {
    const text =
      'concurrent = 1\n[[runners]]\nurl = "https://gitlab.example.com"\ntoken = "t"\nexecutor = "instance"';
    expect(() => parseConfig(text, { env: testEnv })).toThrow(
      'runners[0].autoscaler: is required: add a [runners.autoscaler] table for the Auto Scaling group',
    );
  });
});
