// Dialling with the fleeting SSH connector against real OpenSSH sshd: retries until the
// instance listens, connect_timeout within the bound, abort, and a key the instance refuses.
import { FleetingError, dial } from '@taskfleet/fleeting';

import type { SshdInstanceProcess } from '../../emulators/aws/src/instances';
import {
  collector,
  dialDefaults,
  forward,
  freePort,
  infoFor,
  rejectionOf,
  useConnectorWorld,
} from './support/fleeting-ssh-world';
import { ed25519TestKey } from './support/ssh-key';

jest.setTimeout(60_000);

describe('fleeting SSH connector: dialling', () => {
  const world = useConnectorWorld();
  const { launchOwn, cleanups } = world;
  let shared: SshdInstanceProcess;
  beforeAll(() => {
    shared = world.shared;
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
});
