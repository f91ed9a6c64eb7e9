import { Writable } from 'node:stream';

import pino from 'pino';

import {
  patchTrace,
  requestJob,
  startHarness,
  takeAndAck,
  updateJob,
} from './testing/harness.test-support';

describe('logging', () => {
  it('never writes runner or job tokens to the pino log, even at trace level', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString('utf8');
        done();
      },
    });
    const h = await startHarness({ logger: pino({ level: 'trace' }, sink) });
    try {
      const runner = h.emulator.admin.createRunner({});
      await h.pipeline();
      await requestJob(h.emulator, 'glrt-unknown-token');
      const job = await takeAndAck(h, runner.token);
      await patchTrace(h.emulator, job.jobId, job.jobToken, 0, 'log line\n');
      await updateJob(h.emulator, job.jobId, job.jobToken, { state: 'success' });
      expect(logged).toContain('"msg":"job finished"');
      expect(logged).toContain('"msg":"request"');
      expect(logged).not.toContain(runner.token);
      expect(logged).not.toContain(job.jobToken);
      expect(logged).not.toContain('glrt-unknown-token');
    } finally {
      await h.close();
    }
  });
});
