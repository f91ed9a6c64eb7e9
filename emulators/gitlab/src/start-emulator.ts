import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pino, { type Logger } from 'pino';

import { createAdminServer } from './admin/admin-server';
import { adminRoutes } from './admin/admin-routes';
import { AdminService } from './admin/admin-service';
import { artifactDownloadRoute } from './api/artifact-download-route';
import { artifactUploadRoute } from './api/artifact-upload-route';
import { gitHttpRoute } from './api/git-http-route';
import { jobTraceRoute } from './api/job-trace-route';
import { jobUpdateRoute } from './api/job-update-route';
import { jobsRequestRoute } from './api/jobs-request-route';
import { runnerLifecycleRoutes } from './api/runner-lifecycle-routes';
import { verifyRoute } from './api/verify-route';
import { createCiPipelineFactory } from './ci-adapter';
import { systemClock, type Clock } from './clock';
import { GitlabEmulatorError } from './errors';
import { FaultRules } from './faults/fault-rules';
import { createRunnerApiServer } from './http/runner-api-server';
import type { PipelineFactory } from './pipeline-port';
import { ProjectRegistry } from './state/project-registry';
import { RequestLog } from './state/request-log';
import { GitlabWorld } from './world/gitlab-world';
import { defaultAckTimeoutMs, defaultLongPollTimeoutMs } from './world/world-config';

/** Options of {@link startGitlabEmulator}; every one has a default. */
export interface GitlabEmulatorOptions {
  /** Loopback address to listen on; `127.0.0.1` unless given. */
  readonly host?: string;
  /** Port of the runner API (0 = any free port). */
  readonly port?: number;
  /** Port of the admin API (0 = any free port). */
  readonly adminPort?: number;
  /** Port of the second runner-facing listener redirect faults point to (0 = any free port). */
  readonly redirectPort?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where repositories and artifacts go; a temporary directory (removed on close) unless given. */
  readonly stateDir?: string;
  /** Workhorse long-poll hold; 50 s unless given, 0 = never hold. */
  readonly longPollTimeoutMs?: number;
  /** How long a handed-out job waits for `PUT state=running`; 120 s unless given. */
  readonly ackTimeoutMs?: number;
  /** `X-GitLab-Trace-Update-Interval` on trace PATCH answers; 60 unless given. */
  readonly traceUpdateIntervalSec?: number;
  readonly traceSizeLimitBytes?: number;
  readonly artifactSizeLimitBytes?: number;
  /**
   * GitLab's default rate limits (reference §8.3): 2000/min per runner token on job requests,
   * 200/min per job token on job updates and on artifacts; on unless `false`.
   */
  readonly gitlabRateLimits?: boolean;
  /** Compiles `.gitlab-ci.yml` into pipelines; the CI module unless given. */
  readonly pipelineFactory?: PipelineFactory;
}

/** A running GitLab emulator. */
export interface GitlabEmulator {
  /** The GitLab base URL a runner config uses, e.g. `http://127.0.0.1:34567`. */
  readonly url: string;
  /** Base URL of the admin API. */
  readonly adminUrl: string;
  /**
   * A second origin serving the same runner API (another host to GitLab's clients), where
   * redirect faults point by default: an upload re-sent there lands in the same job.
   */
  readonly redirectUrl: string;
  /** The admin API in-process (same logic as the admin HTTP routes). */
  readonly admin: AdminService;
  readonly clock: Clock;
  readonly stateDir: string;
  /** Stops both servers, ends held long polls and removes a temporary state directory. */
  close(): Promise<void>;
}

const requestBodyLimitBytes = 8 * 1024 * 1024;

/** Starts the runner API and the admin API on loopback ports. */
export async function startGitlabEmulator(
  options: GitlabEmulatorOptions = {},
): Promise<GitlabEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    throw new GitlabEmulatorError(
      'invalid_request',
      'could not start emulator: host must be in 127.0.0.0/8',
    );
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'gitlab-emulator-')));
  const world = new GitlabWorld(
    {
      longPollTimeoutMs: options.longPollTimeoutMs ?? defaultLongPollTimeoutMs,
      ackTimeoutMs: options.ackTimeoutMs ?? defaultAckTimeoutMs,
      traceUpdateIntervalSec: options.traceUpdateIntervalSec ?? 60,
      traceSizeLimitBytes: options.traceSizeLimitBytes ?? 100 * 1024 * 1024,
      artifactSizeLimitBytes: options.artifactSizeLimitBytes ?? 100 * 1024 * 1024,
      finalUpdateAcceptTimeoutMs: 5 * 60_000,
      stateDir,
    },
    clock,
    logger,
  );
  const projects = new ProjectRegistry();
  const faults = new FaultRules(clock);
  const requestLog = new RequestLog();
  if (options.gitlabRateLimits !== false) {
    addGitlabRateLimits(faults);
  }
  let url = '';
  let redirectUrl = '';
  const factory = options.pipelineFactory ?? createCiPipelineFactory();
  const admin = new AdminService(world, projects, faults, requestLog, factory, () => url);
  const routes = [
    verifyRoute(world),
    ...runnerLifecycleRoutes(world),
    jobsRequestRoute(world),
    jobUpdateRoute(world),
    jobTraceRoute(world),
    artifactUploadRoute(world),
    artifactDownloadRoute(world),
    gitHttpRoute(world, projects),
  ];
  const serverDeps = {
    routes,
    faults,
    requestLog,
    clock,
    logger,
    bodyLimitBytes: requestBodyLimitBytes,
    redirectUrl: () => redirectUrl,
  };
  const apiServer = createRunnerApiServer({ ...serverDeps, listener: 'api' });
  const redirectServer = createRunnerApiServer({ ...serverDeps, listener: 'redirect' });
  const adminServer = createAdminServer(adminRoutes(admin, clock), logger);
  try {
    url = `http://${host}:${await listen(apiServer, host, options.port ?? 0)}`;
    const adminUrl = `http://${host}:${await listen(adminServer, host, options.adminPort ?? 0)}`;
    redirectUrl = `http://${host}:${await listen(redirectServer, host, options.redirectPort ?? 0)}`;
    logger.info({ url, adminUrl, redirectUrl }, 'gitlab emulator ready');
    return {
      url,
      adminUrl,
      redirectUrl,
      admin,
      clock,
      stateDir,
      close: async () => {
        world.stop();
        await Promise.all([
          closeServer(apiServer),
          closeServer(adminServer),
          closeServer(redirectServer),
        ]);
        if (ownsStateDir) {
          await rm(stateDir, { recursive: true, force: true });
        }
        logger.info({ url }, 'gitlab emulator stopped');
      },
    };
  } catch (cause) {
    world.stop();
    await Promise.all([
      closeServer(apiServer),
      closeServer(adminServer),
      closeServer(redirectServer),
    ]);
    throw new GitlabEmulatorError('start_failed', 'could not start emulator', { cause });
  }
}

function addGitlabRateLimits(faults: FaultRules): void {
  const minuteMs = 60_000;
  faults.addRateLimit({
    method: 'POST',
    path: '/api/v4/jobs/request',
    limit: 2000,
    windowMs: minuteMs,
  });
  faults.addRateLimit({ method: 'PUT', path: '/api/v4/jobs/*', limit: 200, windowMs: minuteMs });
  // GitLab counts updates and artifact calls in one bucket per job token; here they are two.
  faults.addRateLimit({ path: '/api/v4/jobs/*/artifacts', limit: 200, windowMs: minuteMs });
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    server.close(() => {
      resolve();
    });
    // Held long polls and idle keep-alive sockets would otherwise keep close() waiting.
    server.closeAllConnections();
  });
}
