import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { loadConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';
import { pino } from 'pino';

import { startProcessTelemetry } from '../wiring/telemetry';
import { reloadConfig } from './reload-config';
import { withRunOverrides } from './run-options';

const key = Buffer.alloc(32, 7).toString('base64');

function configToml(input: {
  token: string;
  idleCount: number;
  checkInterval: number;
  listen?: string;
}): string {
  return `
concurrent = 4
${input.listen === undefined ? '' : `listen_address = "${input.listen}"`}
check_interval = ${input.checkInterval}
[[runners]]
  name = "one"
  url = "https://gitlab.example.com"
  id = 7
  token = "${input.token}"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "asg-one"
    [[runners.autoscaler.policy]]
      idle_count = ${input.idleCount}
[taskfleet]
  payload_encryption_key = "${key}"
`;
}

describe('reloadConfig (SIGHUP)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-reload-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says which keys changed in "config reloaded", with no secret value', async () => {
    const path = join(dir, 'config.toml');
    await writeFile(path, configToml({ token: 'glrt-old-0123', idleCount: 1, checkInterval: 3 }));
    const { config: current } = await loadConfig(path);
    const chunks: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const telemetry = await startProcessTelemetry({ config: current, checks: [], logger });
    await writeFile(path, configToml({ token: 'glrt-new-4567', idleCount: 2, checkInterval: 5 }));
    const next = await reloadConfig({ configPath: path, current, services: [], telemetry, logger });
    await telemetry.close();
    expect(next.checkIntervalMs).toBe(5_000);
    const entries = chunks
      .join('')
      .split('\n')
      .filter(line => line !== '')
      .map(line => JSON.parse(line) as Record<string, unknown>);
    const reloaded = entries.find(entry => entry.msg === 'config reloaded');
    expect(reloaded?.changed).toEqual([
      'checkIntervalMs',
      'runners[0].token',
      'runners[0].autoscaler.policies[0].idleCount',
    ]);
    expect(chunks.join('')).not.toMatch(/glrt-(old|new)/);
  });

  it('keeps --listen-address over the file on reload, so the file port is no change', async () => {
    const path = join(dir, 'config.toml');
    const file = { token: 'glrt-a', idleCount: 1, checkInterval: 3, listen: '127.0.0.1:9252' };
    await writeFile(path, configToml(file));
    const override = (config: Config): Config =>
      withRunOverrides(config, {
        role: 'scaler',
        configPath: path,
        listenAddress: { host: '127.0.0.1', port: 0 },
      });
    const current = override((await loadConfig(path)).config);
    const logger = pino({ enabled: false });
    const telemetry = await startProcessTelemetry({ config: current, checks: [], logger });
    await writeFile(path, configToml({ ...file, idleCount: 2 }));
    const reload = (withOverride: boolean) =>
      reloadConfig({
        configPath: path,
        current,
        ...(withOverride ? { override } : {}),
        services: [],
        telemetry,
        logger,
      });
    // Without the override the file's listen_address reads as a change that needs a restart.
    expect(await reload(false)).toBe(current);
    const next = await reload(true);
    await telemetry.close();
    expect(next).not.toBe(current);
    expect(next.listenAddress).toEqual({ host: '127.0.0.1', port: 0 });
    expect(next.runners[0]?.autoscaler.policies[0]?.idleCount).toBe(2);
  });
});
