import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';

import { configErrorExitCode, runServices, waitingLogger } from './run-command';

// Four independent mistakes (one in [taskfleet]); Redis points at a closed port, so starting anything would throw.
const badConfig = `
concurrent = "ten"
check_interval = 3

[[runners]]
  name = "broken"
  url = "not a url"
  token = "glrt-x"
  executor = "docker"
  [runners.autoscaler]
    plugin = "aws"
    capacity_per_instance = 0
    [runners.autoscaler.plugin_config]
      name = "group"

[taskfleet]
  redis_url = "redis://127.0.0.1:1"
  key_prefix = "bad {prefix}"
  payload_encryption_key = "${Buffer.alloc(32, 7).toString('base64')}"
`;

describe('taskfleet run with a bad config', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-run-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every problem at once, exits 2 and starts nothing', async () => {
    const path = join(dir, 'config.toml');
    await writeFile(path, badConfig);
    const lines: string[] = [];
    const code = await runServices({ role: 'all', configPath: path }, line => lines.push(line));
    expect(code).toBe(configErrorExitCode);
    const text = lines.join('\n');
    expect(text).toMatch(/could not load config .*config\.toml: 4 problems/);
    for (const key of ['concurrent', 'url', 'executor', 'key_prefix']) {
      expect(text).toContain(key);
    }
  });

  it('reports an unreadable file the same way', async () => {
    const lines: string[] = [];
    const code = await runServices({ role: 'poller', configPath: join(dir, 'missing.toml') }, l =>
      lines.push(l),
    );
    expect(code).toBe(configErrorExitCode);
    expect(lines.join('\n')).toContain('could not read file (ENOENT)');
  });
});

describe('the start-up gate warning', () => {
  it('warns when the missing set changes and again every 30 s while it stays', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { base: undefined, timestamp: false },
      {
        write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
      },
    );
    let nowMs = 0;
    const onWaiting = waitingLogger(logger, () => nowMs);
    const redisDown = {
      ready: false,
      checks: [{ name: 'redis', ok: false, reason: 'could not reach redis (ECONNREFUSED)' }],
    };
    for (const at of [0, 1_000, 29_000, 30_000, 45_000, 60_000]) {
      nowMs = at;
      onWaiting(redisDown);
    }
    nowMs = 61_000;
    onWaiting({
      ready: false,
      checks: [...redisDown.checks, { name: 'ssh_key /k', ok: false, reason: 'ENOENT' }],
    });
    expect(lines.map(l => [l.msg, l.waitingForMs, (l.missing as unknown[]).length])).toEqual([
      ['waiting for dependencies', 0, 1],
      ['waiting for dependencies', 30_000, 1],
      ['waiting for dependencies', 60_000, 1],
      ['waiting for dependencies', 0, 2],
    ]);
  });
});
