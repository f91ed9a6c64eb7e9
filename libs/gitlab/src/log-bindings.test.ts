import { Writable } from 'node:stream';

import { pino } from 'pino';

import { unboundOf } from './log-bindings';

describe('unboundOf', () => {
  it('leaves out what the parent binds, so no key appears twice in a line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8').trim());
        done();
      },
    });
    const parent = pino({ base: undefined, timestamp: false }, sink).child({
      component: 'executor-worker',
      jobId: 7,
    });
    const child = parent.child(
      unboundOf(parent, { component: 'final-update', jobId: 7, attempt: 1 }),
    );
    child.info('final update delivered');
    expect(lines).toEqual([
      '{"level":30,"component":"executor-worker","jobId":7,"attempt":1,"msg":"final update delivered"}',
    ]);
  });
});
