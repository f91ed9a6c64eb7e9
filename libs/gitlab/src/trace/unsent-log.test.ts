import { UnsentLog } from './unsent-log';

describe('UnsentLog', () => {
  it('peeks and acknowledges across chunk boundaries with absolute offsets', () => {
    const log = new UnsentLog();
    log.append(Buffer.from('abc'));
    log.append(Buffer.from('defg'));
    expect(log.peek(5).toString()).toBe('abcde');
    expect(log.acknowledgeUpTo(2)).toBe(true);
    expect(log.peek(100).toString()).toBe('cdefg');
    expect({ acked: log.ackedBytes, pending: log.pendingBytes, end: log.endOffset }).toEqual({
      acked: 2,
      pending: 5,
      end: 7,
    });
    expect(log.acknowledgeUpTo(1)).toBe(false);
    expect(log.acknowledgeUpTo(8)).toBe(false);
    expect(log.acknowledgeUpTo(7)).toBe(true);
    expect(log.pendingBytes).toBe(0);
  });

  it('stays fast with many tiny chunks', () => {
    const log = new UnsentLog();
    const tiny = Buffer.from('0123456789');
    for (let i = 0; i < 200_000; i++) {
      log.append(tiny);
    }
    let acked = 0;
    while (log.pendingBytes > 0) {
      const chunk = log.peek(1024 * 1024);
      acked += chunk.length;
      log.acknowledgeUpTo(acked);
    }
    expect(acked).toBe(2_000_000);
    log.append(Buffer.from('tail'));
    expect(log.peek(10).toString()).toBe('tail');
  });
});
