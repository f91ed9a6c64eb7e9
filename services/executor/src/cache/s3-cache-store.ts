import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PutObjectCommandInput, S3ClientConfig } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';

import { ExecutorError } from '../errors';

/** `[runners.cache.s3]` as the executor uses it (the shape `@taskfleet/config` reads). */
export interface S3CacheSettings {
  readonly serverAddress: string | null;
  readonly accessKey: string | null;
  readonly secretKey: string | null;
  readonly sessionToken: string | null;
  readonly bucketName: string;
  readonly bucketLocation: string | null;
  readonly insecure: boolean;
  readonly authenticationType: 'iam' | 'access-key';
  readonly pathStyle: boolean | null;
  readonly serverSideEncryption: 'S3' | 'KMS' | 'DSSE-KMS' | null;
  readonly serverSideEncryptionKeyId: string | null;
  readonly dualStack: boolean;
  readonly accelerate: boolean;
  readonly roleArn: string | null;
}

/** Where caches are kept; S3 in production, any object store in tests. */
export interface CacheStore {
  /** Writes the object to `filePath`; false when there is no such object. */
  download(objectName: string, filePath: string, signal?: AbortSignal): Promise<boolean>;
  upload(objectName: string, filePath: string, signal?: AbortSignal): Promise<void>;
  /** `s3://bucket/name`, for the log. */
  describe(objectName: string): string;
}

/** How long an assumed cache role's credentials last; the SDK renews them before they end. */
const roleSessionSeconds = 3600;

/** Builds the S3 client options GitLab Runner's s3 adapter would use for these settings. */
export function s3ClientConfig(settings: S3CacheSettings): S3ClientConfig {
  const custom = settings.serverAddress !== null;
  // GitLab Runner talks to us-east-1 when no location is set.
  const region = settings.bucketLocation ?? 'us-east-1';
  const endpoint = custom
    ? `${settings.insecure ? 'http' : 'https'}://${settings.serverAddress}`
    : undefined;
  const config: S3ClientConfig = {
    region,
    forcePathStyle: settings.pathStyle ?? custom,
    ...(endpoint !== undefined
      ? { endpoint }
      : { useDualstackEndpoint: settings.dualStack, useAccelerateEndpoint: settings.accelerate }),
  };
  if (
    settings.authenticationType === 'access-key' &&
    settings.accessKey !== null &&
    settings.secretKey !== null
  ) {
    config.credentials = {
      accessKeyId: settings.accessKey,
      secretAccessKey: settings.secretKey,
      ...(settings.sessionToken === null ? {} : { sessionToken: settings.sessionToken }),
    };
  }
  // 'iam' leaves credentials to the SDK's default chain (instance profile, env, ...).
  if (settings.roleArn !== null) {
    // The role's temporary credentials sign every cache call; the keys above (or the default
    // chain) only call STS, at the S3 server's address when one is set (one endpoint in tests).
    const stsCaller = config.credentials;
    config.credentials = fromTemporaryCredentials({
      params: {
        RoleArn: settings.roleArn,
        RoleSessionName: 'taskfleet-cache',
        DurationSeconds: roleSessionSeconds,
      },
      ...(stsCaller === undefined ? {} : { masterCredentials: stsCaller }),
      clientConfig: { region, ...(endpoint === undefined ? {} : { endpoint }) },
    });
  }
  return config;
}

/** A cache store on one S3 bucket through `@aws-sdk/client-s3`. */
export class S3CacheStore implements CacheStore {
  private readonly client: S3Client;

  constructor(private readonly settings: S3CacheSettings) {
    this.client = new S3Client(s3ClientConfig(settings));
  }

  async download(objectName: string, filePath: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.settings.bucketName, Key: objectName }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      if (answer.Body === undefined) {
        return false;
      }
      await pipeline(answer.Body as Readable, createWriteStream(filePath));
      return true;
    } catch (error) {
      if (error instanceof NoSuchKey || httpStatusOf(error) === 404) {
        return false;
      }
      throw new ExecutorError('cache_store_failed', 'could not download the cache', {
        cause: error,
      });
    }
  }

  async upload(objectName: string, filePath: string, signal?: AbortSignal): Promise<void> {
    const { size } = await stat(filePath);
    const input: PutObjectCommandInput = {
      Bucket: this.settings.bucketName,
      Key: objectName,
      Body: createReadStream(filePath),
      ContentLength: size,
      ContentType: 'application/zip',
      ...encryption(this.settings),
    };
    try {
      await this.client.send(
        new PutObjectCommand(input),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (error) {
      throw new ExecutorError('cache_store_failed', 'could not upload the cache', {
        cause: error,
      });
    }
  }

  describe(objectName: string): string {
    return `s3://${this.settings.bucketName}/${objectName}`;
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

function encryption(settings: S3CacheSettings): Partial<PutObjectCommandInput> {
  switch (settings.serverSideEncryption) {
    case 'S3':
      return { ServerSideEncryption: 'AES256' };
    case 'KMS':
      return {
        ServerSideEncryption: 'aws:kms',
        ...(settings.serverSideEncryptionKeyId === null
          ? {}
          : { SSEKMSKeyId: settings.serverSideEncryptionKeyId }),
      };
    case 'DSSE-KMS':
      return {
        ServerSideEncryption: 'aws:kms:dsse',
        ...(settings.serverSideEncryptionKeyId === null
          ? {}
          : { SSEKMSKeyId: settings.serverSideEncryptionKeyId }),
      };
    default:
      return {};
  }
}

function httpStatusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
