import { Writable } from 'node:stream';

import { createProcessLogger } from './logger';

/** A stream that keeps every chunk written to it, for reading the lines back. */
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

const redactPaths = ['token', '*.token'];

describe('createProcessLogger', () => {
  it('writes one human-readable line per entry for log_format = "text", secrets redacted', () => {
    const out = sink();
    const logger = createProcessLogger({
      level: 'info',
      format: 'text',
      redactPaths,
      destination: out.stream,
      sync: true,
    });
    logger.info({ runner: { token: 'glrt-secret' }, group: 'asg-1' }, 'taskfleet started');
    logger.debug({}, 'below the level');
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z\] INFO: taskfleet started /,
    );
    expect(lines[0]).toContain('"group":"asg-1"');
    expect(lines[0]).toContain('"token":"[REDACTED]"');
    expect(lines[0]).not.toContain('glrt-secret');
    expect(() => JSON.parse(lines[0] ?? '') as unknown).toThrow();
  });

  it.each(['json', 'runner'] as const)('writes JSON lines for log_format = "%s"', format => {
    const out = sink();
    const logger = createProcessLogger({
      level: 'info',
      format,
      redactPaths,
      destination: out.stream,
    });
    logger.warn({ token: 'glrt-secret' }, 'config warning');
    const entry = JSON.parse(out.text()) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 40, msg: 'config warning', token: '[REDACTED]' });
  });
});
