import type { JobArtifact, UploadArtifactInput } from '@taskfleet/gitlab';

import { shortRunnerToken } from '../cache/cache-key';
import { expandValue } from '../job/expand-variables';
import { warningLine } from '../job/job-header';
import { ansiBoldRed, ansiReset } from '../job/sections';
import type { ArchiveFormat } from './archive';
import { archiveFiles, collectFiles, tempArchivePath } from './collect-files';
import type {
  ArtifactClient,
  TransferContext,
  TransferFailure,
  UploadRetryBackoff,
} from './transfer-context';

const extensions: Readonly<Record<ArchiveFormat, string>> = { zip: '.zip', gzip: '.gz', raw: '' };

/** The artifacts of the payload that upload for a job that succeeded (or not), by their `when`. */
export function artifactsFor(
  artifacts: readonly JobArtifact[],
  jobSucceeded: boolean,
): JobArtifact[] {
  return artifacts.filter(artifact => {
    const when = artifact.when === '' ? 'on_success' : artifact.when;
    return when === 'always' || (when === 'on_success') === jobSucceeded;
  });
}

/**
 * Uploads each artifact in turn as GitLab Runner's uploader does: collect, archive in the
 * artifact's format, send (with its tries); a missing file set is logged and skipped, a refused
 * upload or one out of tries ends the stage and fails the job.
 */
export async function uploadArtifacts(
  context: TransferContext,
  client: ArtifactClient,
  artifacts: readonly JobArtifact[],
): Promise<TransferFailure | undefined> {
  for (const [index, artifact] of artifacts.entries()) {
    await context.write('Uploading artifacts...\n');
    const format = formatOf(artifact.artifact_format);
    if (format === undefined) {
      return fatal(
        context,
        `unsupported artifact format ${JSON.stringify(artifact.artifact_format)}`,
      );
    }
    const collected = await collectFiles(context, artifact);
    const files = collected.entries.filter(entry => entry.type === 'file');
    if (collected.entries.length === 0 || (format !== 'zip' && files.length === 0)) {
      await context.write(errorLine('No files to upload'));
      continue;
    }
    if (format === 'raw' && files.length > 1) {
      return fatal(context, 'only one file can be sent as raw');
    }
    const name = expandValue(artifact.name, context.lookup) || 'artifacts';
    const fileName = `${baseName(name)}${extensions[format]}`;
    const filePath = tempArchivePath(context.tempDir, index, fileName);
    await archiveFiles(context, collected, format, filePath);
    const type = artifact.artifact_type || 'archive';
    const failure = await uploadWithTries(context, client, {
      filePath,
      fileName,
      type,
      format,
      expireIn: artifact.expire_in,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
    if (failure !== undefined) {
      return failure;
    }
  }
  return undefined;
}

/** GitLab Runner's uploader tries: 3, or 6 while GitLab answers 503. */
const defaultTries = 3;
const serviceUnavailableTries = 6;
const defaultBackoff: UploadRetryBackoff = { minMs: 1000, maxMs: 5000 };

/**
 * Sends one artifact as GitLab Runner's uploader does: a 307 moves the upload to the
 * `Location`'s origin and tries again there, a failure or 503 is tried again after a back-off
 * (1 s doubling to 5 s), all within its tries; 403 and 413 end it at once.
 */
async function uploadWithTries(
  context: TransferContext,
  client: ArtifactClient,
  input: UploadArtifactInput,
): Promise<TransferFailure | undefined> {
  const { payload } = context;
  const backoff = context.uploadRetryBackoff ?? defaultBackoff;
  const what = `Uploading artifacts as ${JSON.stringify(input.type)} to coordinator...`;
  let gitlabUrl: string | undefined;
  for (let tries = 1; ; tries++) {
    const result = await client.uploadArtifact(payload.id, payload.token, {
      ...input,
      ...(gitlabUrl === undefined ? {} : { gitlabUrl }),
    });
    // GitLab Runner's log fields, in its formatter's (sorted) order; the token only shortened.
    const fields = (status?: number | string): string =>
      [
        ...(result.correlationId === undefined ? [] : [`correlation_id=${result.correlationId}`]),
        `id=${payload.id}`,
        `responseStatus=${result.statusText}`,
        ...(status === undefined ? [] : [`status=${status}`]),
        `token=${shortRunnerToken(payload.token)}`,
      ].join(' ');
    let error: string;
    if (result.kind === 'created') {
      await context.write(`${what} ${result.statusText}  ${fields()}\n`);
      return undefined;
    } else if (result.kind === 'too_large') {
      await context.write(errorLine(`${what} too large archive  ${fields(413)}`));
      return fatal(context, 'too large');
    } else if (result.kind === 'forbidden') {
      await context.write(errorLine(`${what} forbidden  ${fields(result.status)}`));
      return fatal(context, 'permission denied');
    } else if (result.kind === 'redirected') {
      // The runner sends the job token to the new origin too: it takes it for GitLab's own.
      gitlabUrl = result.gitlabUrl;
      await context.write(
        warningLine(
          `Upload request redirected  location=${result.location} new-url=${result.gitlabUrl}`,
        ),
      );
      error = 'request redirected';
    } else {
      await context.write(
        errorLine(`${what} failed  ${fields(result.status ?? result.error.code)}`),
      );
      error = result.status === 503 ? 'service unavailable' : 'invalid argument';
    }
    const maxTries = error === 'service unavailable' ? serviceUnavailableTries : defaultTries;
    if (tries >= maxTries) {
      return fatal(context, error);
    }
    await context.write(warningLine(`Retrying...  context=artifacts-uploader error=${error}`));
    const waitMs = Math.min(backoff.maxMs, backoff.minMs * 2 ** (tries - 1));
    await context.clock.sleep(waitMs, context.signal);
    if (context.signal?.aborted === true) {
      return fatal(context, 'canceled');
    }
  }
}

function formatOf(format: string): ArchiveFormat | undefined {
  const value = format === '' ? 'zip' : format;
  return value === 'zip' || value === 'gzip' || value === 'raw' ? value : undefined;
}

/** The last path segment of an artifact name: `name` is a file name on GitLab, never a path. */
function baseName(name: string): string {
  const segments = name.split('/').filter(segment => segment !== '' && segment !== '..');
  return segments.at(-1) ?? 'artifacts';
}

function errorLine(text: string): string {
  return `${ansiBoldRed}ERROR: ${text}${ansiReset}\n`;
}

async function fatal(context: TransferContext, detail: string): Promise<TransferFailure> {
  await context.write(`${ansiBoldRed}FATAL: ${detail}${ansiReset}\n`);
  return { detail, systemFailure: false };
}
