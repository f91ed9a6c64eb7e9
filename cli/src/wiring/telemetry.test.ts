import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';

import { parseConfig } from '@taskfleet/config';
import { pino } from 'pino';

import { withRunOverrides } from '../commands/run-options';
import { startProcessTelemetry } from './telemetry';

function configListeningOn(port: number) {
  return parseConfig(
    `concurrent = 1
listen_address = "127.0.0.1:${port}"
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
  ).config;
}

describe('the telemetry listener of a second role on one host', () => {
  let other: Server;
  let port: number;

  beforeEach(async () => {
    // Stands in for the first `taskfleet run` on the host, holding listen_address.
    other = createServer();
    await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve));
    port = (other.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await new Promise(resolve => other.close(resolve));
  });

  it('fails with an error that says how to give each role its own port', async () => {
    const logger = pino({ enabled: false });
    await expect(
      startProcessTelemetry({ config: configListeningOn(port), checks: [], logger }),
    ).rejects.toMatchObject({
      code: 'address_in_use',
      message: expect.stringContaining(
        `could not listen on 127.0.0.1:${port} (EADDRINUSE): another process listens there`,
      ) as unknown,
    });
    await expect(
      startProcessTelemetry({ config: configListeningOn(port), checks: [], logger }),
    ).rejects.toThrow('pass --listen-address HOST:PORT (or off) per role');
  });

  it('starts on the port --listen-address gives instead', async () => {
    const config = withRunOverrides(configListeningOn(port), {
      role: 'scaler',
      configPath: 'c.toml',
      listenAddress: { host: '127.0.0.1', port: 0 },
    });
    const telemetry = await startProcessTelemetry({
      config,
      checks: [],
      logger: pino({ enabled: false }),
    });
    expect(telemetry.server?.port).not.toBe(port);
    expect(telemetry.server?.port).toBeGreaterThan(0);
    await telemetry.close();
  });
});

describe('withRunOverrides', () => {
  it('replaces the config listen_address for this process only', () => {
    const config = configListeningOn(9252);
    const options = { role: 'scaler', configPath: 'c.toml' } as const;
    expect(withRunOverrides(config, options)).toBe(config);
    const moved = withRunOverrides(config, { ...options, listenAddress: { host: '', port: 9253 } });
    expect(moved.listenAddress).toEqual({ host: '', port: 9253 });
    expect(Object.isFrozen(moved)).toBe(true);
    expect(withRunOverrides(config, { ...options, listenAddress: null }).listenAddress).toBeNull();
  });
});
