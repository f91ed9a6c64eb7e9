import { deepFreeze } from './freeze';
import { redactedText } from './schema/taskfleet';
import type { Config, RunnerConfig, TaskfleetConfig } from './types';

/** A Config safe to log: every token, password, key and URL password replaced by `[redacted]`. */
export type RedactedConfig = Omit<Config, 'taskfleet'> & {
  readonly taskfleet: Omit<TaskfleetConfig, 'payloadEncryptionKey'> & {
    readonly payloadEncryptionKey: string;
  };
};

function secret<T extends string | null>(value: T): T | string {
  return value === null ? value : redactedText;
}

// A URL may carry a password (`redis://:secret@host`); keep everything but that.
function redactUrl(text: string): string;
function redactUrl(text: string | null): string | null;
function redactUrl(text: string | null): string | null {
  if (text === null || !URL.canParse(text)) {
    return text;
  }
  const url = new URL(text);
  if (url.password === '') {
    return text;
  }
  const user = url.username === '' ? '' : url.username;
  return `${url.protocol}//${user}:${redactedText}@${url.host}${url.pathname}${url.search}`;
}

function redactRunner(runner: RunnerConfig): RunnerConfig {
  const { autoscaler, cache } = runner;
  return {
    ...runner,
    token: redactedText,
    autoscaler: {
      ...autoscaler,
      connector: { ...autoscaler.connector, password: secret(autoscaler.connector.password) },
    },
    cache:
      cache === null
        ? null
        : {
            ...cache,
            s3: {
              ...cache.s3,
              secretKey: secret(cache.s3.secretKey),
              sessionToken: secret(cache.s3.sessionToken),
            },
          },
  };
}

/** Returns a deeply frozen copy of `config` for logging, with every secret replaced by `[redacted]`. */
export function redactConfig(config: Config): RedactedConfig {
  const { taskfleet } = config;
  return deepFreeze({
    ...config,
    runners: config.runners.map(redactRunner),
    taskfleet: {
      ...taskfleet,
      redisUrl: redactUrl(taskfleet.redisUrl),
      telemetryEndpoint: redactUrl(taskfleet.telemetryEndpoint),
      awsEndpointUrl: redactUrl(taskfleet.awsEndpointUrl),
      payloadEncryptionKey: redactedText,
    },
  });
}
