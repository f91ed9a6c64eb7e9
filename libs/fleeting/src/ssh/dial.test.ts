import { createServer } from 'node:net';

import { FleetingError } from '../errors';
import type { ConnectInfo } from '../port/connector-config';
import { dial } from './dial';

const base: ConnectInfo = {
  id: 'i-1',
  internalAddr: '127.0.0.1',
  os: 'linux',
  arch: 'amd64',
  protocol: 'ssh',
  protocolPort: 22,
  username: 'ec2-user',
  password: 'not used',
};

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise(resolve => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('dial', () => {
  it.each([
    ['a protocol other than ssh', { protocol: 'winrm' as const }, 'unsupported'],
    ['no credentials', { password: undefined }, 'invalid_config'],
    ['no address', { internalAddr: '' }, 'invalid_config'],
  ])('refuses %s before touching the network', async (_label, overrides, code) => {
    const error = await dial({ ...base, ...overrides }, {}).catch((caught: unknown) => caught);
    expect(FleetingError.is(error)).toBe(true);
    expect(error).toMatchObject({ code, instanceId: 'i-1' });
  });

  it('rejects canceled without dialling when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(dial(base, { signal: controller.signal })).rejects.toMatchObject({
      code: 'canceled',
    });
  });

  it('takes the connect timeout from the connect info when not given', async () => {
    const port = await closedPort();
    const startedAt = Date.now();
    const error = await dial({ ...base, protocolPort: port, timeoutMs: 300 }, {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'connect_timeout' });
    expect((error as FleetingError).cause).toMatchObject({ code: 'connect_refused' });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
