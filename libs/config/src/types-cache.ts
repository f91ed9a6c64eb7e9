/** Types of `[runners.cache]` and `[runners.cache.s3]`, with GitLab's capitalised keys. */

/** `[runners.cache]` with `Type = "s3"`, the only cache type taskfleet serves. */
export interface CacheConfig {
  /** `Type`: always `s3`. */
  readonly type: 's3';
  /**
   * `Path`: prefix prepended to every cache object key.
   * @defaultValue `''`
   */
  readonly path: string;
  /**
   * `Shared`: share the cache between runners (no runner token segment in keys).
   * @defaultValue `false`
   */
  readonly shared: boolean;
  /**
   * `MaxUploadedArchiveSize` (bytes): largest cache archive uploaded.
   * @defaultValue `null` (unlimited; GitLab's 0)
   */
  readonly maxUploadedArchiveSizeBytes: number | null;
  /** `[runners.cache.s3]`. Required with `Type = "s3"`. */
  readonly s3: S3CacheConfig;
}

/** How the S3 cache authenticates. */
export type S3AuthenticationType = 'iam' | 'access-key';

/** `[runners.cache.s3]`. */
export interface S3CacheConfig {
  /**
   * `ServerAddress`: `host[:port]` of an S3-compatible server.
   * @defaultValue `null` (AWS S3 of `BucketLocation`)
   */
  readonly serverAddress: string | null;
  /**
   * `AccessKey`: access key id.
   * @defaultValue `null`
   */
  readonly accessKey: string | null;
  /**
   * `SecretKey`: secret access key; a secret.
   * @defaultValue `null`
   */
  readonly secretKey: string | null;
  /**
   * `SessionToken`: session token of temporary credentials; a secret.
   * @defaultValue `null`
   */
  readonly sessionToken: string | null;
  /** `BucketName`. Required. */
  readonly bucketName: string;
  /**
   * `BucketLocation`: the bucket's region.
   * @defaultValue `null` (`us-east-1` for AWS, as GitLab does)
   */
  readonly bucketLocation: string | null;
  /**
   * `Insecure`: talk plain HTTP to `ServerAddress`.
   * @defaultValue `false`
   */
  readonly insecure: boolean;
  /**
   * `AuthenticationType` (`iam` or `access-key`, any case).
   * @defaultValue `'access-key'` when `AccessKey` and `SecretKey` are set, else `'iam'`
   */
  readonly authenticationType: S3AuthenticationType;
  /**
   * `PathStyle`: address the bucket in the path instead of the host name.
   * @defaultValue `null` (path style for a custom `ServerAddress`, virtual-host style for AWS)
   */
  readonly pathStyle: boolean | null;
  /**
   * `ServerSideEncryption`: `S3`, `KMS` or `DSSE-KMS`.
   * @defaultValue `null` (none requested)
   */
  readonly serverSideEncryption: 'S3' | 'KMS' | 'DSSE-KMS' | null;
  /**
   * `ServerSideEncryptionKeyID`: KMS key for `KMS`/`DSSE-KMS`.
   * @defaultValue `null`
   */
  readonly serverSideEncryptionKeyId: string | null;
  /**
   * `DualStack`: use dual-stack endpoints.
   * @defaultValue `true`
   */
  readonly dualStack: boolean;
  /**
   * `Accelerate`: use S3 Transfer Acceleration.
   * @defaultValue `false`
   */
  readonly accelerate: boolean;
  /**
   * `RoleARN`: role assumed for cache access.
   * @defaultValue `null`
   */
  readonly roleArn: string | null;
}
