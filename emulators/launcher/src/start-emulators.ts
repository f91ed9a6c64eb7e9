import { join } from 'node:path';

import { createSshdInstanceHost, startAwsEmulator } from '@taskfleet/emulator-aws';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { Logger } from 'pino';

import { LauncherError } from './errors';

type AwsEmulator = Awaited<ReturnType<typeof startAwsEmulator>>;
type GitlabEmulator = Awaited<ReturnType<typeof startGitlabEmulator>>;
/** Whatever runs the AWS emulator's instances (the real sshd host unless a test brings one). */
export type LauncherInstanceHost = NonNullable<
  NonNullable<Parameters<typeof startAwsEmulator>[0]>['instanceHost']
>;

/** Ports and files of both emulators; 0 or absent ports mean any free port on 127.0.0.1. */
export interface StartEmulatorsOptions {
  readonly awsPort?: number;
  readonly awsAdminPort?: number;
  readonly gitlabPort?: number;
  readonly gitlabAdminPort?: number;
  /** Root directory: instances go under `aws/`, repositories and artifacts under `gitlab/`. */
  readonly stateDir?: string;
  readonly logger: Logger;
  /** Runs the instances; a real sshd host, owned and closed by the launcher, unless given. */
  readonly instanceHost?: LauncherInstanceHost;
}

/** The addresses printed by `npm run emulators`. */
export interface EmulatorUrls {
  readonly aws: { readonly endpoint: string; readonly admin: string };
  readonly gitlab: { readonly url: string; readonly admin: string };
}

/** Both emulators, running. */
export interface RunningEmulators {
  readonly urls: EmulatorUrls;
  /** Stops both emulators and terminates every instance; safe to call more than once. */
  close(): Promise<void>;
}

/** Starts the AWS and GitLab emulators side by side and returns once both are listening. */
export async function startEmulators(options: StartEmulatorsOptions): Promise<RunningEmulators> {
  const { logger } = options;
  const ownsHost = options.instanceHost === undefined;
  const instanceHost =
    options.instanceHost ??
    createSshdInstanceHost({
      logger: logger.child({ component: 'instances' }),
      stateRoot: options.stateDir === undefined ? undefined : join(options.stateDir, 'aws'),
    });
  const [aws, gitlab] = await Promise.allSettled([
    startAwsEmulator({
      port: options.awsPort ?? 0,
      adminPort: options.awsAdminPort ?? 0,
      instanceHost,
      logger: logger.child({ emulator: 'aws' }),
    }),
    startGitlabEmulator({
      port: options.gitlabPort ?? 0,
      adminPort: options.gitlabAdminPort ?? 0,
      stateDir: options.stateDir === undefined ? undefined : join(options.stateDir, 'gitlab'),
      logger: logger.child({ emulator: 'gitlab' }),
    }),
  ]);
  const closeAll = onceOnly(() =>
    closeEverything(
      aws.status === 'fulfilled' ? aws.value : undefined,
      gitlab.status === 'fulfilled' ? gitlab.value : undefined,
      ownsHost ? instanceHost : undefined,
    ),
  );
  if (aws.status === 'rejected' || gitlab.status === 'rejected') {
    // The one that did start must not outlive the failed launch (nor keep its ports).
    await closeAll().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not close an emulator after a failed start');
    });
    const causes = [aws, gitlab].flatMap(r =>
      r.status === 'rejected' ? [r.reason as unknown] : [],
    );
    throw new LauncherError('start_failed', 'could not start the emulators', {
      cause: causes.length === 1 ? causes[0] : new AggregateError(causes),
    });
  }
  const urls: EmulatorUrls = Object.freeze({
    aws: Object.freeze({ endpoint: aws.value.endpoint, admin: aws.value.adminEndpoint }),
    gitlab: Object.freeze({ url: gitlab.value.url, admin: gitlab.value.adminUrl }),
  });
  logger.info({ urls }, 'emulators ready');
  return { urls, close: closeAll };
}

async function closeEverything(
  aws: AwsEmulator | undefined,
  gitlab: GitlabEmulator | undefined,
  ownedHost: LauncherInstanceHost | undefined,
): Promise<void> {
  const results = await Promise.allSettled([aws?.close(), gitlab?.close()]);
  // After the AWS emulator, so nothing launches a new instance while the host shuts down.
  results.push(...(await Promise.allSettled([ownedHost?.close()])));
  const failures = results.flatMap(r => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    throw new LauncherError('close_failed', 'could not close the emulators', {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
}

function onceOnly(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= run());
}
