import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { JobQueueError } from './errors';

/** The envelope version this code writes; readers refuse any other. */
export const payloadEnvelopeVersion = 1;

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

// TODO(#3): add a key id (`kid`) to the envelope once payload keys can be rotated.
/** A job payload encrypted with AES-256-GCM, as stored in Redis (all binary fields base64). */
export interface EncryptedPayload {
  readonly v: typeof payloadEnvelopeVersion;
  readonly alg: 'A256GCM';
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
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
