import { randomBytes } from 'node:crypto';

import { encryptPayload } from '@taskfleet/job-queue';
import type { EncryptedPayload } from '@taskfleet/job-queue';

import { ExecutorError } from '../errors';
import { decodeQueuedPayload } from './decode-payload';

const key = randomBytes(32);

describe('decodeQueuedPayload', () => {
  it('reads a valid job, filling missing fields as GitLab Runner does', () => {
    const decoded = decodeQueuedPayload(
      encryptPayload(JSON.stringify({ id: 5, token: 'glcbt-x' }), key),
      key,
    );
    expect(decoded).toMatchObject({ kind: 'job', job: { id: 5, token: 'glcbt-x', steps: [] } });
  });

  it('names every problem of a payload with wrong types, keeping id and token to report it', () => {
    const body = { id: 5, token: 'glcbt-x', steps: 'no', job_info: 1 };
    const decoded = decodeQueuedPayload(encryptPayload(JSON.stringify(body), key), key);
    expect(decoded.kind).toBe('unrunnable');
    if (decoded.kind === 'unrunnable') {
      expect(decoded.jobId).toBe(5);
      expect(decoded.jobToken).toBe('glcbt-x');
      expect(decoded.problems.join('\n')).toMatch(/steps[\s\S]*job_info|job_info[\s\S]*steps/);
    }
  });

  it('names a payload under another key as payload_key_mismatch', () => {
    const sealed = encryptPayload(JSON.stringify({ id: 5, token: 't' }), randomBytes(32));
    expect(() => decodeQueuedPayload(sealed, key)).toThrow(ExecutorError);
    try {
      decodeQueuedPayload(sealed, key);
    } catch (error) {
      expect((error as ExecutorError).code).toBe('payload_key_mismatch');
      expect((error as ExecutorError).retryable).toBe(false);
    }
  });

  it('refuses a payload under another key without a key id as payload_unreadable', () => {
    const { v, alg, iv, tag, ct } = encryptPayload('{"id":5}', randomBytes(32));
    const older: EncryptedPayload = { v, alg, iv, tag, ct };
    try {
      decodeQueuedPayload(older, key);
      throw new Error('decoded');
    } catch (error) {
      expect((error as ExecutorError).code).toBe('payload_unreadable');
    }
  });

  it('refuses a bad payload without id or token as payload_without_job', () => {
    const sealed = encryptPayload(JSON.stringify({ steps: 'no' }), key);
    expect(() => decodeQueuedPayload(sealed, key)).toThrow(/no job id and token/);
    expect(() => decodeQueuedPayload(sealed, key)).toThrow(
      expect.objectContaining({ code: 'payload_without_job' }) as Error,
    );
  });
});
