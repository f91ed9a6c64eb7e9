import { parseConfig } from '@taskfleet/config';
import type { Config, RunnerConfig } from '@taskfleet/config';

import { awsEndpointOf, errnoOf } from './aws-check';

const env = { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

function loaded(taskfleet: string, region = ''): { config: Config; runner: RunnerConfig } {
  const text = `
concurrent = 1
[[runners]]
  url = "https://gitlab.example.com"
  token = "glrt-one"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "asg-linux"
      ${region}
[taskfleet]
${taskfleet}
`;
  const config = parseConfig(text, { env }).config;
  const runner = config.runners[0];
  if (runner === undefined) {
    throw new Error('no runner');
  }
  return { config, runner };
}

describe('awsEndpointOf', () => {
  it('names the configured endpoint, else the regional Auto Scaling one', () => {
    const emulator = loaded('aws_endpoint_url = "http://127.0.0.1:4566"');
    expect(awsEndpointOf(emulator.config, emulator.runner)).toBe('http://127.0.0.1:4566');
    const real = loaded('', 'region = "eu-west-1"');
    expect(awsEndpointOf(real.config, real.runner)).toBe(
      'https://autoscaling.eu-west-1.amazonaws.com',
    );
    const unknown = loaded('');
    expect(awsEndpointOf(unknown.config, unknown.runner)).toBe("AWS's default endpoint");
  });
});

describe('errnoOf', () => {
  it('finds the errno along the cause chain, else the first code or name', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const wrapped = Object.assign(new Error('could not describe', { cause: refused }), {
      code: 'provider_unavailable',
    });
    expect(errnoOf(wrapped)).toBe('ECONNREFUSED');
    expect(errnoOf(Object.assign(new Error('x'), { code: 'provider_unavailable' }))).toBe(
      'provider_unavailable',
    );
    const named = new Error('x');
    named.name = 'TimeoutError';
    expect(errnoOf(named)).toBe('TimeoutError');
    expect(errnoOf('text')).toBe('string');
  });
});
