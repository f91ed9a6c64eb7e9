import type { IncomingMessage } from 'node:http';

import { messageResponse, type ApiResponse } from '../http/api-response';
import type { RouteContext } from '../http/route';
import type { JobRuntime } from '../state/job-runtime';
import type { GitlabWorld } from '../world/gitlab-world';

/** A job whose token authenticated, or GitLab's refusal. */
export type JobAuth =
  | { readonly ok: true; readonly runtime: JobRuntime }
  | { readonly ok: false; readonly response: ApiResponse };

/** The job token of a request: body `token`, then the `JOB-TOKEN` header, then `?token=`. */
export function jobTokenOf(
  ctx: Pick<RouteContext, 'json' | 'query'>,
  req: IncomingMessage,
): string | undefined {
  if (typeof ctx.json?.token === 'string') {
    return ctx.json.token;
  }
  const header = req.headers['job-token'];
  if (typeof header === 'string') {
    return header;
  }
  return ctx.query.get('token') ?? undefined;
}

/** GitLab's `authenticate_job!`: the token must match the job and the job be on a runner. */
export function authenticateJob(world: GitlabWorld, ctx: RouteContext): JobAuth {
  const jobId = Number(ctx.params.id);
  const runtime = Number.isSafeInteger(jobId) ? world.runtime(jobId) : undefined;
  const token = jobTokenOf(ctx, ctx.req);
  if (runtime === undefined || token === undefined || token !== runtime.token) {
    return { ok: false, response: messageResponse(403, '403 Forbidden') };
  }
  ctx.log.jobId = runtime.jobId;
  ctx.log.runnerId = runtime.runnerId;
  if (!world.isProcessing(runtime)) {
    return {
      ok: false,
      response: messageResponse(403, '403 Forbidden - Job is not processing on runner', {
        'Job-Status': world.status(runtime.jobId),
      }),
    };
  }
  const nowMs = world.clock.now();
  runtime.lastUpdateAtMs = nowMs;
  // GitLab heartbeats the runner on every authenticated job call (`heartbeat_runner: true`).
  const runner = world.runners.find(runtime.runnerId);
  if (runner !== undefined) {
    runner.contactedAtMs = nowMs;
    const manager =
      runtime.systemId === undefined ? undefined : runner.managers.get(runtime.systemId);
    if (manager !== undefined) {
      manager.contactedAtMs = nowMs;
    }
  }
  return { ok: true, runtime };
}
