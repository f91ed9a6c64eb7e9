import type { EnvironmentSource } from '../environment';
import type { Config, RunnerConfig } from '../types';
import { readGlobal } from './global';
import type { ReadContext } from './read-context';
import { joinPath, report } from './read-context';
import { allValid, readTableArray } from './read-table';
import { readRunner } from './runner';
import { readTaskfleet } from './taskfleet';

// One Auto Scaling group per [[runners]] entry (reference/autoscaler.md §1, aws.md §1.4):
// two entries scaling one group fight each other and kill each other's jobs.
function checkDistinctGroups(
  ctx: ReadContext,
  runners: readonly (RunnerConfig | undefined)[],
): void {
  const firstUse = new Map<string, number>();
  for (const [index, runner] of runners.entries()) {
    if (runner === undefined) {
      continue;
    }
    const { groupName, region } = runner.autoscaler.pluginConfig;
    const group = `${region ?? ''}/${groupName}`;
    const earlier = firstUse.get(group);
    if (earlier === undefined) {
      firstUse.set(group, index);
      continue;
    }
    const path = joinPath(
      joinPath(joinPath(joinPath('runners', index), 'autoscaler'), 'plugin_config'),
      'name',
    );
    report(
      ctx,
      path,
      `group ${JSON.stringify(groupName)} is also used by runners[${earlier}]: each [[runners]] entry needs its own Auto Scaling group`,
    );
  }
}

/** Reads a whole parsed TOML document into a Config, or undefined when any problem was found. */
export function readConfig(
  ctx: ReadContext,
  document: Record<string, unknown>,
  env: EnvironmentSource,
  localTimeZone: string,
): Config | undefined {
  const global = readGlobal(ctx, document);
  let runnerList: (RunnerConfig | undefined)[] | undefined;
  if (document.runners === undefined) {
    report(ctx, 'runners', 'is required: add at least one [[runners]] entry');
  } else {
    runnerList = readTableArray(ctx, 'runners', document.runners, (element, path) =>
      readRunner(ctx, path, element, localTimeZone),
    );
    if (runnerList?.length === 0) {
      report(ctx, 'runners', 'must hold at least one [[runners]] entry');
    }
  }
  if (runnerList !== undefined) {
    checkDistinctGroups(ctx, runnerList);
  }
  const taskfleet = readTaskfleet(ctx, document.taskfleet, env);
  const runners = allValid(runnerList);
  if (ctx.problems.length > 0 || !global || !runners || !taskfleet) {
    return undefined;
  }
  return { ...global, runners, taskfleet };
}
