/** What `taskfleet demo` was asked to do. */
export interface DemoOptions {
  /** A directory with a .gitlab-ci.yml to run instead of every example pipeline. */
  readonly projectDir: string | undefined;
  /** Print one JSON document instead of progress and a summary. */
  readonly json: boolean;
  /** A JSON array of `{key, value, masked, file}`: the project's CI/CD variables. */
  readonly variablesFile: string | undefined;
  /** Bound on the whole demo. */
  readonly timeoutMs: number;
  /** The Redis the services use; the demo's keys go under a unique prefix there. */
  readonly redisUrl: string;
}
