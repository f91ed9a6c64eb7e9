import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import busboy from 'busboy';

import { jsonResponse, messageResponse, type ApiResponse } from '../http/api-response';
import type { Route, RouteContext } from '../http/route';
import type { JobRuntime, StoredArtifact } from '../state/job-runtime';
import type { GitlabWorld } from '../world/gitlab-world';
import { authenticateJob } from './job-auth';

/** `POST /api/v4/jobs/:id/artifacts`: a multipart upload of one artifact file (part `file`). */
export function artifactUploadRoute(world: GitlabWorld): Route {
  return {
    method: 'POST',
    pattern: /^\/api\/v4\/jobs\/(?<id>\d+)\/artifacts$/,
    bodyMode: 'stream',
    handle: ctx => uploadArtifact(world, ctx),
  };
}

interface Received {
  readonly fields: Map<string, string>;
  file: { filename: string; filePath: string; size: number } | undefined;
  tooLarge: boolean;
}

async function uploadArtifact(world: GitlabWorld, ctx: RouteContext): Promise<ApiResponse> {
  const auth = authenticateJob(world, ctx);
  if (!auth.ok) {
    ctx.req.resume();
    return auth.response;
  }
  const { runtime } = auth;
  if (!(ctx.req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    ctx.req.resume();
    return messageResponse(400, '400 Bad request - multipart/form-data expected');
  }
  const dir = join(world.config.stateDir, 'artifacts', `job-${runtime.jobId}`);
  await mkdir(dir, { recursive: true });
  const received = await receive(world, ctx, dir, runtime.artifacts.length);
  ctx.log.bodyBytes = received.file?.size ?? 0;
  if (received.tooLarge) {
    await rm(received.file?.filePath ?? join(dir, 'none'), { force: true });
    return messageResponse(413, '413 Request Entity Too Large');
  }
  if (received.file === undefined) {
    return messageResponse(400, '400 Bad request - Missing artifacts file!');
  }
  const pick = (name: string): string | undefined =>
    ctx.query.get(name) ?? received.fields.get(name);
  const type = pick('artifact_type') ?? 'archive';
  if (runtime.artifacts.some(a => a.type === type)) {
    await rm(received.file.filePath, { force: true });
    return messageResponse(
      400,
      '400 Bad request - another artifact of the same type already exists',
    );
  }
  const artifact: StoredArtifact = {
    filename: received.file.filename,
    filePath: received.file.filePath,
    size: received.file.size,
    format: pick('artifact_format') ?? 'zip',
    type,
    expireIn: pick('expire_in'),
    uploadedAtMs: world.clock.now(),
  };
  record(world, runtime, artifact);
  return jsonResponse(201, {
    id: runtime.jobId,
    artifact_type: type,
    filename: artifact.filename,
    size: artifact.size,
  });
}

function record(world: GitlabWorld, runtime: JobRuntime, artifact: StoredArtifact): void {
  runtime.artifacts.push(artifact);
  world.pipelineOf(runtime).recordArtifacts(runtime.jobId, {
    filename: artifact.filename,
    size: artifact.size,
    format: artifact.format,
    type: artifact.type,
  });
  world.logger.info(
    { jobId: runtime.jobId, type: artifact.type, size: artifact.size },
    'artifact stored',
  );
}

function receive(
  world: GitlabWorld,
  ctx: RouteContext,
  dir: string,
  index: number,
): Promise<Received> {
  return new Promise((resolve, reject) => {
    const received: Received = { fields: new Map(), file: undefined, tooLarge: false };
    const writes: Promise<void>[] = [];
    const parser = busboy({
      headers: ctx.req.headers,
      limits: { fileSize: world.config.artifactSizeLimitBytes },
    });
    parser.on('field', (name, value) => received.fields.set(name, value));
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || received.file !== undefined) {
        stream.resume();
        return;
      }
      const filename = basename(info.filename || 'artifacts');
      const file = { filename, filePath: join(dir, `${index}-${filename}`), size: 0 };
      received.file = file;
      stream.on('data', (chunk: Buffer) => {
        file.size += chunk.length;
      });
      stream.on('limit', () => {
        received.tooLarge = true;
      });
      writes.push(pipeline(stream, createWriteStream(file.filePath)));
    });
    parser.on('close', () => {
      Promise.all(writes).then(() => {
        resolve(received);
      }, reject);
    });
    parser.on('error', reject);
    ctx.req.pipe(parser);
  });
}
