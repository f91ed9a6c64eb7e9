// `taskfleet check` only reads Redis: after it, the runner's key space is as it was. BullMQ's
// Queue writes a `…:meta` hash when it opens; the check opens its queue without that write.
// Real Redis; the group part is the injected checker, since only Redis is under test here.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCheck } from '@taskfleet/cli';
import type { GroupChecker } from '@taskfleet/cli';
import { Redis } from 'ioredis';

const keyPrefix = `it-check-${process.pid}-${randomBytes(3).toString('hex')}`;
const payloadKey = Buffer.alloc(32, 9).toString('base64');
const groupOk: GroupChecker = (_config, runner) =>
  Promise.resolve({ groupName: runner.autoscaler.pluginConfig.groupName, problems: [] });

describe('taskfleet check and Redis', () => {
  let dir: string;
  let redis: Redis;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'it-check-'));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes no key, not even the queue meta hash, for a runner with no queue yet', async () => {
    const path = join(dir, 'config.toml');
    await writeFile(
      path,
      `concurrent = 1
[[runners]]
  name = "fresh"
  url = "https://gitlab.example.com"
  id = 41
  token = "glrt-check-fresh"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    [runners.autoscaler.plugin_config]
      name = "group-fresh"
[taskfleet]
  redis_url = "redis://127.0.0.1:6379"
  key_prefix = "${keyPrefix}"
  payload_encryption_key = "${payloadKey}"
`,
    );
    const lines: string[] = [];
    expect(await runCheck({ configPath: path }, line => lines.push(line), groupOk)).toBe(0);
    expect(lines).toEqual(['runner "fresh" group "group-fresh": ok']);
    expect(await redis.keys(`*${keyPrefix}*`)).toEqual([]);
  });
});
