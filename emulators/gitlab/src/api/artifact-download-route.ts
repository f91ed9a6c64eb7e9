import { createReadStream } from 'node:fs';

import { messageResponse, type ApiResponse } from '../http/api-response';
import type { Route, RouteContext } from '../http/route';
import type { GitlabWorld } from '../world/gitlab-world';
import { jobTokenOf } from './job-auth';

/**
 * `GET /api/v4/jobs/:id/artifacts`: the archive of a job, for the token of a running job of the
 * same project (how the runner fetches dependencies).
 */
export function artifactDownloadRoute(world: GitlabWorld): Route {
  return {
    method: 'GET',
    pattern: /^\/api\/v4\/jobs\/(?<id>\d+)\/artifacts$/,
    bodyMode: 'buffer',
    handle: ctx => Promise.resolve(downloadArtifact(world, ctx)),
  };
}

function downloadArtifact(world: GitlabWorld, ctx: RouteContext): ApiResponse {
  const token = jobTokenOf(ctx, ctx.req);
  const current = token === undefined ? undefined : world.runtimeByToken(token);
  if (current === undefined || !world.isProcessing(current)) {
    return messageResponse(401, '401 Unauthorized');
  }
  ctx.log.runnerId = current.runnerId;
  const target = world.runtime(Number(ctx.params.id));
  if (target === undefined) {
    return messageResponse(404, '404 Not Found');
  }
  ctx.log.jobId = target.jobId;
  if (target.projectId !== current.projectId) {
    return messageResponse(403, '403 Forbidden');
  }
  const archive = target.artifacts.find(a => a.type === 'archive');
  if (archive === undefined) {
    return messageResponse(404, '404 Not Found');
  }
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(archive.size),
      'Content-Disposition': `attachment; filename="${archive.filename}"`,
    },
    body: createReadStream(archive.filePath),
  };
}
