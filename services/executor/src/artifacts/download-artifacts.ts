import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { JobDependency } from '@taskfleet/gitlab';

import { shortRunnerToken } from '../cache/cache-key';
import { warningLine } from '../job/job-header';
import { ansiBoldRed, ansiReset } from '../job/sections';
import { zipToTar } from './archive';
import { tempArchivePath } from './collect-files';
import { writeTar } from './remote-tree';
import type { ArtifactClient, TransferContext, TransferFailure } from './transfer-context';

/** The dependencies whose archives are downloaded: those GitLab says have one. */
export function dependenciesWithArtifacts(dependencies: readonly JobDependency[]): JobDependency[] {
  return dependencies.filter(dependency => (dependency.artifacts_file?.filename ?? '') !== '');
}

/**
 * Downloads each dependency's archive from GitLab and unpacks it into the project dir on the
 * instance, as GitLab Runner's downloader does; a missing or refused archive fails the job.
 */
export async function downloadArtifacts(
  context: TransferContext,
  client: ArtifactClient,
  dependencies: readonly JobDependency[],
): Promise<TransferFailure | undefined> {
  for (const [index, dependency] of dependencies.entries()) {
    await context.write(`Downloading artifacts for ${dependency.name} (${dependency.id})...\n`);
    const what = 'Downloading artifacts from coordinator...';
    // The dependency's token is the running job's own (reference §3.6, example B).
    const token = dependency.token || context.payload.token;
    const result = await client.downloadArtifact(dependency.id, token, context.signal);
    // GitLab Runner's fields as on its upload lines: sorted, the token only shortened.
    const fields = (status?: number): string =>
      [
        ...(result.correlationId === undefined ? [] : [`correlation_id=${result.correlationId}`]),
        `id=${dependency.id}`,
        `responseStatus=${result.statusText}`,
        ...(status === undefined ? [] : [`status=${status}`]),
        `token=${shortRunnerToken(token)}`,
      ].join(' ');
    if (result.kind !== 'ok') {
      let verdict = { word: 'failed', fatal: '' };
      if (result.kind === 'not_found') {
        verdict = { word: 'not found', fatal: 'file does not exist' };
      } else if (result.kind === 'forbidden') {
        verdict = { word: 'forbidden', fatal: 'permission denied' };
      } else if ('error' in result) {
        verdict = { word: 'failed', fatal: result.error.message };
      }
      await context.write(
        `${ansiBoldRed}ERROR: ${what} ${verdict.word}  ${fields(result.status)}${ansiReset}\n`,
      );
      await context.write(`${ansiBoldRed}FATAL: ${verdict.fatal}${ansiReset}\n`);
      return { detail: verdict.fatal, systemFailure: false };
    }
    // yauzl needs random access, so the archive lands in a file before it is unpacked.
    const zipPath = tempArchivePath(context.tempDir, index, `dependency-${dependency.id}.zip`);
    await pipeline(result.body, createWriteStream(zipPath));
    await context.write(`${what} ok  ${fields()}\n`);
    const unpacked = await unpackZip(context, zipPath);
    for (const name of unpacked.skipped) {
      await context.write(warningLine(`${name}: skipped, the path leaves the project directory`));
    }
    await rm(zipPath, { force: true });
  }
  return undefined;
}

/** Streams the zip at `zipPath` into the project dir on the instance. */
export async function unpackZip(
  context: TransferContext,
  zipPath: string,
): Promise<{ readonly skipped: readonly string[] }> {
  const tar = new PassThrough();
  const remote = writeTar(context.shell, context.projectDir, tar, context.signal);
  // If the remote side fails first, the local side must stop writing into a dead stdin.
  remote.catch(() => {
    tar.destroy();
  });
  const [local] = await Promise.all([zipToTar(zipPath, tar), remote]);
  return { skipped: local.skipped };
}
