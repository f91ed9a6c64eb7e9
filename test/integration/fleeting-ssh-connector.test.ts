// The SSH connector of libs/fleeting against real OpenSSH sshd instances from the AWS emulator.
import { readFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import type { Server, Socket } from 'node:net';
import { PassThrough } from 'node:stream';

import { FleetingError, dial } from '@taskfleet/fleeting';
import type { ConnectInfo, DialOptions, SshConnection } from '@taskfleet/fleeting';
import { pino } from 'pino';

// Tests may reach into the emulator's source; product code never does.
import { createSshdInstanceHost } from '../../emulators/aws/src/instances';
import type {
  InstanceLaunchSpec,
  SshdInstanceHost,
  SshdInstanceProcess,
} from '../../emulators/aws/src/instances';
import { ed25519TestKey } from './support/ssh-key';

jest.setTimeout(60_000);

const stateRoot = '/var/tmp/taskfleet-fleeting-ssh-test';
const loginKey = ed25519TestKey();
const dialDefaults = {
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 1_000,
  keepaliveCountMax: 3,
} satisfies DialOptions;
let sequence = 0;

function spec(overrides: Partial<InstanceLaunchSpec> = {}): InstanceLaunchSpec {
  sequence += 1;
  return {
    instanceId: `i-f${process.pid.toString(16)}${sequence.toString(16).padStart(8, '0')}`,
    osUser: 'ec2-user',
    authorizedKeys: [loginKey.public],
    sshPort: 22,
    bootMode: 'ok',
    ...overrides,
  };
}

function infoFor(instance: SshdInstanceProcess, overrides: Partial<ConnectInfo> = {}): ConnectInfo {
  return {
    id: instance.instanceId,
    internalAddr: instance.privateIp,
    os: 'linux',
    arch: 'amd64',
    protocol: 'ssh',
    protocolPort: instance.sshPort,
    username: instance.osUser,
    key: Buffer.from(loginKey.private),
    ...overrides,
  };
}

/** The command lines of the instance's live processes. */
function commandLines(instance: SshdInstanceProcess): string[] {
  const found: string[] = [];
  for (const pid of instance.processIds()) {
    try {
      found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Polls `check` every 50 ms until it holds or `boundMs` passes; returns whether it held. */
async function eventually(check: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return true;
}

/** Resolves with the rejection of `promise` (failing the test if it resolves) and its delay. */
async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ error: unknown; afterMs: number }> {
  const startedAt = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, afterMs: Date.now() - startedAt };
  }
  throw new Error('expected a rejection');
}

/** A port on 127.0.0.1 that nothing listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise(resolve => probe.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

/** A TCP forwarder from 127.0.0.1:port to the instance's sshd. */
async function forward(port: number, instance: SshdInstanceProcess): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer(inbound => {
    const outbound = connectTcp(instance.sshPort, instance.privateIp);
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  server.on('close', () => {
    for (const socket of sockets) {
      socket.destroy();
    }
  });
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Collects a stream of chunks as text, remembering how many chunks came. */
function collector(): { sink: (chunk: Buffer) => void; text: () => string; chunks: () => number } {
  const parts: Buffer[] = [];
  return {
    sink: chunk => {
      parts.push(chunk);
    },
    text: () => Buffer.concat(parts).toString('utf8'),
    chunks: () => parts.length,
  };
}

describe('fleeting SSH connector against real sshd', () => {
  let host: SshdInstanceHost;
  let shared: SshdInstanceProcess;
  let connection: SshConnection;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    host = createSshdInstanceHost({ stateRoot });
    shared = await host.launch(spec());
    connection = await dial(infoFor(shared), dialDefaults);
  });

  afterEach(async () => {
    await Promise.allSettled(cleanups.splice(0).map(cleanup => cleanup()));
  });

  afterAll(async () => {
    await connection.close();
    await host.close();
  });

  /** Launches a throw-away instance, terminated after the test. */
  async function launchOwn(
    overrides: Partial<InstanceLaunchSpec> = {},
  ): Promise<SshdInstanceProcess> {
    const instance = await host.launch(spec(overrides));
    cleanups.push(() => instance.terminate());
    return instance;
  }

  async function dialOwn(
    info: ConnectInfo,
    options: Partial<DialOptions> = {},
  ): Promise<SshConnection> {
    const own = await dial(info, { ...dialDefaults, ...options });
    cleanups.push(() => own.close());
    return own;
  }

  it('streams stdout and stderr while the command runs and reports the exit code', async () => {
    const stderr = collector();
    const stdin = new PassThrough();
    let stdout = '';
    const result = await connection.run({
      command: 'echo first; printf oops >&2; read reply; echo "second $reply"; exit 3',
      stdin,
      onStdout: chunk => {
        stdout += chunk.toString();
        // The command waits for this line, so the first chunk must arrive before it ends.
        if (stdout === 'first\n') {
          stdin.end('ack\n');
        }
      },
      onStderr: stderr.sink,
    });
    expect(result).toEqual({ exitCode: 3 });
    expect(stdout).toBe('first\nsecond ack\n');
    expect(stderr.text()).toBe('oops');
  });

  it('runs a script sent through stdin, not through the command line', async () => {
    const script = [
      'set -e',
      'word=$(printf "%s" "$((6 * 7))")',
      'echo "answer $word"',
      'exit 0',
      '',
    ].join('\n');
    const stdout = collector();
    const result = await connection.run({ command: 'sh -s', stdin: script, onStdout: stdout.sink });
    expect(result.exitCode).toBe(0);
    expect(stdout.text()).toBe('answer 42\n');
  });

  it('passes a large stdin buffer through intact', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024, 'x');
    const stdout = collector();
    const result = await connection.run({
      command: 'wc -c',
      stdin: payload,
      onStdout: stdout.sink,
    });
    expect(result.exitCode).toBe(0);
    expect(stdout.text().trim()).toBe(String(payload.length));
  });

  it('reports a non-zero exit code as a result, not an error', async () => {
    await expect(connection.run({ command: 'exit 42' })).resolves.toEqual({ exitCode: 42 });
    await expect(connection.run({ command: 'true' })).resolves.toEqual({ exitCode: 0 });
  });

  it('exports env for the command without putting values in any process argument', async () => {
    const secret = `s3cr3t-${process.pid}-value`;
    const stdin = new PassThrough();
    const stdout = collector();
    const running = connection.start({
      command: 'read line; printf "%s|%s|%s" "$TASKFLEET_SECRET" "$QUOTED" "$line"',
      env: { TASKFLEET_SECRET: secret, QUOTED: 'it\'s "quoted"\nand multi-line' },
      stdin,
      onStdout: stdout.sink,
    });
    // The command now blocks on `read`: look at every process of the instance meanwhile.
    expect(
      await eventually(() => commandLines(shared).some(line => line.includes('read line')), 5_000),
    ).toBe(true);
    for (const line of commandLines(shared)) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(Buffer.from(secret).toString('base64'));
    }
    stdin.end('from stdin\n');
    await expect(running.result).resolves.toEqual({ exitCode: 0 });
    expect(stdout.text()).toBe(`${secret}|it's "quoted"\nand multi-line|from stdin`);
  });

  it('respects backpressure from a slow output sink and loses nothing', async () => {
    const byteCount = 2 * 1024 * 1024;
    let received = 0;
    let inSink = 0;
    let maxInSink = 0;
    const result = await connection.run({
      command: `head -c ${byteCount} /dev/zero`,
      onStdout: async chunk => {
        inSink += 1;
        maxInSink = Math.max(maxInSink, inSink);
        received += chunk.length;
        await new Promise(resolve => setImmediate(resolve));
        inSink -= 1;
      },
    });
    expect(result.exitCode).toBe(0);
    expect(received).toBe(byteCount);
    expect(maxInSink).toBe(1);
  });

  it('runs several commands on one connection at once', async () => {
    const outputs = await Promise.all(
      [1, 2, 3, 4].map(async n => {
        const stdout = collector();
        await connection.run({ command: `sleep 0.2; echo ${n}`, onStdout: stdout.sink });
        return stdout.text();
      }),
    );
    expect(outputs).toEqual(['1\n', '2\n', '3\n', '4\n']);
  });

  it('keeps dialling until an instance that was not yet listening comes up', async () => {
    const port = await freePort();
    const dialing = dial(infoFor(shared, { internalAddr: `127.0.0.1:${port}` }), dialDefaults);
    // Let a few refused attempts happen first, then launch and expose the instance on the port.
    await new Promise(resolve => setTimeout(resolve, 300));
    const instance = await launchOwn();
    const server = await forward(port, instance);
    cleanups.push(() => new Promise(resolve => server.close(resolve)));
    const late = await dialing;
    cleanups.push(() => late.close());
    const stdout = collector();
    await expect(late.run({ command: 'id -un', onStdout: stdout.sink })).resolves.toEqual({
      exitCode: 0,
    });
    expect(stdout.text()).toBe('ec2-user\n');
  });

  it('gives up with connect_timeout within the bound on an instance that never answers', async () => {
    const silent = await launchOwn({ bootMode: 'never-answers' });
    const { error, afterMs } = await rejectionOf(
      dial(infoFor(silent), { ...dialDefaults, connectTimeoutMs: 1_500 }),
    );
    expect(FleetingError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'connect_timeout',
      retryable: true,
      instanceId: silent.instanceId,
    });
    expect(afterMs).toBeGreaterThanOrEqual(1_400);
    expect(afterMs).toBeLessThan(3_000);
  });

  it('gives up with connect_timeout on a port that keeps refusing', async () => {
    const port = await freePort();
    const info = infoFor(shared, { internalAddr: '127.0.0.1', protocolPort: port });
    const { error, afterMs } = await rejectionOf(
      dial(info, { ...dialDefaults, connectTimeoutMs: 1_000 }),
    );
    expect(error).toMatchObject({ code: 'connect_timeout' });
    expect((error as FleetingError).cause).toMatchObject({ code: 'connect_refused' });
    expect(afterMs).toBeLessThan(2_500);
  });

  it('stops a dial promptly with canceled when aborted mid-handshake or between attempts', async () => {
    const silent = await launchOwn({ bootMode: 'never-answers' });
    const port = await freePort();
    for (const info of [infoFor(silent), infoFor(shared, { internalAddr: `127.0.0.1:${port}` })]) {
      const controller = new AbortController();
      const dialing = dial(info, {
        ...dialDefaults,
        connectTimeoutMs: 30_000,
        signal: controller.signal,
      });
      setTimeout(() => {
        controller.abort();
      }, 300);
      const { error, afterMs } = await rejectionOf(dialing);
      expect(error).toMatchObject({ code: 'canceled' });
      expect(afterMs).toBeLessThan(1_300);
    }
  });

  it('fails at once with auth_failed when the key is not accepted', async () => {
    const stranger = ed25519TestKey();
    const info = infoFor(shared, { key: Buffer.from(stranger.private) });
    const { error, afterMs } = await rejectionOf(dial(info, dialDefaults));
    expect(error).toMatchObject({ code: 'auth_failed', retryable: false });
    expect(afterMs).toBeLessThan(dialDefaults.connectTimeoutMs / 2);
  });

  it('declares a frozen instance lost within the keepalive bound', async () => {
    const instance = await launchOwn();
    const own = await dialOwn(infoFor(instance), {
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 3,
    });
    const stdout = collector();
    const running = own.start({ command: 'echo started; sleep 30', onStdout: stdout.sink });
    expect(await eventually(() => stdout.text() === 'started\n', 5_000)).toBe(true);
    await instance.pause();
    cleanups.unshift(() => instance.resume());
    const { error, afterMs } = await rejectionOf(running.result);
    expect(error).toMatchObject({ code: 'connection_lost', retryable: true });
    // ssh2 gives up when the (countMax + 1)th keepalive is due: 4 × 200 ms after the last answer.
    expect(afterMs).toBeLessThan(4 * 200 + 700);
    await expect(own.closed).resolves.toMatchObject({ code: 'connection_lost' });
    expect(own.isClosed).toBe(true);
  });

  it('fails a running command with connection_lost when the instance is terminated', async () => {
    const instance = await launchOwn();
    const own = await dialOwn(infoFor(instance));
    const stdout = collector();
    const running = own.start({ command: 'echo started; sleep 30', onStdout: stdout.sink });
    expect(await eventually(() => stdout.text() === 'started\n', 5_000)).toBe(true);
    await instance.terminate();
    const { error, afterMs } = await rejectionOf(running.result);
    expect(error).toMatchObject({ code: 'connection_lost' });
    expect(afterMs).toBeLessThan(2_000);
  });

  it.each([
    ['TERM', 'echo started; sleep 60'],
    ['INT', 'echo started; sleep 60; echo never'],
    ['KILL', 'echo started; exec sleep 60'],
  ] as const)(
    'delivers %s to the remote process group and its sleep stops',
    async (name, command) => {
      const marker = `sleep 60`;
      const stdout = collector();
      const running = connection.start({ command, onStdout: stdout.sink });
      expect(await eventually(() => stdout.text() === 'started\n', 5_000)).toBe(true);
      expect(commandLines(shared).some(line => line.includes(marker))).toBe(true);
      expect(running.signal(name)).toBe(true);
      const result = await running.result;
      expect(result.exitCode).toBeNull();
      expect(result.signal).toBe(name);
      expect(stdout.text()).toBe('started\n');
      expect(
        await eventually(() => !commandLines(shared).some(line => line.includes(marker)), 2_000),
      ).toBe(true);
      expect(running.signal('TERM')).toBe(false);
    },
  );

  it('cancels a running command on abort and kills it remotely', async () => {
    const controller = new AbortController();
    const stdout = collector();
    const running = connection.start({
      command: 'echo started; sleep 61',
      onStdout: stdout.sink,
      signal: controller.signal,
    });
    expect(await eventually(() => stdout.text() === 'started\n', 5_000)).toBe(true);
    controller.abort();
    await expect(running.result).rejects.toMatchObject({ code: 'canceled' });
    expect(
      await eventually(() => !commandLines(shared).some(line => line.includes('sleep 61')), 2_000),
    ).toBe(true);
  });

  it('kills a command aborted before its channel was even open', async () => {
    const controller = new AbortController();
    const running = connection.start({ command: 'sleep 63', signal: controller.signal });
    controller.abort();
    await expect(running.result).rejects.toMatchObject({ code: 'canceled' });
    // The exec request was already on its way; the late channel must not leave a sleep behind.
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(
      await eventually(() => !commandLines(shared).some(line => line.includes('sleep 63')), 2_000),
    ).toBe(true);
  });

  it('logs connection events without credentials', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      {
        write: (line: string) => {
          lines.push(line);
        },
      },
    );
    const port = await freePort();
    const refused = infoFor(shared, {
      internalAddr: `127.0.0.1:${port}`,
      password: 'pw-never-logged',
    });
    await rejectionOf(dial(refused, { ...dialDefaults, connectTimeoutMs: 300, logger }));
    const instance = await launchOwn();
    const own = await dialOwn(infoFor(instance), { logger });
    await instance.terminate();
    await own.closed;
    const logged = lines.join('');
    expect(logged).toContain('ssh dial attempt failed');
    expect(logged).toContain('ssh connection established');
    expect(logged).toContain('ssh connection lost');
    expect(logged).not.toContain('pw-never-logged');
    const keyBody = loginKey.private.split('\n').slice(1, -2).join('');
    expect(keyBody.length).toBeGreaterThan(20);
    for (const piece of [
      keyBody.slice(0, 20),
      Buffer.from(loginKey.private).toString('base64').slice(0, 20),
    ]) {
      expect(logged).not.toContain(piece);
    }
  });

  it('closes idempotently, failing running and later commands with shut_down', async () => {
    const own = await dialOwn(infoFor(shared));
    const running = own.run({ command: 'sleep 62' });
    await Promise.all([own.close(), own.close()]);
    await expect(running).rejects.toMatchObject({ code: 'shut_down' });
    await expect(own.run({ command: 'true' })).rejects.toMatchObject({ code: 'shut_down' });
    await expect(own.closed).resolves.toBeUndefined();
    expect(own.isClosed).toBe(true);
  });
});
