import { emptyResponse, messageResponse, type ApiResponse } from '../http/api-response';
import type { Route, RouteContext } from '../http/route';
import type { JobRuntime } from '../state/job-runtime';
import type { GitlabWorld } from '../world/gitlab-world';
import { authenticateJob } from './job-auth';

/** `PATCH /api/v4/jobs/:id/trace`: append at the stored length only, 416 + `Range` otherwise. */
export function jobTraceRoute(world: GitlabWorld): Route {
  return {
    method: 'PATCH',
    pattern: /^\/api\/v4\/jobs\/(?<id>\d+)\/trace$/,
    bodyMode: 'buffer',
    handle: ctx => Promise.resolve(patchTrace(world, ctx)),
  };
}

function patchTrace(world: GitlabWorld, ctx: RouteContext): ApiResponse {
  const auth = authenticateJob(world, ctx);
  if (!auth.ok) {
    return auth.response;
  }
  const { runtime } = auth;
  const contentRange = ctx.req.headers['content-range'];
  if (typeof contentRange !== 'string') {
    return messageResponse(400, '400 Missing header Content-Range');
  }
  if (runtime.traceBytes === 0 && ctx.query.get('debug_trace') === 'true') {
    runtime.debugTrace = true;
  }
  // GitLab takes the first number only (Ruby `to_i`) and derives the end from the body size.
  const bodyStart = rubyToInteger(contentRange.split('-')[0] ?? '');
  const bodyEnd = bodyStart + ctx.body.length;
  if (bodyEnd > world.config.traceSizeLimitBytes) {
    world.drop(runtime.jobId, 'trace_size_exceeded');
    return messageResponse(403, '403 Forbidden - The job log size limit was reached', {
      'Job-Status': world.status(runtime.jobId),
    });
  }
  if (bodyStart === runtime.traceBytes && ctx.body.length > 0) {
    runtime.traceChunks.push(maskSecrets(ctx.body, secretsOf(world, runtime)));
    runtime.traceBytes += ctx.body.length;
  }
  if (runtime.traceBytes !== bodyEnd) {
    return emptyResponse(416, { Range: `0-${runtime.traceBytes}` });
  }
  return emptyResponse(202, {
    'Job-Status': world.status(runtime.jobId),
    Range: `0-${runtime.traceBytes}`,
    'X-GitLab-Trace-Update-Interval': String(world.config.traceUpdateIntervalSec),
  });
}

/** Ruby's `String#to_i`: leading whitespace, optional sign, digits; anything else gives 0. */
export function rubyToInteger(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text);
  return match?.[1] === undefined ? 0 : Number.parseInt(match[1], 10);
}

function secretsOf(world: GitlabWorld, runtime: JobRuntime): string[] {
  const runner = world.runners.find(runtime.runnerId);
  return runner === undefined ? [runtime.token] : [runtime.token, runner.token];
}

/** GitLab's `hide_secrets`: tokens become `x`s of the same length, so offsets stay valid. */
function maskSecrets(chunk: Buffer, secrets: readonly string[]): Buffer {
  let text: Buffer = chunk;
  for (const secret of secrets) {
    const needle = Buffer.from(secret);
    let at = text.indexOf(needle);
    while (at !== -1) {
      if (text === chunk) {
        text = Buffer.from(chunk);
      }
      text.fill('x', at, at + needle.length);
      at = text.indexOf(needle, at + needle.length);
    }
  }
  return text;
}
