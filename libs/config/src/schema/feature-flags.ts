import type { EnvironmentEntry, RunnerFeatureFlags } from '../types';
import { nearMiss } from './near-miss';
import type { ReadContext } from './read-context';
import { describeValue, isTable, joinPath, report } from './read-context';

/** The GitLab Runner feature flags taskfleet acts on, with GitLab Runner's defaults. */
const actedOn = {
  FF_USE_ADAPTIVE_REQUEST_CONCURRENCY: 'useAdaptiveRequestConcurrency',
} as const satisfies Record<string, keyof RunnerFeatureFlags>;

type ActedOnName = keyof typeof actedOn;

const defaults: RunnerFeatureFlags = { useAdaptiveRequestConcurrency: true };

const flagName = /^FF_[A-Z0-9_]+$/;

function isActedOn(name: string): name is ActedOnName {
  return Object.hasOwn(actedOn, name);
}

/**
 * Reads `[runners.feature_flags]` (or `feature_flags = { … }`): every value must be a boolean
 * and every key a GitLab flag name. Flags taskfleet does not act on are accepted with a warning;
 * a near miss of one it does is a problem, since the flag would silently keep its default.
 * Undefined when anything was reported.
 */
export function readFeatureFlags(
  ctx: ReadContext,
  path: string,
  raw: unknown,
): RunnerFeatureFlags | undefined {
  if (raw === undefined) {
    return defaults;
  }
  if (!isTable(raw)) {
    report(ctx, path, `must be a table of FF_… = true|false, got ${describeValue(raw)}`);
    return undefined;
  }
  const flags: { -readonly [K in keyof RunnerFeatureFlags]: RunnerFeatureFlags[K] } = {
    ...defaults,
  };
  const ignored: string[] = [];
  let valid = true;
  const known = Object.keys(actedOn);
  for (const [name, value] of Object.entries(raw)) {
    const at = joinPath(path, name);
    if (!flagName.test(name)) {
      report(ctx, at, 'must be a GitLab Runner feature flag name (FF_ and capitals, digits, _)');
      valid = false;
      continue;
    }
    if (typeof value !== 'boolean') {
      report(ctx, at, `must be true or false, got ${describeValue(value)}`);
      valid = false;
      continue;
    }
    if (isActedOn(name)) {
      flags[actedOn[name]] = value;
      continue;
    }
    const meant = nearMiss(
      name,
      known.filter(k => !(k in raw)),
    );
    if (meant !== undefined) {
      report(ctx, at, `unknown feature flag; did you mean ${JSON.stringify(meant)}?`);
      valid = false;
      continue;
    }
    ignored.push(at);
  }
  if (ignored.length > 0) {
    ctx.warnings.push(`feature flags taskfleet does not act on, ignored: ${ignored.join(', ')}`);
  }
  return valid ? flags : undefined;
}

/**
 * Warns about a flag taskfleet acts on set in `environment`: those are job variables, and
 * GitLab Runner reads request-side flags from `[runners.feature_flags]` only.
 */
export function warnFlagsInEnvironment(
  ctx: ReadContext,
  path: string,
  entries: readonly EnvironmentEntry[],
): void {
  for (const [index, entry] of entries.entries()) {
    if (isActedOn(entry.name)) {
      ctx.warnings.push(
        `${joinPath(path, index)}: ${entry.name} is a job variable here and does not change ` +
          `the poller; set it in [runners.feature_flags]`,
      );
    }
  }
}
