import { randomBytes } from 'node:crypto';

import { JobQueueError } from './errors';
import { decryptPayload, encryptPayload, payloadKeyId } from './payload-crypto';
import type { EncryptedPayload } from './payload-crypto';

const key = randomBytes(32);
const json = JSON.stringify({
  id: 7,
  token: 'glcbt-secret',
  variables: [{ key: 'A', value: 'b' }],
});

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(JobQueueError);
  expect((caught as JobQueueError).code).toBe(code);
}

describe('payload crypto', () => {
  it('round-trips and hides the plaintext', () => {
    const envelope = encryptPayload(json, key);
    expect(envelope.v).toBe(1);
    expect(JSON.stringify(envelope)).not.toContain('glcbt-secret');
    expect(decryptPayload(envelope, key)).toBe(json);
  });

  it('uses a fresh IV for every message', () => {
    const a = encryptPayload(json, key);
    const b = encryptPayload(json, key);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('refuses a tampered ciphertext, tag or IV', () => {
    const envelope = encryptPayload(json, key);
    for (const field of ['ct', 'tag', 'iv'] as const) {
      const tampered: EncryptedPayload = { ...envelope, [field]: flipFirstByte(envelope[field]) };
      expectCode(() => decryptPayload(tampered, key), 'payload_auth_failed');
    }
  });

  it('names a payload encrypted under another key as a key mismatch', () => {
    const envelope = encryptPayload(json, key);
    expect(envelope.kid).toBe(payloadKeyId(key));
    expectCode(() => decryptPayload(envelope, randomBytes(32)), 'payload_key_mismatch');
  });

  it('still refuses another key for an envelope written without a key id', () => {
    const { v, alg, iv, tag, ct } = encryptPayload(json, key);
    const older: EncryptedPayload = { v, alg, iv, tag, ct };
    expect(decryptPayload(older, key)).toBe(json);
    expectCode(() => decryptPayload(older, randomBytes(32)), 'payload_auth_failed');
  });

  it('gives a stable key id that differs between keys and does not contain the key', () => {
    expect(payloadKeyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(payloadKeyId(Buffer.from(key))).toBe(payloadKeyId(key));
    expect(payloadKeyId(randomBytes(32))).not.toBe(payloadKeyId(key));
    expect(key.toString('hex')).not.toContain(payloadKeyId(key));
  });

  it('refuses keys that are not 32 bytes and unknown envelopes', () => {
    expectCode(() => encryptPayload(json, randomBytes(16)), 'invalid_key');
    const envelope = encryptPayload(json, key);
    const future = { ...envelope, v: 2 } as unknown as EncryptedPayload;
    expectCode(() => decryptPayload(future, key), 'unsupported_envelope');
    const shortTag = { ...envelope, tag: 'AAAA' };
    expectCode(() => decryptPayload(shortTag, key), 'unsupported_envelope');
  });

  it('marks only redis failures retryable', () => {
    expect(new JobQueueError('payload_auth_failed', 'x').retryable).toBe(false);
    expect(new JobQueueError('redis_unavailable', 'x').retryable).toBe(true);
  });
});
