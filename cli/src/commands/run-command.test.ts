import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { configErrorExitCode, runServices } from './run-command';

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
