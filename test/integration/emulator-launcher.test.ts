import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
} from '@aws-sdk/client-ec2';

import { createAwsSdkClients } from './support/aws-sdk-clients';
import { findFreePort } from './support/free-port';
import { linuxImageId } from './support/scenario-names';
import { waitForInService } from './support/wait-for-lifecycle-state';

const repoRoot = join(__dirname, '..', '..');
const mainJs = join(repoRoot, 'emulators', 'launcher', 'dist', 'main.js');
const readyBoundMs = 60_000;
const exitBoundMs = 30_000;
const loopbackUrl = /^http:\/\/127\.0\.0\.1:\d+$/;

type Launcher = ChildProcessByStdio<null, Readable, Readable>;

interface Started {
  readonly child: Launcher;
  readonly urls: {
    aws: { endpoint: string; admin: string };
    gitlab: { url: string; admin: string };
  };
  readonly stdout: () => string;
  readonly stderr: () => string;
}

const children = new Set<Launcher>();

afterEach(() => {
  // A failed assertion must not leave a launcher (and its sshd instances) running.
  for (const child of children) {
    child.kill('SIGKILL');
  }
  children.clear();
});

function launch(args: string[]): { child: Launcher; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [mainJs, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

async function start(args: string[]): Promise<Started> {
  const launched = launch(args);
  const deadline = Date.now() + readyBoundMs;
  while (!launched.stdout().includes('\n')) {
    if (launched.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`launcher did not print its URLs; stderr:\n${launched.stderr()}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const urls = JSON.parse(launched.stdout().split('\n')[0]!) as Started['urls'];
  return { ...launched, urls };
}

async function stopWith(
  child: Launcher,
  signal: NodeJS.Signals,
  repeatAfterMs?: number,
): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill(signal);
  if (repeatAfterMs !== undefined) {
    // One Ctrl-C under npm: the terminal signals the group, npm forwards it again.
    await new Promise(resolve => setTimeout(resolve, repeatAfterMs));
    child.kill(signal);
  }
  const bound = new Promise<never>((_, reject) =>
    setTimeout(() => {
      reject(new Error(`launcher did not exit within ${exitBoundMs} ms`));
    }, exitBoundMs).unref(),
  );
  const [code] = await Promise.race([exited, bound]);
  children.delete(child);
  return code;
}

async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise(resolve => {
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () =>
      server.close(() => {
        resolve(true);
      }),
    );
  });
}

/** The first bytes sshd sends (its banner), or the connection error's code. */
async function sshAnswer(host: string, port: number): Promise<string> {
  return new Promise(resolve => {
    const socket = connect({ host, port });
    const done = (answer: string): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(5_000, () => {
      done('timeout');
    });
    socket.once('data', (chunk: Buffer) => {
      done(chunk.toString('latin1'));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      done(error.code ?? 'error');
    });
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('npm run emulators', () => {
  it('prints one JSON line, serves both APIs and exits 0 on SIGTERM', async () => {
    const { child, urls, stdout, stderr } = await start(['--aws-port', '0', '--gitlab-port', '0']);

    expect(urls).toEqual({
      aws: {
        endpoint: expect.stringMatching(loopbackUrl),
        admin: expect.stringMatching(loopbackUrl),
      },
      gitlab: {
        url: expect.stringMatching(loopbackUrl),
        admin: expect.stringMatching(loopbackUrl),
      },
    });
    const clients = createAwsSdkClients(urls.aws.endpoint);
    try {
      const groups = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
      expect(groups.AutoScalingGroups).toEqual([]);
    } finally {
      clients.destroy();
    }
    const verify = await fetch(`${urls.gitlab.url}/api/v4/runners/verify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: 'glrt-not-a-runner-token' }),
    });
    expect(verify.status).toBe(403);
    for (const admin of [urls.aws.admin, urls.gitlab.admin]) {
      // Any HTTP answer proves a server is there; routes are the emulators' own tests' business.
      const reply = await fetch(admin);
      expect(reply.status).toBeGreaterThanOrEqual(200);
      await reply.body?.cancel();
    }

    expect(await stopWith(child, 'SIGTERM')).toBe(0);
    expect(stdout().split('\n')).toEqual([JSON.stringify(urls), '']);
    const logs = stderr()
      .split('\n')
      .filter(line => line !== '')
      .map(line => JSON.parse(line) as { msg: string });
    expect(logs.map(entry => entry.msg)).toEqual(
      expect.arrayContaining(['emulators ready', 'stopping emulators', 'emulators stopped']),
    );
    for (const url of [urls.aws.endpoint, urls.aws.admin, urls.gitlab.url, urls.gitlab.admin]) {
      expect(await isPortFree(portOf(url))).toBe(true);
    }
  });

  it('listens on the ports it is given and stops on SIGINT', async () => {
    const ports = [
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
    ];
    const { child, urls } = await start([
      '--aws-port',
      String(ports[0]),
      '--aws-admin-port',
      String(ports[1]),
      '--gitlab-port',
      String(ports[2]),
      '--gitlab-admin-port',
      String(ports[3]),
      '--log-level',
      'silent',
    ]);

    expect(
      [urls.aws.endpoint, urls.aws.admin, urls.gitlab.url, urls.gitlab.admin].map(portOf),
    ).toEqual(ports);
    expect(await stopWith(child, 'SIGINT')).toBe(0);
  });

  it('takes two SIGINTs 50 ms apart as one stop and closes cleanly', async () => {
    const ports = [
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
    ];
    const { child, stderr } = await start([
      '--aws-port',
      String(ports[0]),
      '--aws-admin-port',
      String(ports[1]),
      '--gitlab-port',
      String(ports[2]),
      '--gitlab-admin-port',
      String(ports[3]),
      '--log-level',
      'info',
    ]);

    expect(await stopWith(child, 'SIGINT', 50)).toBe(0);
    expect(stderr()).not.toContain('second signal');
  });

  it('exits 1 and says why when a port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const taken = (blocker.address() as { port: number }).port;
    try {
      const { child, stdout, stderr } = launch(['--gitlab-port', String(taken)]);
      const [code] = (await once(child, 'exit')) as [number | null];
      children.delete(child);

      expect(code).toBe(1);
      expect(stdout()).toBe('');
      expect(stderr()).toContain('could not start the emulators');
    } finally {
      blocker.close();
    }
  });

  it('refuses a bad option before starting anything', async () => {
    const { child, stdout, stderr } = launch(['--aws-port', 'x']);
    const [code] = (await once(child, 'exit')) as [number | null];
    children.delete(child);

    expect(code).toBe(1);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('--aws-port');
  });

  it('keeps its files in --state-dir and terminates every instance when it stops', async () => {
    // Not under /tmp: the instances' private mount namespaces hide it.
    await mkdir('/var/tmp', { recursive: true });
    const stateDir = await mkdtemp('/var/tmp/taskfleet-launcher-test-');
    try {
      await runInstanceScenario(stateDir);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

async function runInstanceScenario(stateDir: string): Promise<void> {
  const { child, urls } = await start(['--log-level', 'warn', '--state-dir', stateDir]);
  const sourceDir = join(stateDir, 'source');
  await mkdir(sourceDir);
  await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'job:\n  script: [echo hi]\n');
  const project = await fetch(`${urls.gitlab.admin}/projects`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ path: 'launcher/project', sourceDir }),
  });
  expect(project.status).toBe(201);
  expect(existsSync(join(stateDir, 'gitlab', 'repositories', 'launcher', 'project.git'))).toBe(
    true,
  );
  const clients = createAwsSdkClients(urls.aws.endpoint);
  const suffix = `launcher-${process.pid}`;
  let privateIp: string;
  try {
    await clients.ec2.send(new CreateKeyPairCommand({ KeyName: `kp-${suffix}` }));
    await clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `lt-${suffix}`,
        LaunchTemplateData: {
          ImageId: linuxImageId,
          InstanceType: 't3.micro',
          KeyName: `kp-${suffix}`,
        },
      }),
    );
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: `asg-${suffix}`,
        LaunchTemplate: { LaunchTemplateName: `lt-${suffix}`, Version: '$Latest' },
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 1,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    const [instanceId] = await waitForInService(clients.autoScaling, `asg-${suffix}`, 1, 30_000);
    const described = await clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [instanceId!] }),
    );
    privateIp = described.Reservations?.[0]?.Instances?.[0]?.PrivateIpAddress ?? '';
  } finally {
    clients.destroy();
  }
  expect(await sshAnswer(privateIp, 22)).toMatch(/^SSH-2\.0-/);
  expect(readdirSync(join(stateDir, 'aws'))).toHaveLength(1);

  expect(await stopWith(child, 'SIGTERM')).toBe(0);

  expect(await sshAnswer(privateIp, 22)).toBe('ECONNREFUSED');
  // The instance host removes its own directory once every instance is gone.
  expect(readdirSync(join(stateDir, 'aws'))).toEqual([]);
}
