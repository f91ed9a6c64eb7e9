import { jsonResponse, messageResponse, type ApiResponse } from '../http/api-response';
import type { RouteContext } from '../http/route';
import type { RunnerManager, RunnerRecord } from '../state/runner-registry';
import type { GitlabWorld } from '../world/gitlab-world';

/** A runner that authenticated, or the answer GitLab gives when it did not. */
export type RunnerAuth =
  | { readonly ok: true; readonly runner: RunnerRecord; readonly manager: RunnerManager }
  | { readonly ok: false; readonly response: ApiResponse };

/** Grape's answer to a request without the required `token` parameter. */
export function tokenMissing(): ApiResponse {
  return jsonResponse(400, { error: 'token is missing' });
}

/** Authenticates a runner from the body `token` (as GitLab does) and records its heartbeat. */
export function authenticateRunner(world: GitlabWorld, ctx: RouteContext): RunnerAuth {
  const token = ctx.json?.token;
  if (typeof token !== 'string') {
    return { ok: false, response: tokenMissing() };
  }
  const runner = world.runners.authenticate(token, world.clock.now());
  if (runner === undefined) {
    return { ok: false, response: messageResponse(403, '403 Forbidden') };
  }
  ctx.log.runnerId = runner.id;
  const manager = world.runners.heartbeat(
    runner,
    ctx.json?.system_id,
    ctx.json?.info,
    world.clock.now(),
  );
  return { ok: true, runner, manager };
}
