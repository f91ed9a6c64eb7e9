import { rm, stat } from 'node:fs/promises';

import type { JobCache } from '@taskfleet/gitlab';

import { archiveFiles, collectFiles, tempArchivePath } from '../artifacts/collect-files';
import { unpackZip } from '../artifacts/download-artifacts';
import type { TransferContext } from '../artifacts/transfer-context';
import { ExecutorError } from '../errors';
import { expandValue } from '../job/expand-variables';
import { warningLine } from '../job/job-header';
import { cacheObjectName, sanitizeCacheKey } from './cache-key';
import type { CacheObjectNaming } from './cache-key';
import type { CacheStore } from './s3-cache-store';

/** The runner's distributed cache: where objects go and how big an upload may be. */
export interface CacheSettings {
  readonly store: CacheStore;
  readonly naming: CacheObjectNaming;
  /** `MaxUploadedArchiveSize`; null for no limit. */
  readonly maxUploadedArchiveSizeBytes: number | null;
}

/** The caches of the payload that are saved for a job that succeeded (or not), by their `when`. */
export function cachesFor(caches: readonly JobCache[], jobSucceeded: boolean): JobCache[] {
  return caches.filter(cache => {
    const when = cache.when === '' ? 'on_success' : cache.when;
    return when === 'always' || (when === 'on_success') === jobSucceeded;
  });
}

function policyOf(cache: JobCache, context: TransferContext): string {
  return expandValue(cache.policy, context.lookup) || 'pull-push';
}

/** The key to use after expansion and sanitising, with GitLab Runner's warnings; undefined if none. */
async function usableKey(context: TransferContext, raw: string): Promise<string | undefined> {
  const expanded = expandValue(raw, context.lookup);
  const sanitized = sanitizeCacheKey(expanded);
  if (sanitized.warning !== undefined) {
    await context.write(warningLine(sanitized.warning));
  }
  return sanitized.ok ? sanitized.key : undefined;
}

/**
 * Restores each pull cache from the store into the project dir: the key first, then each
 * fallback key, stopping at the first that exists. A missing or unreadable cache is a warning,
 * never a job failure, as with GitLab Runner.
 */
export async function restoreCaches(
  context: TransferContext,
  settings: CacheSettings | undefined,
  caches: readonly JobCache[],
): Promise<void> {
  for (const [index, cache] of caches.entries()) {
    if (policyOf(cache, context) === 'push') {
      await context.write(`Not downloading cache ${cache.key} due to policy\n`);
      continue;
    }
    if (settings === undefined) {
      await context.write(warningLine('Cache config not defined. Skipping cache operation.'));
      continue;
    }
    for (const raw of [cache.key, ...cache.fallback_keys]) {
      const key = await usableKey(context, raw);
      if (key === undefined) {
        continue;
      }
      await context.write(`Checking cache for ${key}...\n`);
      if (await restoreOne(context, settings, key, index)) {
        break;
      }
    }
  }
}

async function restoreOne(
  context: TransferContext,
  settings: CacheSettings,
  key: string,
  index: number,
): Promise<boolean> {
  const objectName = cacheObjectName(settings.naming, context.payload.job_info.project_id, key);
  if (objectName === undefined) {
    await context.write(
      warningLine(
        'computed cache path outside of project bucket. Please remove `../` from cache key',
      ),
    );
    return false;
  }
  const zipPath = tempArchivePath(context.tempDir, index, `restore-cache.zip`);
  try {
    await context.write(`Downloading cache from ${settings.store.describe(objectName)}\n`);
    const found = await settings.store.download(objectName, zipPath, context.signal);
    if (!found) {
      await context.write(warningLine('file does not exist'));
      await context.write('Failed to extract cache\n');
      return false;
    }
    await unpackZip(context, zipPath);
    await context.write('Successfully extracted cache\n');
    return true;
  } catch (error) {
    if (!(error instanceof ExecutorError) || error.code === 'remote_files_failed') {
      throw error;
    }
    await context.write(warningLine(error.message));
    await context.write('Failed to extract cache\n');
    return false;
  } finally {
    await rm(zipPath, { force: true });
  }
}

/**
 * Saves each push cache: collect its paths (and untracked files) on the instance, zip them and
 * upload to the store. Failures are warnings; the job's result never changes.
 */
export async function archiveCaches(
  context: TransferContext,
  settings: CacheSettings | undefined,
  caches: readonly JobCache[],
): Promise<void> {
  for (const [index, cache] of caches.entries()) {
    const key = await usableKey(context, cache.key);
    if (key === undefined) {
      continue;
    }
    if (policyOf(cache, context) === 'pull') {
      await context.write(`Not uploading cache ${key} due to policy\n`);
      continue;
    }
    await context.write(`Creating cache ${key}...\n`);
    if (settings === undefined) {
      await context.write(warningLine('Cache config not defined. Skipping cache operation.'));
      continue;
    }
    const objectName = cacheObjectName(settings.naming, context.payload.job_info.project_id, key);
    if (objectName === undefined) {
      await context.write(
        warningLine(
          'computed cache path outside of project bucket. Please remove `../` from cache key',
        ),
      );
      continue;
    }
    const collected = await collectFiles(context, {
      paths: cache.paths,
      exclude: [],
      untracked: cache.untracked,
    });
    if (collected.entries.length === 0) {
      await context.write(warningLine('no files to cache; nothing uploaded'));
      await context.write('Failed to create cache\n');
      continue;
    }
    const zipPath = tempArchivePath(context.tempDir, index, 'cache.zip');
    try {
      await archiveFiles(context, collected, 'zip', zipPath);
      const { size } = await stat(zipPath);
      const limit = settings.maxUploadedArchiveSizeBytes;
      if (limit !== null && size > limit) {
        await context.write(
          warningLine(
            `cache archive size (${size} bytes) exceeds the maximum uploaded archive size (${limit} bytes)`,
          ),
        );
        await context.write('Failed to create cache\n');
        continue;
      }
      await context.write(`Uploading cache.zip to ${settings.store.describe(objectName)}\n`);
      await settings.store.upload(objectName, zipPath, context.signal);
      await context.write('Created cache\n');
    } catch (error) {
      if (!(error instanceof ExecutorError) || error.code === 'remote_files_failed') {
        throw error;
      }
      await context.write(warningLine(error.message));
      await context.write('Failed to create cache\n');
    } finally {
      await rm(zipPath, { force: true });
    }
  }
}
