import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import type { Logger } from 'pino';

import { demoConfigToml } from '../demo/demo-config';
import { deleteKeys } from '../demo/redis-keys';
import { startDemoWorld } from '../demo/demo-world';
import { CliError } from '../errors';
import { connectRedis } from '../wiring/redis';

/** What `taskfleet sandbox` was asked to do. */
export interface SandboxOptions {
  /** Where to write the config.toml for `taskfleet run`; removed when the sandbox stops. */
  readonly configOut: string;
  /** The Redis the services will use; the sandbox's keys are deleted from it at the end. */
  readonly redisUrl: string;
}

/** Where the sandbox writes: one JSON line on `out`, how-to lines on `hint`. */
export interface SandboxOutput {
  out(line: string): void;
  hint(line: string): void;
}

function hints(configPath: string, gitlabAdmin: string): string[] {
  const cli = 'node cli/dist/main.js';
  return [
    `sandbox ready; config written to ${configPath}`,
    `in another terminal:  ${cli} run all --config ${configPath}`,
    `check the group:      ${cli} check --config ${configPath}`,
    'start a pipeline from a directory with a .gitlab-ci.yml:',
    `  curl -s -X POST ${gitlabAdmin}/projects -H 'content-type: application/json' \\`,
    `    -d '{"path":"me/app","sourceDir":"/abs/path/to/dir"}'`,
    `  curl -s -X POST ${gitlabAdmin}/projects/PROJECT_ID/pipelines   # the id from the answer`,
    `  curl -s ${gitlabAdmin}/pipelines/PIPELINE_ID`,
    'Ctrl-C stops the emulators, terminates every instance and deletes the Redis keys',
  ];
}

/** Creates the config file empty and private, refusing a path that exists or cannot be made. */
async function claimConfigFile(configPath: string): Promise<void> {
  try {
    await writeFile(configPath, '', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST'
        ? 'it exists already (the sandbox removes its config when it stops, so give a new path)'
        : code === 'ENOENT'
          ? `the directory ${dirname(configPath)} does not exist`
          : `it cannot be created (${code ?? 'unknown error'})`;
    throw new CliError('invalid_argument', `could not write --config-out ${configPath}: ${why}`, {
      cause: error,
    });
  }
}

/**
 * Starts both emulators with the demo's group and runner and writes a matching config.toml,
 * so `taskfleet run` can be tried by hand; runs until `stop` aborts, then cleans up.
 */
export async function runSandbox(
  options: SandboxOptions,
  logger: Logger,
  output: SandboxOutput,
  stop: AbortSignal,
): Promise<number> {
  const configPath = resolve(options.configOut);
  // Claimed before anything starts: the file is removed at the end, so it must be ours.
  await claimConfigFile(configPath);
  const redis = await connectRedis(options.redisUrl).catch(async (error: unknown) => {
    await rm(configPath, { force: true });
    throw error;
  });
  const keyPrefix = `sandbox-${randomBytes(4).toString('hex')}`;
  const world = await startDemoWorld(logger).catch(async (error: unknown) => {
    await redis.quit();
    await rm(configPath, { force: true });
    throw error;
  });
  try {
    const header = 'Written by taskfleet sandbox for its emulated world; removed when it stops.';
    const text = demoConfigToml({
      world,
      redisUrl: options.redisUrl,
      keyPrefix,
      logLevel: 'info',
      header,
    });
    await writeFile(configPath, text, { mode: 0o600 });
    output.out(
      JSON.stringify({
        config: configPath,
        aws: { endpoint: world.aws.endpoint, admin: world.aws.adminEndpoint },
        gitlab: { url: world.gitlab.url, admin: world.gitlab.adminUrl },
        groupName: world.groupName,
        runnerId: world.runnerId,
        keyPrefix,
      }),
    );
    for (const line of hints(configPath, world.gitlab.adminUrl)) {
      output.hint(line);
    }
    await new Promise<void>(done => {
      if (stop.aborted) {
        done();
      }
      stop.addEventListener(
        'abort',
        () => {
          done();
        },
        { once: true },
      );
    });
    output.hint('stopping: terminating instances and deleting the sandbox keys');
    return 0;
  } finally {
    await world.close();
    await deleteKeys(redis, keyPrefix).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not delete the sandbox redis keys');
    });
    await redis.quit();
    await rm(configPath, { force: true });
  }
}
