import { createHash } from 'node:crypto';

import { RespCommandCounter } from './resp-counter';

function resp(...words: string[]): Buffer {
  const parts = words.map(w => `$${Buffer.byteLength(w)}\r\n${w}\r\n`);
  return Buffer.from(`*${words.length}\r\n${parts.join('')}`);
}

describe('RespCommandCounter', () => {
  it('counts pipelined commands by name, scripts by sha', () => {
    const counter = new RespCommandCounter();
    const body = 'return 1';
    const sha = createHash('sha1').update(body).digest('hex');
    counter.feed(
      Buffer.concat([
        resp('HGET', 'k', 'f'),
        resp('hget', 'k', 'g'),
        resp('EVALSHA', sha, '0'),
        resp('EVAL', body, '0'),
      ]),
    );
    expect(counter.snapshot()).toEqual(
      new Map([
        ['hget', 2],
        [`evalsha:${sha}`, 1],
        [`eval:${sha}`, 1],
      ]),
    );
  });

  it('counts a command split across chunks once, when it is whole', () => {
    const counter = new RespCommandCounter();
    // A value holding CRLF and a '*' must not be taken for a new command.
    const set = resp('SET', 'k', 'a\r\n*2\r\nb');
    const bytes = Buffer.concat([set, resp('PING')]);
    for (let i = 0; i < bytes.length; i += 3) {
      counter.feed(bytes.subarray(i, i + 3));
      expect(counter.snapshot().get('set')).toBe(i + 3 >= set.length ? 1 : undefined);
    }
    expect(counter.snapshot()).toEqual(
      new Map([
        ['set', 1],
        ['ping', 1],
      ]),
    );
  });

  it('counts inline commands', () => {
    const counter = new RespCommandCounter();
    counter.feed(Buffer.from('PING\r\nINFO  commandstats\r\n'));
    expect(counter.snapshot()).toEqual(
      new Map([
        ['ping', 1],
        ['info', 1],
      ]),
    );
  });
});
