import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { loadConfig } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Logger } from 'pino';

import { CliError } from '../errors';
import { connectRedis } from '../wiring/redis';
import { closeAll } from '../wiring/service';
import type { RunningService } from '../wiring/service';
import { startServices } from '../wiring/services';
import { expectationMismatches } from './check-results';
import { demoConfigToml } from './demo-config';
import { deleteKeys } from './redis-keys';
import type { DemoOptions } from './demo-options';
import { startDemoWorld } from './demo-world';
import type { DemoWorld } from './demo-world';
import { loadExampleProjects, loadProject } from './project-files';
import type { DemoProject } from './project-files';
import { runPipeline } from './run-pipeline';
import type { PipelineRun } from './run-pipeline';
import { renderJson, renderJsonError, renderRun } from './render';

/** Where the demo writes: results on `out`, progress on `progress`. */
export interface DemoOutput {
  out(line: string): void;
  progress(line: string): void;
}

const fleetPollMs = 500;

async function waitForEmptyFleet(world: DemoWorld, signal: AbortSignal): Promise<void> {
  while ((await world.groupMemberCount()) > 0) {
    if (signal.aborted) {
      throw new CliError('timeout', 'could not see the fleet return to zero instances in time');
    }
    await new Promise(done => setTimeout(done, fleetPollMs));
  }
}

async function projectsFor(options: DemoOptions, examplesDir: string): Promise<DemoProject[]> {
  if (options.projectDir !== undefined) {
    return [await loadProject(resolve(options.projectDir), options.variablesFile)];
  }
  if (options.variablesFile !== undefined) {
    throw new CliError('invalid_argument', 'could not use --variables without --project');
  }
  return loadExampleProjects(examplesDir);
}

/**
 * The whole demo: Redis check, emulators, group, services, each pipeline to its end, the fleet
 * back to zero; returns the exit status (0 only if every job ended as expected). A failure is
 * thrown for the caller's stderr line; with `--json` it is also one JSON document on `out`.
 */
export async function runDemo(
  options: DemoOptions,
  examplesDir: string,
  logger: Logger,
  output: DemoOutput,
  stop: AbortSignal,
): Promise<number> {
  try {
    return await demoRun(options, examplesDir, logger, output, stop);
  } catch (error) {
    if (options.json) {
      // A script reading stdout would otherwise get nothing at all to parse.
      output.out(renderJsonError(error));
    }
    throw error;
  }
}

async function demoRun(
  options: DemoOptions,
  examplesDir: string,
  logger: Logger,
  output: DemoOutput,
  stop: AbortSignal,
): Promise<number> {
  const startedAtMs = Date.now();
  const projects = await projectsFor(options, examplesDir);
  const redis = await connectRedis(options.redisUrl);
  const keyPrefix = `demo-${randomBytes(4).toString('hex')}`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([timeout, stop]);
  let world: DemoWorld | undefined;
  let services: RunningService[] = [];
  const configDir = await mkdtemp(join(tmpdir(), 'taskfleet-demo-config-'));
  // The config holds the runner token and the payload key. A second Ctrl-C exits at once
  // (process.exit), skipping the finally below; an exit listener still runs, synchronously.
  const removeConfig = (): void => {
    rmSync(configDir, { recursive: true, force: true });
  };
  process.once('exit', removeConfig);
  try {
    world = await startDemoWorld(logger);
    const configPath = join(configDir, 'config.toml');
    await writeFile(configPath, demoConfigToml({ world, redisUrl: options.redisUrl, keyPrefix }), {
      mode: 0o600,
    });
    const { config } = await loadConfig(configPath);
    services = await startServices('all', config, redis, logger);
    const runner = config.runners[0];
    if (runner === undefined) {
      throw new CliError('demo_failed', 'could not find the demo runner in its config');
    }
    const registry = createRegistry({
      redis,
      keyPrefix,
      runnerKey: runnerKeyFor(runner),
      logger,
    });
    const runs: PipelineRun[] = [];
    let mismatchCount = 0;
    for (const [index, project] of projects.entries()) {
      const run = await runPipeline(
        world.gitlab,
        registry,
        project,
        index,
        line => {
          output.progress(line);
        },
        signal,
      );
      runs.push(run);
      const mismatches =
        project.expectation === undefined
          ? []
          : expectationMismatches(run.jobs, project.expectation);
      mismatchCount += mismatches.length;
      if (!options.json) {
        for (const line of [...renderRun(run), ...mismatches.map(m => `MISMATCH ${m}`)]) {
          output.out(line);
        }
      }
    }
    output.progress('waiting for the fleet to return to zero instances');
    await waitForEmptyFleet(world, signal);
    const wallSeconds = ((Date.now() - startedAtMs) / 1000).toFixed(1);
    if (options.json) {
      output.out(renderJson(runs, options.projectDir !== undefined));
    } else {
      output.out(
        `fleet at zero instances; ${runs.length} pipeline(s), ${mismatchCount} mismatch(es), ${wallSeconds} s`,
      );
    }
    return mismatchCount === 0 ? 0 : 1;
  } finally {
    if (stop.aborted) {
      output.progress('interrupted: cleaning up');
    }
    await closeAll(services);
    await world?.close();
    await deleteKeys(redis, keyPrefix).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not delete the demo redis keys');
    });
    await redis.quit();
    process.off('exit', removeConfig);
    await rm(configDir, { recursive: true, force: true });
  }
}
