/** Errors of taskfleet config; every one is final: fixing the config is the only remedy. */

/** Stable codes of {@link ConfigError}: `config_invalid` (bad content), `config_unreadable` (no file). */
export type ConfigErrorCode = 'config_invalid' | 'config_unreadable';

/** One thing wrong with a config, located by its dotted path (`runners[0].autoscaler.policy[1]`). */
export interface ConfigProblem {
  /** Where the problem is, as `runners[0].autoscaler.max_instances`; empty for the whole document. */
  readonly path: string;
  /** What is wrong, lower-case, never echoing a secret. */
  readonly message: string;
  /** 1-based line of a TOML syntax error. */
  readonly line?: number;
  /** 1-based column of a TOML syntax error. */
  readonly column?: number;
}

/** Formats one problem as it appears in {@link ConfigError.message}: `path: message`. */
export function formatProblem(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

/** Thrown when a config cannot be read or is invalid; lists every problem found, one per line. */
export class ConfigError extends Error {
  /** Why the config was refused. */
  readonly code: ConfigErrorCode;
  /** Config errors never heal by retrying. */
  readonly retryable = false;
  /** Every problem found, in document order. */
  readonly problems: readonly ConfigProblem[];
  /** The file name or label the config came from. */
  readonly sourceName: string;

  constructor(
    code: ConfigErrorCode,
    sourceName: string,
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const verb = code === 'config_unreadable' ? 'read' : 'load';
    const lines = problems.map(problem => `  ${formatProblem(problem)}`);
    super([`could not ${verb} config ${sourceName}: ${count}`, ...lines].join('\n'), options);
    this.name = 'ConfigError';
    this.code = code;
    this.problems = Object.freeze(problems.map(problem => Object.freeze({ ...problem })));
    this.sourceName = sourceName;
  }

  /** Recognises a ConfigError also across realms or duplicated package copies, by its shape. */
  static is(value: unknown): value is ConfigError {
    if (typeof value !== 'object' || value === null) {
      return false;
    }
    const { name, code, problems } = value as {
      name?: unknown;
      code?: unknown;
      problems?: unknown;
    };
    return (
      name === 'ConfigError' &&
      (code === 'config_invalid' || code === 'config_unreadable') &&
      Array.isArray(problems)
    );
  }
}
