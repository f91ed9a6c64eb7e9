import { AwsApiError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { readTagSpecifications, tagSetXml } from '../ec2-params';
import type { KeyPair } from '../key-pairs';
import { generateSshKeyPair, importedKeyFingerprint, parseOpenSshPublicKey } from '../ssh-keys';

function keyXml(pair: KeyPair): Record<string, string | { key: string; value: string }[]> {
  return {
    keyFingerprint: pair.keyFingerprint,
    keyName: pair.keyName,
    keyPairId: pair.keyPairId,
    tagSet: tagSetXml(pair.tags),
  };
}

/** CreateKeyPair: generates a real key pair (rsa 2048 PEM, or ed25519 OpenSSH) and keeps only the public half. */
export const createKeyPair: QueryHandler = (model, params) => {
  const keyName = params.requiredString('KeyName');
  const keyType = params.string('KeyType') ?? 'rsa';
  if (keyType !== 'rsa' && keyType !== 'ed25519') {
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value (${keyType}) for parameter keyType is invalid. Valid values are rsa and ed25519.`,
    );
  }
  const keyFormat = params.string('KeyFormat') ?? 'pem';
  if (keyFormat !== 'pem') {
    // TODO(when-a-test-needs-it): PuTTY (ppk) key material is not modelled.
    throw new AwsApiError(
      'InvalidParameterValue',
      `Value (${keyFormat}) for parameter keyFormat is not supported by this emulator.`,
    );
  }
  model.keyPairs.assertFree(keyName);
  const generated = generateSshKeyPair(keyType, keyName);
  const pair = model.keyPairs.add({
    keyName,
    keyType,
    keyFingerprint: generated.fingerprint,
    publicKey: generated.publicKey,
    createTimeMs: model.ctx.clock.now(),
    tags: readTagSpecifications(params, 'TagSpecification', 'key-pair'),
  });
  return { ...keyXml(pair), keyMaterial: generated.privateKey };
};

/** ImportKeyPair: stores an OpenSSH public key given base64-encoded in PublicKeyMaterial. */
export const importKeyPair: QueryHandler = (model, params) => {
  const keyName = params.requiredString('KeyName');
  const material = Buffer.from(params.requiredString('PublicKeyMaterial'), 'base64').toString(
    'utf8',
  );
  const parsed = parseOpenSshPublicKey(material);
  if (parsed === undefined || (parsed.type !== 'ssh-rsa' && parsed.type !== 'ssh-ed25519')) {
    throw new AwsApiError('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
  }
  const pair = model.keyPairs.add({
    keyName,
    keyType: parsed.type === 'ssh-rsa' ? 'rsa' : 'ed25519',
    keyFingerprint: importedKeyFingerprint(parsed),
    publicKey: material.trim(),
    createTimeMs: model.ctx.clock.now(),
    tags: readTagSpecifications(params, 'TagSpecification', 'key-pair'),
  });
  return keyXml(pair);
};

/** DescribeKeyPairs: by name or id, or all. */
export const describeKeyPairs: QueryHandler = (model, params) => {
  const names = params.strings('KeyName', false);
  const ids = params.strings('KeyPairId', false);
  for (const name of names) {
    if (model.keyPairs.get(name) === undefined) {
      throw new AwsApiError('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
    }
  }
  const includePublicKey = params.bool('IncludePublicKey') ?? false;
  const pairs = model.keyPairs
    .list()
    .filter(
      p =>
        (names.length === 0 || names.includes(p.keyName)) &&
        (ids.length === 0 || ids.includes(p.keyPairId)),
    );
  return {
    keySet: pairs.map(p => ({
      ...keyXml(p),
      keyType: p.keyType,
      publicKey: includePublicKey ? p.publicKey : undefined,
      createTime: new Date(p.createTimeMs),
    })),
  };
};
