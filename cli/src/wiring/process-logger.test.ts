import { Writable } from 'node:stream';

import { processLoggerFor } from './process-logger';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('processLoggerFor', () => {
  it('follows log_format = "text" with readable lines, runner tokens redacted', () => {
    const out = sink();
    const logger = processLoggerFor(
      { logLevel: 'info', logFormat: 'text' },
      { destination: out.stream, sync: true },
    );
    logger.info(
      { token: 'glrt-abc', headers: { 'runner-token': 'glrt-abc' } },
      'taskfleet started',
    );
    const line = out.text();
    expect(line).toMatch(/\] INFO: taskfleet started /);
    expect(line).not.toContain('glrt-abc');
  });

  it('keeps JSON for the default log_format = "runner" and maps panic to fatal', () => {
    const out = sink();
    const logger = processLoggerFor(
      { logLevel: 'panic', logFormat: 'runner' },
      { destination: out.stream, sync: true },
    );
    logger.error({}, 'not at panic');
    logger.fatal({ token: 'glrt-abc' }, 'fatal line');
    expect(JSON.parse(out.text())).toMatchObject({ msg: 'fatal line', token: '[REDACTED]' });
  });
});
