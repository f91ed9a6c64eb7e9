import { z } from 'zod';
import type { CacheConfig, S3AuthenticationType, S3CacheConfig } from '../types-cache';
import { nonEmptyString, secretString, tomlBoolean, tomlInt, tomlString } from './primitives';
import type { ReadContext } from './read-context';
import { isTable, joinPath, report } from './read-context';
import { readTable } from './read-table';

const cacheSchema = z.object({
  Type: tomlString().optional(),
  Path: tomlString().optional(),
  Shared: tomlBoolean().optional(),
  MaxUploadedArchiveSize: tomlInt().optional(),
});

const s3Schema = z.object({
  ServerAddress: nonEmptyString().optional(),
  AccessKey: nonEmptyString().optional(),
  SecretKey: secretString().optional(),
  SessionToken: secretString().optional(),
  BucketName: nonEmptyString(),
  BucketLocation: nonEmptyString().optional(),
  Insecure: tomlBoolean().optional(),
  AuthenticationType: tomlString().optional(),
  PathStyle: tomlBoolean().optional(),
  ServerSideEncryption: tomlString().optional(),
  ServerSideEncryptionKeyID: nonEmptyString().optional(),
  DualStack: tomlBoolean().optional(),
  Accelerate: tomlBoolean().optional(),
  RoleARN: nonEmptyString().optional(),
});

type RawS3 = z.output<typeof s3Schema>;

const encryptions = ['S3', 'KMS', 'DSSE-KMS'] as const;

function authenticationType(
  ctx: ReadContext,
  path: string,
  s3: Partial<RawS3>,
  invalid: ReadonlySet<string>,
): S3AuthenticationType | undefined {
  // A key already reported as mistyped cannot take part in these cross-checks.
  if (['AuthenticationType', 'AccessKey', 'SecretKey'].some(key => invalid.has(key))) {
    return undefined;
  }
  const written = s3.AuthenticationType?.toLowerCase() ?? '';
  if (written !== '' && written !== 'iam' && written !== 'access-key') {
    report(
      ctx,
      joinPath(path, 'AuthenticationType'),
      `must be "iam" or "access-key", got ${JSON.stringify(s3.AuthenticationType)}`,
    );
    return undefined;
  }
  const hasKeys = s3.AccessKey !== undefined && s3.SecretKey !== undefined;
  if (s3.AccessKey !== undefined && s3.SecretKey === undefined) {
    report(ctx, joinPath(path, 'SecretKey'), 'is required when AccessKey is set');
    return undefined;
  }
  if (s3.SecretKey !== undefined && s3.AccessKey === undefined) {
    report(ctx, joinPath(path, 'AccessKey'), 'is required when SecretKey is set');
    return undefined;
  }
  if (written === 'access-key' && !hasKeys) {
    report(
      ctx,
      joinPath(path, 'AuthenticationType'),
      'AuthenticationType = "access-key" needs AccessKey and SecretKey',
    );
    return undefined;
  }
  if (written === '') {
    return hasKeys ? 'access-key' : 'iam';
  }
  return written;
}

function readS3(ctx: ReadContext, path: string, raw: unknown): S3CacheConfig | undefined {
  const read = readTable(ctx, path, raw ?? {}, s3Schema);
  if (read === undefined) {
    return undefined;
  }
  const auth = authenticationType(ctx, path, read.fields, read.invalid);
  const s3 = read.fields;
  const encryption = s3.ServerSideEncryption?.toUpperCase();
  const knownEncryption = encryptions.find(name => name === encryption);
  if (encryption !== undefined && encryption !== '' && knownEncryption === undefined) {
    report(
      ctx,
      joinPath(path, 'ServerSideEncryption'),
      `must be one of "S3", "KMS", "DSSE-KMS", got ${JSON.stringify(s3.ServerSideEncryption)}`,
    );
    return undefined;
  }
  if (auth === undefined || read.value === undefined) {
    return undefined;
  }
  return {
    serverAddress: s3.ServerAddress ?? null,
    accessKey: s3.AccessKey ?? null,
    secretKey: s3.SecretKey ?? null,
    sessionToken: s3.SessionToken ?? null,
    bucketName: read.value.BucketName,
    bucketLocation: s3.BucketLocation ?? null,
    insecure: s3.Insecure ?? false,
    authenticationType: auth,
    pathStyle: s3.PathStyle ?? null,
    serverSideEncryption: knownEncryption ?? null,
    serverSideEncryptionKeyId: s3.ServerSideEncryptionKeyID ?? null,
    dualStack: s3.DualStack ?? true,
    accelerate: s3.Accelerate ?? false,
    roleArn: s3.RoleARN ?? null,
  };
}

/** What {@link readCache} gives: a cache, none configured (`null`), or undefined when invalid. */
export type CacheRead = CacheConfig | null | undefined;

/** Reads `[runners.cache]`; an empty `Type` (as `gitlab-runner register` writes) means no cache. */
export function readCache(ctx: ReadContext, path: string, raw: unknown): CacheRead {
  if (raw === undefined) {
    return null;
  }
  // `register` writes empty gcs/azure sub-tables; they matter only with their own Type.
  const read = readTable(ctx, path, raw, cacheSchema, ['s3', 'gcs', 'azure']);
  if (read === undefined || !isTable(raw) || read.invalid.has('Type')) {
    return undefined;
  }
  const cache = read.fields;
  const type = cache.Type ?? '';
  if (type === '') {
    return null;
  }
  if (type !== 's3') {
    report(
      ctx,
      joinPath(path, 'Type'),
      `unsupported cache type ${JSON.stringify(type)}: taskfleet serves "s3" only`,
    );
    return undefined;
  }
  const s3 = readS3(ctx, joinPath(path, 's3'), raw.s3);
  if (s3 === undefined || read.value === undefined) {
    return undefined;
  }
  const maxSize = cache.MaxUploadedArchiveSize ?? 0;
  return {
    type: 's3',
    path: cache.Path ?? '',
    shared: cache.Shared ?? false,
    maxUploadedArchiveSizeBytes: maxSize === 0 ? null : maxSize,
    s3,
  };
}
