import { jsonResponse } from '../http/api-response';
import type { Route } from '../http/route';
import type { GitlabWorld } from '../world/gitlab-world';
import { authenticateRunner } from './runner-auth';

/** `POST /api/v4/runners/verify`: 200 with the runner's id and token, 403 for unknown tokens. */
export function verifyRoute(world: GitlabWorld): Route {
  return {
    method: 'POST',
    pattern: /^\/api\/v4\/runners\/verify$/,
    bodyMode: 'buffer',
    handle: ctx => {
      const auth = authenticateRunner(world, ctx);
      if (!auth.ok) {
        return Promise.resolve(auth.response);
      }
      const { runner } = auth;
      return Promise.resolve(
        jsonResponse(200, {
          id: runner.id,
          token: runner.token,
          token_expires_at: runner.tokenExpiresAt,
        }),
      );
    },
  };
}
