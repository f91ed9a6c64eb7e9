import { AwsApiError } from '../errors';
import type { Random } from '../random';
import type { Tag } from './instance';

/** A stored EC2 key pair (the private key is never kept). */
export interface KeyPair {
  readonly keyPairId: string;
  readonly keyName: string;
  readonly keyType: 'rsa' | 'ed25519';
  readonly keyFingerprint: string;
  readonly publicKey: string;
  readonly createTimeMs: number;
  readonly tags: readonly Tag[];
}

/** The region's key pairs by name. */
export class KeyPairStore {
  private readonly byName = new Map<string, KeyPair>();
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /** Adds a key pair; a taken name is `InvalidKeyPair.Duplicate`. */
  add(pair: Omit<KeyPair, 'keyPairId'>): KeyPair {
    if (this.byName.has(pair.keyName)) {
      throw new AwsApiError(
        'InvalidKeyPair.Duplicate',
        `The keypair '${pair.keyName}' already exists.`,
      );
    }
    const stored = { ...pair, keyPairId: `key-${this.random.hex(17)}` };
    this.byName.set(pair.keyName, stored);
    return stored;
  }

  /** Checks a name is free before an expensive key generation. */
  assertFree(keyName: string): void {
    if (this.byName.has(keyName)) {
      throw new AwsApiError('InvalidKeyPair.Duplicate', `The keypair '${keyName}' already exists.`);
    }
  }

  /** The key pair with this name, if any. */
  get(keyName: string): KeyPair | undefined {
    return this.byName.get(keyName);
  }

  /** Every key pair. */
  list(): KeyPair[] {
    return [...this.byName.values()];
  }
}
