import type { Config, RunnerConfig } from '@taskfleet/config';
import { checkGroup } from '@taskfleet/provider-aws';
import type { GroupCheck } from '@taskfleet/provider-aws';
import { pino } from 'pino';

import { awsSettingsFor } from '../wiring/instance-group';
import { readKeyFile } from '../wiring/readiness-checks';
import { connectRedis } from '../wiring/redis';
import { payloadKeyProblems } from './check-payload-keys';
import { credentialsDetail } from './credentials-detail';
import { configErrorExitCode, loadOrReport } from './run-command';
import type { WriteLine } from './run-command';

/** Exit status when at least one group's setup has a problem. */
export const checkProblemsExitCode = 1;
/** Exit status when some group could not be read (and none read had a problem). */
export const checkUnreadableExitCode = 3;

/** Options of `taskfleet check`. */
export interface CheckOptions {
  readonly configPath: string;
}

/** How one runner's group is checked; the real one asks AWS, tests may pass their own. */
export type GroupChecker = (config: Config, runner: RunnerConfig) => Promise<GroupCheck>;

const silent = pino({ enabled: false });

/** Checks a runner's group through the AWS SDK with the runner's own plugin settings. */
export const awsGroupChecker: GroupChecker = (config, runner) =>
  checkGroup(
    // Describing the group needs no instance login, so a missing key does not hide its problems.
    awsSettingsFor(config, runner, silent, { readKey: false }),
    runner.autoscaler.maxInstanceCount,
  );

/**
 * Describes every runner's group and prints one line per problem, all at once; returns 0 when
 * every group is set up as taskfleet needs, 1 with problems, 2 for an unusable config and 3 when
 * a group could not be read. Config errors go to `writeError` (stderr in main.ts).
 */
export async function runCheck(
  options: CheckOptions,
  writeLine: WriteLine,
  checker: GroupChecker = awsGroupChecker,
  writeError: WriteLine = writeLine,
): Promise<number> {
  const loaded = await loadOrReport(options.configPath, writeError);
  if (loaded === undefined) {
    return configErrorExitCode;
  }
  const { config } = loaded;
  const results = await Promise.all(
    config.runners.map(async runner => {
      const label = `runner ${JSON.stringify(runner.name)} group ${JSON.stringify(
        runner.autoscaler.pluginConfig.groupName,
      )}`;
      try {
        return { label, check: await checker(config, runner) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const detail = credentialsDetail(error, runner, process.env);
        return { label, error: detail === undefined ? message : `${message}: ${detail}` };
      }
    }),
  );
  let problems = 0;
  let unreadable = 0;
  for (const result of results) {
    if (result.check === undefined) {
      unreadable += 1;
      writeLine(`${result.label}: could not check: ${result.error}`);
      continue;
    }
    problems += result.check.problems.length;
    for (const problem of result.check.problems) {
      writeLine(`${result.label}: ${problem.code}: ${problem.message}`);
    }
    if (result.check.problems.length === 0) {
      writeLine(`${result.label}: ok`);
    }
  }
  problems += await checkKeyFiles(config, writeLine);
  const keys = await checkPayloadKeys(config, writeLine);
  problems += keys.problems;
  unreadable += keys.unreadable;
  if (problems > 0) {
    return checkProblemsExitCode;
  }
  return unreadable > 0 ? checkUnreadableExitCode : 0;
}

/** One `ssh_key_unreadable` line per runner whose connector key_path cannot be used. */
async function checkKeyFiles(config: Config, writeLine: WriteLine): Promise<number> {
  let problems = 0;
  for (const runner of config.runners) {
    const { keyPath } = runner.autoscaler.connector;
    if (keyPath === null) {
      continue;
    }
    try {
      await readKeyFile(keyPath);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      writeLine(`runner ${JSON.stringify(runner.name)}: ssh_key_unreadable: ${message}`);
      problems += 1;
    }
  }
  return problems;
}

async function checkPayloadKeys(
  config: Config,
  writeLine: WriteLine,
): Promise<{ problems: number; unreadable: number }> {
  let redis;
  try {
    redis = await connectRedis(config.taskfleet.redisUrl);
  } catch (error) {
    writeLine(
      `payload keys: could not check: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { problems: 0, unreadable: 1 };
  }
  try {
    let problems = 0;
    for (const result of await payloadKeyProblems(config, redis)) {
      for (const problem of result.problems) {
        writeLine(`runner ${JSON.stringify(result.runner.name)}: ${problem}`);
        problems += 1;
      }
    }
    return { problems, unreadable: 0 };
  } catch (error) {
    writeLine(
      `payload keys: could not check: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { problems: 0, unreadable: 1 };
  } finally {
    redis.disconnect();
  }
}
