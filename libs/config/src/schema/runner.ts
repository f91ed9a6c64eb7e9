import { z } from 'zod';
import type { EnvironmentEntry, RunnerConfig } from '../types';
import { readAutoscaler } from './autoscaler';
import { readCache } from './cache';
import { readFeatureFlags, warnFlagsInEnvironment } from './feature-flags';
import { orDefault, orUnlimited } from './gitlab-zero';
import {
  goDuration,
  nonEmptyString,
  oneOf,
  secretString,
  stringArray,
  tomlBoolean,
  tomlInt,
  tomlString,
} from './primitives';
import type { ReadContext } from './read-context';
import { isTable, joinPath, report } from './read-context';
import { readTable } from './read-table';

const runnerSchema = z.object({
  name: tomlString().optional(),
  url: nonEmptyString(),
  id: tomlInt().optional(),
  token: secretString(),
  // Written by `gitlab-runner register`; taskfleet does not act on them.
  token_obtained_at: z.unknown().optional(),
  token_expires_at: z.unknown().optional(),
  limit: tomlInt().optional(),
  request_concurrency: tomlInt().optional(),
  executor: tomlString().optional(),
  shell: oneOf(['bash', 'sh']).optional(),
  builds_dir: nonEmptyString().optional(),
  cache_dir: nonEmptyString().optional(),
  environment: stringArray().optional(),
  pre_get_sources_script: tomlString().optional(),
  post_get_sources_script: tomlString().optional(),
  // GitLab Runner's deprecated names, still read in place of an unset or empty new key.
  pre_clone_script: tomlString().optional(),
  post_clone_script: tomlString().optional(),
  output_limit: tomlInt().optional(),
  unhealthy_requests_limit: tomlInt().optional(),
  unhealthy_interval: goDuration().optional(),
  strict_check_interval: tomlBoolean().optional(),
  job_status_final_update_retry_limit: tomlInt().optional(),
  'tls-ca-file': nonEmptyString().optional(),
  'tls-cert-file': nonEmptyString().optional(),
  'tls-key-file': nonEmptyString().optional(),
});

type RawRunner = z.output<typeof runnerSchema>;

const nestedTables = ['autoscaler', 'cache', 'custom_build_dir', 'feature_flags'];

const customBuildDirSchema = z.object({ enabled: tomlBoolean().optional() });

/** `[runners.custom_build_dir]`: `register` writes it empty; `enabled` defaults to false. */
function readCustomBuildDir(ctx: ReadContext, path: string, raw: unknown): boolean | undefined {
  if (raw === undefined) {
    return false;
  }
  const read = readTable(ctx, path, raw, customBuildDirSchema);
  return read?.value === undefined ? undefined : (read.value.enabled ?? false);
}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readEnvironment(
  ctx: ReadContext,
  path: string,
  entries: readonly string[],
): EnvironmentEntry[] | undefined {
  const parsed = entries.map((entry, index) => {
    const at = entry.indexOf('=');
    const name = at < 0 ? entry : entry.slice(0, at);
    if (at < 0 || !variableName.test(name)) {
      report(
        ctx,
        joinPath(path, index),
        `must be "NAME=value" with NAME made of letters, digits and _, got ${JSON.stringify(name)}`,
      );
      return undefined;
    }
    return { name, value: entry.slice(at + 1) };
  });
  return parsed.every(entry => entry !== undefined) ? parsed : undefined;
}

function checkUrlAndExecutor(
  ctx: ReadContext,
  path: string,
  runner: Partial<RawRunner>,
  invalid: ReadonlySet<string>,
): boolean {
  let valid = true;
  const url = runner.url;
  if (url !== undefined && (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))) {
    report(
      ctx,
      joinPath(path, 'url'),
      `must be an http:// or https:// URL, got ${JSON.stringify(url)}`,
    );
    valid = false;
  }
  const label =
    runner.name === undefined || runner.name === ''
      ? ''
      : ` for runner ${JSON.stringify(runner.name)}`;
  if (runner.executor === undefined && !invalid.has('executor')) {
    report(ctx, joinPath(path, 'executor'), `is required${label}: set executor = "instance"`);
    valid = false;
  } else if (runner.executor !== undefined && runner.executor !== 'instance') {
    const written = JSON.stringify(runner.executor);
    report(
      ctx,
      joinPath(path, 'executor'),
      `unsupported executor ${written}${label}: taskfleet runs jobs with executor = "instance" only`,
    );
    valid = false;
  }
  return valid;
}

const deprecatedCloneScripts = [
  ['pre_clone_script', 'pre_get_sources_script'],
  ['post_clone_script', 'post_get_sources_script'],
] as const;

/** One warning per deprecated clone-script key, naming the key that replaces it. */
function warnDeprecatedCloneScripts(ctx: ReadContext, path: string, runner: RawRunner): void {
  for (const [old, replacement] of deprecatedCloneScripts) {
    if (runner[old] === undefined) {
      continue;
    }
    const ignored = (runner[replacement] ?? '') !== '' && runner[old] !== '';
    ctx.warnings.push(
      `${joinPath(path, old)} is deprecated: use ${replacement}` +
        (ignored ? ` (ignored: ${replacement} is set)` : ''),
    );
  }
}

/** GitLab's trace limit when `output_limit` is 0 or unset, in KiB. */
const defaultOutputLimitKiB = 4096;

/** Reads one `[[runners]]` entry with its autoscaler and cache. */
export function readRunner(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  localTimeZone: string,
): RunnerConfig | undefined {
  const read = readTable(ctx, path, raw, runnerSchema, nestedTables);
  if (read === undefined || !isTable(raw)) {
    return undefined;
  }
  const valid = checkUrlAndExecutor(ctx, path, read.fields, read.invalid);
  const environment = readEnvironment(
    ctx,
    joinPath(path, 'environment'),
    read.fields.environment ?? [],
  );
  if (environment !== undefined) {
    warnFlagsInEnvironment(ctx, joinPath(path, 'environment'), environment);
  }
  const featureFlags = readFeatureFlags(ctx, joinPath(path, 'feature_flags'), raw.feature_flags);
  const runner = read.value;
  if (runner !== undefined) {
    warnDeprecatedCloneScripts(ctx, path, runner);
  }
  if (raw.autoscaler === undefined) {
    report(
      ctx,
      joinPath(path, 'autoscaler'),
      'is required: add a [runners.autoscaler] table for the Auto Scaling group',
    );
  }
  const autoscaler =
    raw.autoscaler === undefined
      ? undefined
      : readAutoscaler(ctx, joinPath(path, 'autoscaler'), raw.autoscaler, localTimeZone);
  const cache = readCache(ctx, joinPath(path, 'cache'), raw.cache);
  const customBuildDirEnabled = readCustomBuildDir(
    ctx,
    joinPath(path, 'custom_build_dir'),
    raw.custom_build_dir,
  );
  if (
    !valid ||
    !runner ||
    !environment ||
    !featureFlags ||
    !autoscaler ||
    cache === undefined ||
    customBuildDirEnabled === undefined
  ) {
    return undefined;
  }
  return {
    name: runner.name ?? '',
    url: runner.url,
    // Some saved configs carry `id = 0` when GitLab sent no id; that is "unknown", not an id.
    id: orUnlimited(runner.id),
    token: runner.token,
    jobLimit: orUnlimited(runner.limit),
    requestConcurrency: Math.max(1, runner.request_concurrency ?? 1),
    featureFlags,
    executor: 'instance',
    shell: runner.shell ?? 'bash',
    buildsDir: runner.builds_dir ?? 'builds',
    cacheDir: runner.cache_dir ?? 'cache',
    environment,
    // GitLab Runner treats an empty script as none, and takes the deprecated key when the new
    // one is empty.
    preGetSourcesScript: runner.pre_get_sources_script || runner.pre_clone_script || null,
    postGetSourcesScript: runner.post_get_sources_script || runner.post_clone_script || null,
    customBuildDirEnabled,
    outputLimitBytes: orDefault(runner.output_limit, defaultOutputLimitKiB) * 1024,
    unhealthyRequestsLimit: orDefault(runner.unhealthy_requests_limit, 3),
    unhealthyIntervalMs: orDefault(runner.unhealthy_interval, 60 * 60_000),
    strictCheckInterval: runner.strict_check_interval ?? false,
    jobStatusFinalUpdateRetryLimit: orDefault(runner.job_status_final_update_retry_limit, 10),
    tlsCaFile: runner['tls-ca-file'] ?? null,
    tlsCertFile: runner['tls-cert-file'] ?? null,
    tlsKeyFile: runner['tls-key-file'] ?? null,
    autoscaler,
    cache,
  };
}
