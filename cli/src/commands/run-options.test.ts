import { parseConfig } from '@taskfleet/config';

import { parseListenAddressOption, withRunOverrides } from './run-options';

describe('--listen-address', () => {
  it.each([
    ['127.0.0.1:9252', { host: '127.0.0.1', port: 9252 }],
    [':9253', { host: '', port: 9253 }],
    ['[::1]:9254', { host: '::1', port: 9254 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['off', null],
  ])('reads %s', (text, expected) => {
    expect(parseListenAddressOption(text)).toEqual(expected);
  });

  it.each(['9252', '127.0.0.1:', '127.0.0.1:70000', '::1:9252', 'host:port'])(
    'refuses %s',
    text => {
      expect(() => parseListenAddressOption(text)).toThrow('expected "host:port"');
    },
  );

  it('replaces the config listen_address for this process only', () => {
    const { config } = parseConfig(
      `concurrent = 1
listen_address = "127.0.0.1:9252"
[[runners]]
  url = "https://gitlab.example.com"
  token = "glrt-x"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "asg"
`,
      { env: { TASKFLEET_PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') } },
    );
    const options = { role: 'scaler', configPath: 'c.toml' } as const;
    expect(withRunOverrides(config, options)).toBe(config);
    const moved = withRunOverrides(config, { ...options, listenAddress: { host: '', port: 9253 } });
    expect(moved.listenAddress).toEqual({ host: '', port: 9253 });
    expect(Object.isFrozen(moved)).toBe(true);
    expect(withRunOverrides(config, { ...options, listenAddress: null }).listenAddress).toBeNull();
  });
});
