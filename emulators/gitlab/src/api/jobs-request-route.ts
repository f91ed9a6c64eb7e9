import { emptyResponse, jsonResponse, type ApiResponse } from '../http/api-response';
import type { Route, RouteContext } from '../http/route';
import type { GitlabWorld } from '../world/gitlab-world';
import { holdLongPoll } from './long-poll';
import { authenticateRunner, tokenMissing } from './runner-auth';

const lastUpdateHeader = 'X-GitLab-Last-Update';

/** `POST /api/v4/jobs/request`: Workhorse long polling in front of GitLab's job picking. */
export function jobsRequestRoute(world: GitlabWorld): Route {
  return {
    method: 'POST',
    pattern: /^\/api\/v4\/jobs\/request$/,
    bodyMode: 'buffer',
    handle: ctx => requestJob(world, ctx),
  };
}

async function requestJob(world: GitlabWorld, ctx: RouteContext): Promise<ApiResponse | undefined> {
  const token = ctx.json?.token;
  if (typeof token !== 'string') {
    return tokenMissing();
  }
  const lastUpdate = typeof ctx.json?.last_update === 'string' ? ctx.json.last_update : undefined;
  if (world.config.longPollTimeoutMs > 0 && lastUpdate !== undefined) {
    // Workhorse watches the queue key by token without authenticating: an unknown token has
    // no key, which counts as "already changed" and goes straight to Rails (403 there).
    const watched = world.runners.authenticate(token, world.clock.now());
    if (watched !== undefined && watched.queueValue === lastUpdate) {
      ctx.log.runnerId = watched.id;
      const end = await holdLongPoll(world, watched.id, ctx.res);
      if (end === 'closed') {
        return undefined;
      }
      // Workhorse answers a change seen while watching, and a timeout, with a bare 204.
      return emptyResponse(204);
    }
  }
  return pickJob(world, ctx, lastUpdate);
}

function pickJob(
  world: GitlabWorld,
  ctx: RouteContext,
  lastUpdate: string | undefined,
): ApiResponse {
  const auth = authenticateRunner(world, ctx);
  if (!auth.ok) {
    return auth.response;
  }
  const { runner, manager } = auth;
  if (runner.paused) {
    return emptyResponse(204, { [lastUpdateHeader]: runner.queueValue });
  }
  if (lastUpdate === runner.queueValue) {
    return emptyResponse(204, { [lastUpdateHeader]: lastUpdate });
  }
  const newUpdate = runner.queueValue;
  const candidates = world.candidatesFor(runner);
  const chosen = candidates[0];
  if (chosen === undefined) {
    return emptyResponse(204, { [lastUpdateHeader]: newUpdate });
  }
  const jobId = chosen.job.id;
  const before = world.requireRuntime(jobId);
  const nowMs = world.clock.now();
  const runningOnInstance = world.runningOnInstanceRunners(chosen.projectId);
  const runtime = world.assign(runner, manager, jobId);
  ctx.log.jobId = jobId;
  const payload = world.pipelineOf(runtime).buildPayload(jobId, {
    jobToken: runtime.token,
    runnerId: runner.id,
    runnerDescription: runner.description,
    runnerTags: runner.tags,
    runnerMaximumTimeoutSec: runner.maximumTimeoutSec,
    timeInQueueSeconds: Math.max(0, nowMs - (before.pendingSinceMs ?? nowMs)) / 1000,
    queueSize: candidates.length,
    queueDepth: 0,
    projectJobsRunningOnInstanceRunnersCount: runningOnInstance,
  });
  return jsonResponse(201, payload);
}
