// The fleeting SSH connector against real OpenSSH sshd when things end: a frozen or terminated
// instance, aborted commands killed remotely, connection events logged without credentials,
// and close.
import { dial } from '@taskfleet/fleeting';
import type { SshConnection } from '@taskfleet/fleeting';
import { pino } from 'pino';

import type { SshdInstanceProcess } from '../../emulators/aws/src/instances';
import {
  collector,
  commandLines,
  dialDefaults,
  eventually,
  freePort,
  infoFor,
  loginKey,
  rejectionOf,
  useConnectorWorld,
} from './support/fleeting-ssh-world';

jest.setTimeout(60_000);

describe('fleeting SSH connector: lost, aborted and closed connections', () => {
  const world = useConnectorWorld();
  const { launchOwn, dialOwn, cleanups } = world;
  let shared: SshdInstanceProcess;
  let connection: SshConnection;
  beforeAll(() => {
    shared = world.shared;
    connection = world.connection;
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
