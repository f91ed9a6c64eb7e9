import { handleGitHttp, parseBasicAuth } from '../git/index';
import { textResponse, type ApiResponse } from '../http/api-response';
import type { Route, RouteContext } from '../http/route';
import type { ProjectRegistry } from '../state/project-registry';
import type { GitlabWorld } from '../world/gitlab-world';

/**
 * `/<group>/<project>.git/...`: git smart HTTP for `gitlab-ci-token:<job token>` of a job of
 * that project that is on a runner; everyone else gets 401 with a Basic challenge.
 */
export function gitHttpRoute(world: GitlabWorld, projects: ProjectRegistry): Route {
  return {
    method: '*',
    pattern: /^\/(?<project>[^?]+?)\.git(?<pathInfo>\/.*)$/,
    bodyMode: 'raw',
    handle: ctx => Promise.resolve(serveGit(world, projects, ctx)),
  };
}

function serveGit(
  world: GitlabWorld,
  projects: ProjectRegistry,
  ctx: RouteContext,
): ApiResponse | undefined {
  const credentials = parseBasicAuth(ctx.req.headers.authorization);
  const runtime =
    credentials?.username === 'gitlab-ci-token'
      ? world.runtimeByToken(credentials.password)
      : undefined;
  if (runtime === undefined || !world.isProcessing(runtime)) {
    ctx.req.resume();
    return textResponse(401, 'HTTP Basic: Access denied\n', {
      'WWW-Authenticate': 'Basic realm="GitLab"',
    });
  }
  ctx.log.jobId = runtime.jobId;
  ctx.log.runnerId = runtime.runnerId;
  const project = projects.byPath(ctx.params.project ?? '');
  if (project === undefined || project.id !== runtime.projectId) {
    ctx.req.resume();
    return textResponse(404, 'The project you were looking for could not be found.\n');
  }
  handleGitHttp(ctx.req, ctx.res, {
    repoPath: project.repository.repoPath,
    pathInfo: ctx.params.pathInfo ?? '/',
    remoteUser: 'gitlab-ci-token',
    logger: world.logger,
  });
  return undefined;
}
