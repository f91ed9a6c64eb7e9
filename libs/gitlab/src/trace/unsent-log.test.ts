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

describe('UnsentLog: the retained head', () => {
  it('keeps acknowledged bytes for a rewind, within the held range only', () => {
    const log = new UnsentLog(100);
    log.append(Buffer.from('abc'));
    log.append(Buffer.from('defg'));
    expect(log.acknowledgeUpTo(5)).toBe(true);
    expect({ retained: log.retainedBytes, from: log.heldFromOffset }).toEqual({
      retained: 5,
      from: 0,
    });
    expect(log.peek(10).toString()).toBe('fg');
    expect(log.rewindTo(2)).toBe(true);
    expect(log.peek(10).toString()).toBe('cdefg');
    expect(log.ackedBytes).toBe(2);
    expect(log.rewindTo(0)).toBe(true);
    expect(log.peek(4).toString()).toBe('abcd');
    expect(log.rewindTo(1)).toBe(false);
    expect(log.held().toString()).toBe('abcdefg');
    expect(log.acknowledgeUpTo(7)).toBe(true);
    expect(log.rewindTo(3)).toBe(true);
    expect(log.peek(10).toString()).toBe('defg');
  });

  it('forgets the oldest acknowledged bytes beyond its cap, splitting a chunk', () => {
    const log = new UnsentLog(4);
    log.append(Buffer.from('0123'));
    log.append(Buffer.from('456789'));
    expect(log.acknowledgeUpTo(7)).toBe(true);
    expect({ retained: log.retainedBytes, from: log.heldFromOffset }).toEqual({
      retained: 4,
      from: 3,
    });
    expect(log.held().toString()).toBe('3456789');
    expect(log.rewindTo(2)).toBe(false);
    expect(log.rewindTo(3)).toBe(true);
    expect(log.peek(100).toString()).toBe('3456789');
  });

  it('without retention holds only the unacknowledged bytes', () => {
    const log = new UnsentLog();
    log.append(Buffer.from('abcdef'));
    log.acknowledgeUpTo(4);
    expect(log.retainedBytes).toBe(0);
    expect(log.held().toString()).toBe('ef');
    expect(log.rewindTo(3)).toBe(false);
  });

  it('rewinds and re-reads across many tiny retained chunks', () => {
    const log = new UnsentLog(10_000_000);
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const piece = `${i % 10}`;
      log.append(Buffer.from(piece));
      expected.push(piece);
    }
    let acked = 0;
    while (log.pendingBytes > 0) {
      acked += log.peek(777).length;
      log.acknowledgeUpTo(acked);
    }
    expect(log.rewindTo(0)).toBe(true);
    const again: Buffer[] = [];
    while (log.pendingBytes > 0) {
      const chunk = log.peek(4096);
      again.push(chunk);
      log.acknowledgeUpTo(log.ackedBytes + chunk.length);
    }
    expect(Buffer.concat(again).toString()).toBe(expected.join(''));
  });
});
