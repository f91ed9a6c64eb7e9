import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

import { JobQueueError } from './errors';

/** The envelope version this code writes; readers refuse any other. */
export const payloadEnvelopeVersion = 1;

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

// TODO(#3): payload keys cannot be rotated yet (one key per deployment; `kid` only tells keys
// apart, so a mismatch is named instead of looking like tampering).
/** A job payload encrypted with AES-256-GCM, as stored in Redis (all binary fields base64). */
export interface EncryptedPayload {
  readonly v: typeof payloadEnvelopeVersion;
  readonly alg: 'A256GCM';
  /** The key's id ({@link payloadKeyId}); absent in envelopes written before it existed. */
  readonly kid?: string;
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

/**
 * A short public id of a payload key (HMAC-SHA256 of a fixed label under the key, 16 hex
 * characters): equal ids mean equal keys, and the id tells nothing about the key itself.
 */
export function payloadKeyId(key: Buffer): string {
  checkKey(key);
  return createHmac('sha256', key).update('taskfleet payload key id').digest('hex').slice(0, 16);
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new JobQueueError('invalid_key', 'could not use payload key: must be 32 bytes');
  }
}

/** Encrypts a job payload (JSON text) under a 32-byte key with a fresh random IV. */
export function encryptPayload(json: string, key: Buffer): EncryptedPayload {
  checkKey(key);
  // A fresh IV per message: GCM loses all secrecy if an IV repeats under one key.
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  const ct = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return {
    v: payloadEnvelopeVersion,
    alg: 'A256GCM',
    kid: payloadKeyId(key),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

function decodeField(value: unknown, expectedBytes: number | undefined): Buffer {
  if (typeof value !== 'string') {
    throw new JobQueueError('unsupported_envelope', 'could not read payload envelope field');
  }
  const bytes = Buffer.from(value, 'base64');
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new JobQueueError('unsupported_envelope', 'could not read payload envelope field');
  }
  return bytes;
}

/** Decrypts an envelope from encryptPayload back to its JSON text; throws if it was altered. */
export function decryptPayload(payload: EncryptedPayload, key: Buffer): string {
  checkKey(key);
  const envelope = payload as unknown as Record<string, unknown> | null;
  if (
    typeof envelope !== 'object' ||
    envelope === null ||
    envelope.v !== payloadEnvelopeVersion ||
    envelope.alg !== 'A256GCM'
  ) {
    throw new JobQueueError('unsupported_envelope', 'could not read payload envelope version');
  }
  if (typeof envelope.kid === 'string' && envelope.kid !== payloadKeyId(key)) {
    // Checked before GCM so that a wrong key is named as such, not taken for tampering.
    throw new JobQueueError(
      'payload_key_mismatch',
      'could not decrypt job payload: it was encrypted under another payload key',
    );
  }
  const iv = decodeField(envelope.iv, IV_BYTES);
  const tag = decodeField(envelope.tag, TAG_BYTES);
  const ct = decodeField(envelope.ct, undefined);
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new JobQueueError('payload_auth_failed', 'could not authenticate job payload', {
      cause,
    });
  }
}
