import { jsonResponse, textResponse, type ApiResponse } from '../http/api-response';
import type { Route, RouteContext } from '../http/route';
import { truncateTrace, type JobRuntime } from '../state/job-runtime';
import type { GitlabWorld } from '../world/gitlab-world';
import { storedFailureReason } from '../ci/failure-reasons';
import { authenticateJob } from './job-auth';

/** `PUT /api/v4/jobs/:id`: ack, keep-alive and final state, answered as GitLab does (§4.2). */
export function jobUpdateRoute(world: GitlabWorld): Route {
  return {
    method: 'PUT',
    pattern: /^\/api\/v4\/jobs\/(?<id>\d+)$/,
    bodyMode: 'buffer',
    handle: ctx => Promise.resolve(updateJob(world, ctx)),
  };
}

function updateJob(world: GitlabWorld, ctx: RouteContext): ApiResponse {
  const auth = authenticateJob(world, ctx);
  if (!auth.ok) {
    return auth.response;
  }
  const { runtime } = auth;
  const body = ctx.json ?? {};
  touchManager(world, runtime, body.info);
  const state = body.state;
  if (state === 'pending' && runtime.ack === 'waiting') {
    return answer(world, runtime, 200);
  }
  if (state === 'running') {
    if (runtime.ack === 'waiting') {
      world.acknowledge(runtime.jobId);
    } else {
      runtime.keepAliveCount++;
    }
    return answer(world, runtime, 200);
  }
  if (state === 'success' || state === 'failed') {
    return finalUpdate(world, runtime, body, state);
  }
  return jsonResponse(400, { message: '400 Bad request - unknown state' });
}

function finalUpdate(
  world: GitlabWorld,
  runtime: JobRuntime,
  body: Record<string, unknown>,
  state: 'success' | 'failed',
): ApiResponse {
  const nowMs = world.clock.now();
  const output = isObject(body.output) ? body.output : {};
  const checksum = typeof output.checksum === 'string' ? output.checksum : asString(body.checksum);
  const exitCode = typeof body.exit_code === 'number' ? body.exit_code : undefined;
  runtime.finalUpdate = {
    state,
    failureReason: asString(body.failure_reason),
    exitCode,
    checksum,
    bytesize: typeof output.bytesize === 'number' ? output.bytesize : undefined,
    receivedAtMs: nowMs,
  };
  if (runtime.finalTraceRejectsLeft > 0) {
    // Trace validation failed (reference §4.3 `UpdateTraceValidationFailed`): the stored log is
    // lost past the kept bytes and the runner is to send it again from byte 0.
    runtime.finalTraceRejectsLeft--;
    runtime.finalTraceRejectedCount++;
    truncateTrace(runtime, runtime.finalTraceRejectKeepBytes);
    return answer(world, runtime, 412);
  }
  if (checksum !== undefined && runtime.finalAcceptDelaysLeft > 0) {
    runtime.finalPendingSinceMs ??= nowMs;
    const ageMs = nowMs - runtime.finalPendingSinceMs;
    if (ageMs < world.config.finalUpdateAcceptTimeoutMs) {
      runtime.finalAcceptDelaysLeft--;
      runtime.finalAcceptedCount++;
      return answer(world, runtime, 202, {
        'X-GitLab-Trace-Update-Interval': String(backoffSec(ageMs)),
      });
    }
  }
  world.finish(runtime.jobId, {
    status: state,
    failureReason: state === 'failed' ? storedFailureReason(body.failure_reason) : undefined,
    exitCode,
  });
  return answer(world, runtime, 200);
}

/** GitLab's backoff for pending final states: 1, 2, 4 … 64 s by the state's age. */
function backoffSec(ageMs: number): number {
  const ageSec = Math.max(1, Math.floor(ageMs / 1000));
  return Math.min(64, 2 ** Math.floor(Math.log2(ageSec)));
}

function answer(
  world: GitlabWorld,
  runtime: JobRuntime,
  status: number,
  headers: Record<string, string> = {},
): ApiResponse {
  return textResponse(status, String(status), {
    'Job-Status': world.status(runtime.jobId),
    ...headers,
  });
}

function touchManager(world: GitlabWorld, runtime: JobRuntime, info: unknown): void {
  const runner = world.runners.find(runtime.runnerId);
  if (runner !== undefined) {
    world.runners.heartbeat(runner, runtime.systemId, info, world.clock.now());
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
