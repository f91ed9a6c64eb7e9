import { emptyResponse, jsonResponse, messageResponse } from '../http/api-response';
import type { Route } from '../http/route';
import type { GitlabWorld } from '../world/gitlab-world';
import { authenticateRunner } from './runner-auth';

/**
 * The runner endpoints besides verify (reference §2): legacy registration (gone), unregister,
 * manager removal, token reset, and Job Router discovery (not enabled).
 */
export function runnerLifecycleRoutes(world: GitlabWorld): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/api\/v4\/runners$/,
      bodyMode: 'buffer',
      // Registration tokens are disabled by default since GitLab 17.0.
      handle: () => Promise.resolve(messageResponse(410, '410 Gone')),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v4\/runners$/,
      bodyMode: 'buffer',
      handle: ctx => {
        const auth = authenticateRunner(world, ctx);
        if (!auth.ok) {
          return Promise.resolve(auth.response);
        }
        world.runners.delete(auth.runner.id);
        return Promise.resolve(emptyResponse(204));
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v4\/runners\/managers$/,
      bodyMode: 'buffer',
      handle: ctx => {
        const systemId = ctx.json?.system_id;
        if (typeof systemId !== 'string' || systemId === '') {
          return Promise.resolve(jsonResponse(400, { error: 'system_id is missing' }));
        }
        const runner = world.runners.authenticate(ctx.json?.token, world.clock.now());
        if (runner === undefined) {
          return Promise.resolve(messageResponse(403, '403 Forbidden'));
        }
        ctx.log.runnerId = runner.id;
        if (!runner.managers.delete(systemId)) {
          return Promise.resolve(messageResponse(404, '404 Runner manager not found'));
        }
        return Promise.resolve(emptyResponse(204));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v4\/runners\/reset_authentication_token$/,
      bodyMode: 'buffer',
      handle: ctx => {
        const runner = world.runners.authenticate(ctx.json?.token, world.clock.now());
        if (runner === undefined) {
          return Promise.resolve(messageResponse(403, '403 Forbidden'));
        }
        ctx.log.runnerId = runner.id;
        world.runners.resetToken(runner, world.clock.now());
        return Promise.resolve(
          jsonResponse(201, { token: runner.token, token_expires_at: runner.tokenExpiresAt }),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v4\/runners\/router\/discovery$/,
      bodyMode: 'buffer',
      handle: ctx => {
        const token = ctx.req.headers['runner-token'];
        if (world.runners.authenticate(token, world.clock.now()) === undefined) {
          return Promise.resolve(messageResponse(403, '403 Forbidden'));
        }
        return Promise.resolve(messageResponse(501, '501 Not Implemented'));
      },
    },
  ];
}
