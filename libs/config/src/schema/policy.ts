import { z } from 'zod';
import type { PolicyConfig } from '../types-autoscaler';
import { goDuration, stringArray, tomlBoolean, tomlFloat, tomlInt, tomlString } from './primitives';
import { cronPeriodProblem, isKnownTimeZone } from './cron-period';
import type { ReadContext } from './read-context';
import { joinPath, report } from './read-context';
import { readTable } from './read-table';

const policySchema = z.object({
  periods: stringArray().optional(),
  timezone: tomlString().optional(),
  idle_count: tomlInt().optional(),
  idle_time: goDuration().optional(),
  scale_factor: tomlFloat().optional(),
  scale_factor_limit: tomlInt().optional(),
  preemptive_mode: tomlBoolean().optional(),
});

/** The policy used when `[[runners.autoscaler.policy]]` is absent: always active, nothing idle. */
export const defaultPeriods: readonly string[] = ['* * * * *'];

/** Reads one `[[runners.autoscaler.policy]]`; cron periods and the zone are checked, not evaluated. */
export function readPolicy(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  localTimeZone: string,
): PolicyConfig | undefined {
  const read = readTable(ctx, path, raw, policySchema);
  if (read === undefined) {
    return undefined;
  }
  const { fields: policy, invalid } = read;
  let valid = read.value !== undefined;
  const periods = policy.periods ?? defaultPeriods;
  if (policy.periods?.length === 0) {
    report(ctx, joinPath(path, 'periods'), 'must hold at least one cron expression');
    valid = false;
  }
  for (const [index, period] of periods.entries()) {
    const problem = cronPeriodProblem(period);
    if (problem !== undefined) {
      report(ctx, joinPath(joinPath(path, 'periods'), index), problem);
      valid = false;
    }
  }
  if (policy.timezone !== undefined && !isKnownTimeZone(policy.timezone)) {
    const zone = JSON.stringify(policy.timezone);
    report(
      ctx,
      joinPath(path, 'timezone'),
      `unknown time zone ${zone}: use an IANA name such as "Europe/Berlin"`,
    );
    valid = false;
  }
  const idleCount = policy.idle_count ?? 0;
  if (policy.preemptive_mode === true && idleCount === 0 && !invalid.has('idle_count')) {
    report(
      ctx,
      joinPath(path, 'preemptive_mode'),
      'preemptive_mode = true needs idle_count > 0: with no idle slot kept, no job would ever be requested',
    );
    valid = false;
  }
  if (!valid || read.value === undefined) {
    return undefined;
  }
  const scaleFactor = policy.scale_factor ?? 0;
  const scaleFactorLimit = policy.scale_factor_limit ?? 0;
  if (scaleFactorLimit > 0 && scaleFactor === 0) {
    ctx.warnings.push(`${joinPath(path, 'scale_factor_limit')} has no effect without scale_factor`);
  }
  return {
    periods: [...periods],
    timezone: policy.timezone ?? localTimeZone,
    idleCount,
    idleTimeMs: policy.idle_time ?? 0,
    scaleFactor,
    scaleFactorLimit: scaleFactorLimit === 0 ? null : scaleFactorLimit,
    preemptiveMode: policy.preemptive_mode ?? idleCount > 0,
  };
}
