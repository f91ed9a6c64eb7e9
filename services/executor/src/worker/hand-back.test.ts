import { randomBytes } from 'node:crypto';

import { systemClock } from '@taskfleet/gitlab';
import { encryptPayload } from '@taskfleet/job-queue';
import type { EncryptedPayload } from '@taskfleet/job-queue';
import { pino } from 'pino';

import { decodeOrHandBack } from './hand-back';

const key = randomBytes(32);

/** The error lines decodeOrHandBack writes, parsed. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

function queuedWith(payload: EncryptedPayload) {
  return {
    gitlabJobId: 9,
    runnerKey: 'r',
    acceptedAtMs: 0,
    payload,
    report: encryptPayload(JSON.stringify({ id: 9, token: 'glcbt-secret' }), key),
  };
}

// The registry is not reached when the envelope can be read: a job failed back keeps its claim.
const unreached = {
  dropPending: () => Promise.reject(new Error('not expected')),
  releaseSlot: () => Promise.reject(new Error('not expected')),
};
const options = {
  payloadKey: key,
  clock: systemClock,
  failBacks: undefined,
  registry: unreached as never,
};

describe('decodeOrHandBack', () => {
  it('says a payload that decrypted but names no job id and token is just that', async () => {
    const { logger, lines } = capturingLogger();
    const payload = encryptPayload(JSON.stringify({ steps: 'no' }), key);
    const decoded = await decodeOrHandBack(options, queuedWith(payload), logger);
    expect(decoded).toEqual({
      kind: 'unrunnable',
      jobId: 9,
      jobToken: 'glcbt-secret',
      problems: ['the job payload was decrypted but names no job id and token'],
    });
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'job payload names no job id and token',
        err: 'ExecutorError:payload_without_job',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('glcbt-secret');
  });

  it('says a damaged payload could not be decrypted', async () => {
    const { logger, lines } = capturingLogger();
    const sealed = encryptPayload(JSON.stringify({ id: 9, token: 'glcbt-secret' }), key);
    const damaged = { ...sealed, ct: Buffer.from('damaged').toString('base64') };
    const decoded = await decodeOrHandBack(options, queuedWith(damaged), logger);
    expect(decoded).toMatchObject({
      kind: 'unrunnable',
      problems: ['the job payload could not be decrypted'],
    });
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'could not decrypt job payload',
        err: 'ExecutorError:payload_unreadable',
      }),
    ]);
  });
});
