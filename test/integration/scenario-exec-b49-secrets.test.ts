// B49 (issue #5): the runner token, a job's token and a masked CI variable never show where
// people or tools can read them: not in the poller's, scaler's or executors' logs (every line
// at debug level), not in Redis beyond the encrypted fields (every key under the test prefix),
// not in EC2 user data or tags, not in any process's arguments while the job runs, and not in
// the trace even when the masked value is written in two halves that land in two PATCHes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { until } from './support/taskfleet-processes';

jest.setTimeout(120_000);

const root = join(__dirname, '..', '..');
const keyPrefix = `it-b49-${process.pid}-${randomBytes(3).toString('hex')}`;
// 24 characters, as GitLab wants of a masked value; its halves are 12 each.
const maskedValue = `B49m${randomBytes(10).toString('hex')}`;
const ciYaml = `
secrets:
  variables:
    GIT_STRATEGY: none
  script:
    - printf '%s' "\${B49_SECRET:0:12}"; sleep 5; printf '%s\\n' "\${B49_SECRET:12}"
    - echo "token length \${#CI_JOB_TOKEN}"
    - sleep 3
    - echo secrets-done
`;

interface Child {
  readonly role: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

/** Every string value stored under `prefix`, whatever the key's type. */
async function redisValues(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let parts: string[] = [];
      if (type === 'string') {
        parts = [(await redis.get(key)) ?? ''];
      } else if (type === 'hash') {
        parts = Object.entries(await redis.hgetall(key)).flat();
      } else if (type === 'list') {
        parts = await redis.lrange(key, 0, -1);
      } else if (type === 'set') {
        parts = await redis.smembers(key);
      } else if (type === 'zset') {
        parts = await redis.zrange(key, 0, -1);
      } else if (type === 'stream') {
        parts = (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
      }
      values.set(key, parts.join('\n'));
    }
  } while (cursor !== '0');
  return values;
}

/** Every process's argument vector on this host (the instances' sshd run here too). */
async function processArguments(): Promise<string> {
  const lines: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (/^\d+$/.test(entry)) {
      const raw = await readFile(join('/proc', entry, 'cmdline'), 'utf8').catch(() => '');
      lines.push(raw.split('\0').join(' '));
    }
  }
  return lines.join('\n');
}

describe('B49 secrets stay secret', () => {
  let world: DemoWorld;
  let configDir: string;
  let redis: Redis;
  let ec2: EC2Client;
  const children: Child[] = [];

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    ec2 = new EC2Client({
      endpoint: world.aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'b49', secretAccessKey: 'b49' },
    });
    configDir = await mkdtemp(join(tmpdir(), 'it-b49-config-'));
    const configPath = join(configDir, 'config.toml');
    const toml = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix });
    // Every line each process can write, so a secret in any of them is seen.
    await writeFile(configPath, toml.replace('log_level = "warn"', 'log_level = "debug"'));
    for (const role of ['executor', 'scaler', 'poller']) {
      const child = spawn(
        process.execPath,
        [
          '--no-warnings',
          join(root, 'cli', 'dist', 'main.js'),
          'run',
          role,
          '--config',
          configPath,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const entry: Child = {
        role,
        process: child,
        stderr: '',
        exited: new Promise(resolve => {
          child.once('exit', code => {
            resolve(code);
          });
        }),
      };
      child.stderr.on('data', (chunk: Buffer) => {
        entry.stderr += chunk.toString('utf8');
      });
      children.push(entry);
    }
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.process.exitCode === null) {
        child.process.kill('SIGKILL');
      }
    }
    await Promise.all(children.map(c => c.exited));
    ec2.destroy();
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(configDir, { recursive: true, force: true });
  });

  it('runner token, job token and masked variable appear nowhere they must not', async () => {
    const sourceDir = await mkdtemp(join(tmpdir(), 'it-b49-project-'));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await world.gitlab.admin.createProject({ path: 'it/b49', sourceDir });
    await rm(sourceDir, { recursive: true, force: true });
    world.gitlab.admin.setVariable(project.id, {
      key: 'B49_SECRET',
      value: maskedValue,
      masked: true,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    const jobId = world.gitlab.admin.getPipeline(pipeline.id).jobs[0]?.id ?? 0;
    const jobToken = world.gitlab.admin.getJob(jobId).token;
    const secrets = { runnerToken: world.runnerToken, jobToken, maskedValue };
    const leaksIn = (text: string): string[] =>
      Object.entries(secrets)
        .filter(([, value]) => value.length > 0 && text.includes(value))
        .map(([name]) => name);

    // While the job runs: its processes, and what the queue and registry hold for it.
    await until(
      'job running on the instance',
      () => world.gitlab.admin.getTrace(jobId).includes('token length'),
      90_000,
    );
    expect(leaksIn(await processArguments())).toEqual([]);
    const during = await redisValues(redis, keyPrefix);
    expect(during.size).toBeGreaterThan(0);
    expect(
      [...during].filter(([, v]) => leaksIn(v).length > 0).map(([k, v]) => [k, leaksIn(v)]),
    ).toEqual([]);

    await until('job final', () => world.gitlab.admin.getJob(jobId).status === 'success', 60_000);
    const trace = world.gitlab.admin.getTrace(jobId);
    expect(trace).toContain('secrets-done');
    expect(trace).toContain('[MASKED]');
    expect(leaksIn(trace)).toEqual([]);
    // The halves were written 5 s apart (longer than a trace interval): neither half shows, and a PATCH
    // ended right where the value starts, so the masker held the first half back across it.
    expect(trace).not.toContain(maskedValue.slice(0, 12));
    expect(trace).not.toContain(maskedValue.slice(12));
    const maskedAt = Buffer.byteLength(trace.slice(0, trace.indexOf('[MASKED]')));
    const patchEnds = world.gitlab.admin
      .listRequests({ jobId, method: 'PATCH' })
      .map(patch => Number((patch.contentRange ?? '').split('-')[1]) + 1);
    expect(patchEnds).toContain(maskedAt);

    const after = await redisValues(redis, keyPrefix);
    expect([...after].filter(([, v]) => leaksIn(v).length > 0).map(([k]) => k)).toEqual([]);
    const reservations = await ec2.send(new DescribeInstancesCommand({}));
    const instances = (reservations.Reservations ?? []).flatMap(r => r.Instances ?? []);
    expect(instances.length).toBeGreaterThan(0);
    expect(leaksIn(JSON.stringify(instances.map(i => i.Tags ?? [])))).toEqual([]);
    // The emulator's whole state: launch templates with their user data, groups, instances, tags.
    const state = await fetch(`${world.aws.adminEndpoint}/state`);
    expect(state.status).toBe(200);
    const stateText = await state.text();
    expect(stateText).toContain(world.groupName);
    expect(leaksIn(stateText)).toEqual([]);

    for (const child of children) {
      child.process.kill('SIGTERM');
    }
    await Promise.all(children.map(c => c.exited));
    for (const child of children) {
      // The logs were written at debug level: each process said something, no secret of it.
      expect([child.role, child.stderr.length > 0, leaksIn(child.stderr)]).toEqual([
        child.role,
        true,
        [],
      ]);
    }
  });
});
