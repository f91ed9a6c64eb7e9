// Real instances behind the AWS emulator: each is an OpenSSH sshd in its own mount namespace.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'ssh2';

import { createSshdInstanceHost, defaultHostTools } from '../../emulators/aws/src/instances';
import type {
  InstanceLaunchSpec,
  SshdInstanceHost,
  SshdInstanceProcess,
} from '../../emulators/aws/src/instances';
import { ed25519TestKey } from './support/ssh-key';

// The integration project's testTimeout is not applied by Jest 30 (it is a global option), and
// launches on a busy 2-core machine can take a few seconds.
jest.setTimeout(60_000);

const execFileAsync = promisify(execFile);
const launchKey = ed25519TestKey();
const stateRoot = '/var/tmp/taskfleet-emulator-test';
let sequence = 0;

function spec(overrides: Partial<InstanceLaunchSpec> = {}): InstanceLaunchSpec {
  sequence += 1;
  return {
    instanceId: `i-${process.pid.toString(16)}${sequence.toString(16).padStart(8, '0')}`,
    osUser: 'ec2-user',
    authorizedKeys: [launchKey.public],
    sshPort: 22,
    bootMode: 'ok',
    ...overrides,
  };
}

/** Logs in; rejects with ssh2's error when the server refuses or does not answer. */
function login(
  instance: SshdInstanceProcess,
  privateKey: string = launchKey.private,
  readyTimeout = 10_000,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => {
      resolve(client);
    });
    // ssh2 may report a second error while tearing down a failed handshake.
    client.on('error', error => {
      client.end();
      reject(error);
    });
    client.connect({
      host: instance.privateIp,
      port: instance.sshPort,
      username: instance.osUser,
      privateKey,
      readyTimeout,
    });
  });
}

/** Runs a command on an open connection and resolves with its stdout and exit code. */
function run(client: Client, command: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) {
        reject(error);
        return;
      }
      let stdout = '';
      let code = -1;
      channel.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      channel.stderr.resume();
      channel.on('exit', (exitCode: number | null) => {
        code = exitCode ?? -1;
      });
      channel.on('close', () => {
        resolve({ stdout, code });
      });
    });
  });
}

/** Resolves with the promise's value, or 'pending' if it has not settled within `ms`. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>(resolve => {
    timer = setTimeout(() => {
      resolve('pending');
    }, ms);
  });
  try {
    return await Promise.race([promise, pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the connection closes (the server dropped it), bounded by `ms`. */
function closedWithin(client: Client, ms: number): Promise<boolean> {
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      resolve(false);
    }, ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    client.on('error', () => undefined);
  });
}

/** Live (non-zombie) processes as /proc shows them now. */
function liveProcesses(): { pid: number; uid: number; cmdline: string }[] {
  const found = [];
  for (const name of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (!/^State:\s+Z/m.test(status)) {
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
        found.push({
          pid: Number(name),
          uid,
          cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8'),
        });
      }
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

function processesMentioning(text: string): number[] {
  return liveProcesses()
    .filter(entry => entry.cmdline.includes(text))
    .map(entry => entry.pid);
}

function livePidsOfUid(uid: number): number[] {
  return liveProcesses()
    .filter(entry => entry.uid === uid)
    .map(entry => entry.pid);
}

function isLive(pid: number): boolean {
  return liveProcesses().some(entry => entry.pid === pid);
}

describe('sshd instance host', () => {
  let host: SshdInstanceHost;
  const clients: Client[] = [];

  beforeAll(() => {
    host = createSshdInstanceHost({ stateRoot });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) {
      client.end();
    }
  });

  afterAll(async () => {
    await host.close();
  });

  async function open(instance: SshdInstanceProcess, key?: string): Promise<Client> {
    const client = await login(instance, key);
    clients.push(client);
    return client;
  }

  it('gives each instance its own address, uid, home and /tmp', async () => {
    const [a, b] = await Promise.all([host.launch(spec()), host.launch(spec())]);
    try {
      expect(a.privateIp).not.toBe(b.privateIp);
      expect(a.privateIp).toMatch(/^127\.(?!0\.)\d+\.\d+\.\d+$/);
      const clientA = await open(a);
      const clientB = await open(b);

      const idA = await run(clientA, 'id -u; id -un');
      const idB = await run(clientB, 'id -u; id -un');
      const [uidA, userA] = idA.stdout.trim().split('\n');
      const [uidB] = idB.stdout.trim().split('\n');
      expect(userA).toBe('ec2-user');
      expect(uidA).not.toBe('0');
      expect(uidB).not.toBe('0');
      expect(uidA).not.toBe(uidB);
      expect(Number(uidA)).toBe(a.uid);

      await run(clientA, 'echo from-a > ~/note && echo tmp-a > /tmp/a-file && pwd');
      expect(readFileSync(join(a.homeDir, 'note'), 'utf8')).toBe('from-a\n');
      const fromB = await run(clientB, 'cat ~/note; cat /tmp/a-file; ls -A /tmp | wc -l');
      expect(fromB.stdout.trim()).toBe('0');
      // B cannot reach A's home through the host path either.
      const hostPath = await run(clientB, `cat ${join(a.homeDir, 'note')}`);
      expect(hostPath.code).not.toBe(0);
      expect((await run(clientA, 'cat /tmp/a-file')).stdout).toBe('tmp-a\n');
    } finally {
      await Promise.all([a.terminate(), b.terminate()]);
    }
  });

  it('pins the host key for the ssh binary', async () => {
    const instance = await host.launch(spec());
    const dir = await mkdtemp(join(tmpdir(), 'instances-test-'));
    try {
      await writeFile(join(dir, 'id'), launchKey.private, { mode: 0o600 });
      await writeFile(
        join(dir, 'known_hosts'),
        `${instance.privateIp} ${instance.hostPublicKey}\n`,
      );
      const { stdout } = await execFileAsync('ssh', [
        ...['-i', join(dir, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
        ...[
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
        ],
        `${instance.osUser}@${instance.privateIp}`,
        'echo $HOME',
      ]);
      expect(stdout.trim()).toBe('/home/ec2-user');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await instance.terminate();
    }
  });

  it('accepts a temporary key until it is revoked, keeping sessions open', async () => {
    const instance = await host.launch(spec());
    const temporary = ed25519TestKey();
    try {
      await expect(login(instance, temporary.private)).rejects.toThrow(
        /authentication methods failed/,
      );
      const handle = await instance.authorizeTemporaryKey(temporary.public);
      const session = await open(instance, temporary.private);
      await instance.revokeTemporaryKey(handle);
      await expect(login(instance, temporary.private)).rejects.toThrow(
        /authentication methods failed/,
      );
      expect((await run(session, 'echo still-open')).stdout).toBe('still-open\n');
      await expect(
        instance.authorizeTemporaryKey('command="x" ssh-ed25519 AAAA'),
      ).rejects.toMatchObject({
        code: 'invalid_key',
      });
    } finally {
      await instance.terminate();
    }
  });

  it('refuses new logins after killSshd but keeps open sessions', async () => {
    const instance = await host.launch(spec());
    try {
      const session = await open(instance);
      await instance.killSshd();
      await expect(login(instance)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect((await run(session, 'echo alive')).stdout).toBe('alive\n');
    } finally {
      await instance.terminate();
    }
  });

  it('freezes sessions on pause and lets them finish on resume', async () => {
    const instance = await host.launch(spec());
    try {
      const session = await open(instance);
      await instance.pause();
      const result = run(session, 'echo thawed');
      expect(await settledWithin(result, 1000)).toBe('pending');
      await instance.resume();
      expect(await settledWithin(result, 10_000)).toEqual({ stdout: 'thawed\n', code: 0 });
    } finally {
      await instance.terminate();
    }
  });

  it('drops open sessions and removes the home on terminate', async () => {
    const instance = await host.launch(spec());
    const session = await open(instance);
    const background = await run(session, 'nohup sleep 300 >/dev/null 2>&1 & echo started');
    expect(background.stdout).toBe('started\n');
    expect(instance.processIds().length).toBeGreaterThan(1);
    expect(livePidsOfUid(instance.uid).length).toBeGreaterThan(0);
    const closed = closedWithin(session, 5000);
    await instance.terminate();
    expect(await closed).toBe(true);
    expect(existsSync(instance.homeDir)).toBe(false);
    expect(livePidsOfUid(instance.uid)).toEqual([]);
    await instance.terminate();
    await expect(instance.pause()).rejects.toMatchObject({ code: 'instance_terminated' });
  });

  it('terminates a paused instance', async () => {
    const instance = await host.launch(spec());
    const session = await open(instance);
    await instance.pause();
    const closed = closedWithin(session, 5000);
    await instance.terminate();
    expect(await closed).toBe(true);
    expect(livePidsOfUid(instance.uid)).toEqual([]);
  });

  it('accepts TCP but never answers SSH in never-answers mode', async () => {
    const instance = await host.launch(spec({ bootMode: 'never-answers' }));
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connectTcp({ host: instance.privateIp, port: instance.sshPort }, () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
      await expect(login(instance, launchKey.private, 1000)).rejects.toThrow(/Timed out/);
    } finally {
      await instance.terminate();
    }
  });

  it('leaves no process or file behind on close', async () => {
    const own = createSshdInstanceHost({ stateRoot });
    const instance = await own.launch(spec());
    const session = await login(instance);
    await run(session, 'nohup sleep 300 >/dev/null 2>&1 &');
    const pids = instance.processIds();
    expect(processesMentioning(own.stateDir).length).toBeGreaterThan(0);
    await own.close();
    session.end();
    expect(processesMentioning(own.stateDir)).toEqual([]);
    expect(pids.filter(isLive)).toEqual([]);
    expect(existsSync(own.stateDir)).toBe(false);
    await expect(own.launch(spec())).rejects.toMatchObject({ code: 'host_closed' });
  });
});

describe('sshd instance host failures', () => {
  it('refuses a state root that the instances would hide', () => {
    expect(() => createSshdInstanceHost({ stateRoot: '/tmp/instances' })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it('names why a launch failed and leaves nothing behind', async () => {
    const host = createSshdInstanceHost({ stateRoot, readyTimeoutMs: 1 });
    try {
      await expect(host.launch(spec())).rejects.toMatchObject({ code: 'ready_timeout' });
      await expect(host.launch(spec({ osUser: 'sshd' }))).rejects.toMatchObject({
        code: 'invalid_spec',
      });
      await expect(host.launch(spec({ authorizedKeys: ['no key'] }))).rejects.toMatchObject({
        code: 'invalid_spec',
      });
      expect(readdirSync(host.stateDir).filter(name => name !== 'owner')).toEqual([]);
      expect(processesMentioning(host.stateDir)).toEqual([]);
    } finally {
      await host.close();
    }
    const broken = createSshdInstanceHost({
      stateRoot,
      tools: { ...defaultHostTools, sshdPath: '/bin/false' },
    });
    try {
      await expect(broken.launch(spec())).rejects.toMatchObject({ code: 'spawn_failed' });
    } finally {
      await broken.close();
    }
  });

  it('sweeps the instances of a host whose process died without closing it', async () => {
    const crashed = createSshdInstanceHost({ stateRoot });
    const orphan = await crashed.launch(spec());
    const session = await login(orphan);
    await run(session, 'nohup sleep 300 >/dev/null 2>&1 &');
    const orphanPids = orphan.processIds();
    // Pretend the owner was a process that has since exited (pid 1 never has start time 0).
    await writeFile(join(crashed.stateDir, 'owner'), '1 0\n');
    const sessionClosed = closedWithin(session, 5000);
    const survivor = createSshdInstanceHost({ stateRoot });
    try {
      const fresh = await survivor.launch(spec());
      expect(await sessionClosed).toBe(true);
      expect(orphanPids.filter(isLive)).toEqual([]);
      expect(existsSync(crashed.stateDir)).toBe(false);
      expect((await run(await login(fresh), 'echo fine')).stdout).toBe('fine\n');
    } finally {
      session.end();
      await Promise.all([survivor.close(), crashed.close()]);
    }
  });
});
