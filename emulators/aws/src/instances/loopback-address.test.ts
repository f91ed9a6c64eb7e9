import { createServer } from 'node:net';

import { isAddressFree, randomLoopbackAddress } from './loopback-address';

describe('loopback addresses', () => {
  it('draws inside 127/8 but outside 127.0/16, never .0 or .255', () => {
    const lows = randomLoopbackAddress(min => min);
    const highs = randomLoopbackAddress((_min, max) => max - 1);
    expect(lows).toBe('127.1.0.1');
    expect(highs).toBe('127.255.255.254');
  });

  it('sees an address as taken while a server listens on it', async () => {
    const server = createServer();
    await new Promise<void>(resolve => {
      server.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    const address = server.address();
    if (address === null || typeof address === 'string') {
      throw new Error('no port');
    }
    try {
      await expect(isAddressFree('127.0.0.1', address.port)).resolves.toBe(false);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
    await expect(isAddressFree('127.0.0.1', address.port)).resolves.toBe(true);
  });
});
