import { crc32 } from 'node:zlib';

import { jobTokenFixture } from '../testing/fixtures';
import { closeTraceServer, setUpTraceWriter } from '../testing/trace-writer-setup';
import type { TraceServer } from '../testing/trace-writer-setup';
import { formatCrc32 } from '../checksum';
import { outputLimitMarker } from './output-limit';

afterEach(closeTraceServer);

describe('TraceWriter: incremental PATCHes', () => {
  it('sends new bytes on each interval with inclusive Content-Range', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('hello ');
    await tick(3000);
    writer.write(Buffer.from('world\n'));
    await tick(3000);
    await tick(3000);
    expect(gitlab.state.patchRanges).toEqual(['0-5', '6-11']);
    const summary = await writer.finish();
    expect(gitlab.storedText()).toBe('hello world\n');
    expect(summary).toMatchObject({
      bytesize: 12,
      sentBytes: 12,
      complete: true,
      checksum: gitlab.storedChecksum(),
    });
    expect(summary.checksum).toBe(formatCrc32(crc32(Buffer.from('hello world\n'))));
  });

  it('does not send before the interval passes, and follows X-GitLab-Trace-Update-Interval', async () => {
    const { gitlab, writer, clock, tick } = await setUpTraceWriter();
    gitlab.state.intervalSeconds = 60;
    writer.start();
    writer.write('a');
    await clock.waitForSleepers(1);
    clock.advance(2999);
    expect(gitlab.state.patchRanges).toEqual([]);
    await tick(1);
    expect(gitlab.state.patchRanges).toEqual(['0-0']);
    expect(writer.updateIntervalMs).toBe(60_000);
    expect(clock.sleeps.at(-1)).toBe(60_000);
    await writer.finish();
  });

  it('resyncs after a lost acknowledgement: 416 with Range, then sends from the stored length', async () => {
    const { gitlab, writer, tick, log } = await setUpTraceWriter();
    writer.start();
    writer.write('first part;');
    gitlab.state.loseAnswers = 1;
    await tick(3000);
    writer.write('second part');
    await tick(3000);
    await tick(3000);
    expect(gitlab.state.patchRanges).toEqual(['0-10', '0-21', '11-21']);
    const summary = await writer.finish();
    expect(gitlab.storedText()).toBe('first part;second part');
    expect(summary.checksum).toBe(gitlab.storedChecksum());
    expect(log.lines()).toContain('job log resynced to the stored length');
  });

  it('re-sends bytes GitLab lost after acknowledging them: 416 with a lower Range', async () => {
    const { gitlab, writer, tick, log } = await setUpTraceWriter();
    writer.start();
    writer.write('first part;');
    await tick(3000);
    gitlab.truncate(6);
    writer.write('second part');
    await tick(3000);
    await tick(3000);
    expect(gitlab.state.patchRanges).toEqual(['0-10', '11-21', '6-21']);
    const summary = await writer.finish();
    expect(gitlab.storedText()).toBe('first part;second part');
    expect(summary).toMatchObject({ complete: true, checksum: gitlab.storedChecksum() });
    expect(log.lines()).toContain('job log resynced to the stored length');
  });

  it('rewinds the whole log for a 412 and stops resyncing below its retention cap', async () => {
    const { gitlab, writer, tick, log } = await setUpTraceWriter({ maxRetainedBytes: 4 });
    writer.start();
    writer.write('0123456789');
    await tick(3000);
    expect(writer.rewind()).toBe(false);
    gitlab.truncate(2);
    writer.write('abc');
    await tick(3000);
    expect(log.lines()).toContain('job log cannot be resynced, no longer sending it');
    expect(gitlab.storedText()).toBe('01');
  });

  it('sends a keep-alive PUT with checksum and size after 30 s without contact', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('x');
    await tick(3000);
    for (let i = 0; i < 9; i++) {
      await tick(3000);
    }
    expect(gitlab.state.puts).toEqual([]);
    await tick(3000);
    expect(gitlab.state.puts).toEqual([
      expect.objectContaining({
        state: 'running',
        output: { checksum: formatCrc32(crc32(Buffer.from('x'))), bytesize: 1 },
      }),
    ]);
    await writer.finish();
  });
});

describe('TraceWriter: the whole log again (412 on the final update)', () => {
  it('rewind makes every byte unsent, and drain sends it all from byte 0', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('whole ');
    await tick(3000);
    writer.write('log\n');
    await writer.finish();
    gitlab.truncate(0);
    expect(writer.rewind()).toBe(true);
    const summary = await writer.drain();
    expect(gitlab.state.patchRanges).toEqual(['0-5', '6-9', '0-9']);
    expect(gitlab.storedText()).toBe('whole log\n');
    expect(summary).toMatchObject({ sentBytes: 10, complete: true });
  });

  it('seal hands over the whole held log with the acknowledged offset', async () => {
    const { writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('acked;');
    await tick(3000);
    writer.write('pending');
    const { summary, pending, held } = await writer.seal();
    expect(summary.sentBytes).toBe(6);
    expect(pending.toString()).toBe('pending');
    expect(held?.fromOffset).toBe(0);
    expect(held?.bytes.toString()).toBe('acked;pending');
  });

  it('seal leaves out the held log when it is bigger than asked', async () => {
    const { writer } = await setUpTraceWriter();
    writer.start();
    writer.write('0123456789');
    const { pending, held } = await writer.seal(9);
    expect(pending.toString()).toBe('0123456789');
    expect(held).toBeUndefined();
  });
});

describe('TraceWriter: GitLab stops or cancels the job', () => {
  it.each<[string, (s: TraceServer['state']) => void, string]>([
    ['403 on PATCH', s => s.overrides.push(() => ({ status: 403 })), 'forbidden'],
    ['Job-Status: canceled', s => (s.jobStatus = 'canceled'), 'job-status'],
    ['Job-Status: failed', s => (s.jobStatus = 'failed'), 'job-status'],
  ])('%s aborts the writer and reports it', async (_name, arrange, reason) => {
    const { gitlab, writer, clock, log } = await setUpTraceWriter();
    writer.start();
    writer.write('running…');
    arrange(gitlab.state);
    const aborted = new Promise(resolve => {
      writer.abortSignal.addEventListener('abort', resolve);
    });
    await clock.waitForSleepers(1);
    clock.advance(3000);
    await aborted;
    expect(writer.abortSignal.reason).toMatchObject({ reason });
    expect(writer.write('more')).toBe(false);
    const summary = await writer.finish();
    expect(summary.stopped).toMatchObject({ reason });
    expect(gitlab.state.patchRanges.length).toBeLessThanOrEqual(1);
    expect(log.lines()).toContain('gitlab stopped the job, abandoning it');
    expect(log.lines()).toContain('"jobId":7');
    expect(log.lines()).not.toContain(jobTokenFixture);
  });

  it('Job-Status: canceling raises the cancel signal and keeps sending (after_script output)', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('script\n');
    gitlab.state.jobStatus = 'canceling';
    await tick(3000);
    expect(writer.cancelSignal.aborted).toBe(true);
    expect(writer.abortSignal.aborted).toBe(false);
    writer.write('after_script\n');
    const summary = await writer.finish();
    expect(gitlab.storedText()).toBe('script\nafter_script\n');
    expect(summary).toMatchObject({ cancelRequested: true, complete: true });
  });
});

describe('TraceWriter: masking', () => {
  it('masks variables and tokens split across writes before they reach GitLab', async () => {
    const { gitlab, writer } = await setUpTraceWriter({
      maskedValues: ['s3cr3t-value-123'],
      tokenMaskPrefixes: ['tok-'],
    });
    for (const part of [
      'pass=s3cr',
      '3t-value-',
      '123 pat=glp',
      'at-AbC tok-',
      'xyz u?private_to',
      'ken=abc&x\n',
    ]) {
      writer.write(part);
    }
    const summary = await writer.finish();
    expect(gitlab.storedText()).toBe(
      'pass=[MASKED] pat=glpat-[MASKED] tok-[MASKED] u?private_token=[MASKED]&x\n',
    );
    expect(summary.checksum).toBe(gitlab.storedChecksum());
  });
});

describe('TraceWriter: output_limit (B18)', () => {
  it('writes the marker once, drops the rest, keeps offsets consistent and the job running', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter({ outputLimitBytes: 100 });
    writer.start();
    for (let i = 0; i < 30; i++) {
      writer.write(`line ${String(i).padStart(2, '0')}\n`);
      if (i % 10 === 0) {
        await tick(3000);
      }
    }
    const summary = await writer.finish();
    const marker = outputLimitMarker(100).toString();
    const stored = gitlab.storedText();
    expect(stored.split(marker)).toHaveLength(2);
    expect(stored.endsWith(marker)).toBe(true);
    expect(stored.length).toBe(100 + marker.length);
    expect(summary).toMatchObject({
      limitReached: true,
      bytesOverLimit: 30 * 8 - 100,
      complete: true,
      stopped: undefined,
    });
    expect(summary.checksum).toBe(gitlab.storedChecksum());
    for (let i = 1; i < gitlab.state.patchRanges.length; i++) {
      const prevEnd = Number(gitlab.state.patchRanges[i - 1]!.split('-')[1]);
      expect(Number(gitlab.state.patchRanges[i]!.split('-')[0])).toBe(prevEnd + 1);
    }
  });

  it('keeps memory flat while 50 MiB pass the limit', async () => {
    const limit = 4 * 1024 * 1024;
    const { gitlab, writer } = await setUpTraceWriter({ outputLimitBytes: limit }, false);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    let maxBuffered = 0;
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) {
      if (!writer.write(chunk)) {
        await writer.flush();
      }
      maxBuffered = Math.max(maxBuffered, writer.bufferedBytes);
    }
    const summary = await writer.finish();
    expect(maxBuffered).toBeLessThanOrEqual(2 * 1024 * 1024 + chunk.length);
    expect(summary.bytesize).toBe(limit + outputLimitMarker(limit).length);
    expect(gitlab.state.storedLength).toBe(summary.bytesize);
    expect(summary.checksum).toBe(gitlab.storedChecksum());
  });

  // 50 MiB through real HTTP takes seconds on a busy 2-core machine; the bound only ends a hang.
  it('with no limit in reach, 50 MiB flow through a bounded buffer by backpressure', async () => {
    const { gitlab, writer } = await setUpTraceWriter(
      { outputLimitBytes: 1024 ** 3, maxBufferedBytes: 2 * 1024 * 1024 },
      false,
    );
    const chunk = Buffer.alloc(64 * 1024, 'z');
    let maxBuffered = 0;
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) {
      if (!writer.write(chunk)) {
        await writer.flush();
      }
      maxBuffered = Math.max(maxBuffered, writer.bufferedBytes);
    }
    const summary = await writer.finish();
    expect(maxBuffered).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(summary).toMatchObject({
      bytesize: 50 * 1024 * 1024,
      bytesDroppedUnsent: 0,
      complete: true,
    });
    expect(summary.checksum).toBe(gitlab.storedChecksum());
  }, 60_000);

  it('drops with a count and one marker when GitLab does not take the log and the buffer is full', async () => {
    const { gitlab, writer } = await setUpTraceWriter({
      outputLimitBytes: 1024 ** 3,
      maxBufferedBytes: 1024 * 1024,
    });
    const chunk = Buffer.alloc(64 * 1024, 'w');
    for (let i = 0; i < 32; i++) {
      writer.write(chunk);
      expect(writer.bufferedBytes).toBeLessThanOrEqual(1024 * 1024);
    }
    const summary = await writer.finish();
    expect(summary.bytesDroppedUnsent).toBe(16 * chunk.length);
    const stored = gitlab.storedText();
    expect(stored.match(/bytes of job output were dropped/g)).toHaveLength(1);
    expect(stored).toContain(`${16 * chunk.length} bytes of job output were dropped`);
    expect(summary.checksum).toBe(gitlab.storedChecksum());
  });
});
