import { createHash } from 'node:crypto';
import type { CacheSpec } from './types';
import { expandText, type ValueLookup } from './variables';

/** What a cache key is resolved with. */
export interface CacheKeyContext {
  readonly lookup: ValueLookup;
  readonly readFile: (path: string) => string | undefined;
  /** GitLab keeps protected and unprotected refs' caches apart by suffixing the key. */
  readonly protectedRef: boolean;
}

function filesKey(files: readonly string[], readFile: CacheKeyContext['readFile']): string {
  const contents = files.map(file => readFile(file.replace(/^\.?\//, '')));
  if (contents.every(content => content === undefined)) {
    return 'default';
  }
  // GitLab uses the SHA of the last commit that changed the files; without history the emulator
  // hashes their content instead, which changes exactly when the files change.
  const hash = createHash('sha1');
  files.forEach((file, index) => hash.update(`${file}\0${contents[index] ?? ''}\0`));
  return hash.digest('hex');
}

/** Returns the cache with its key expanded, derived from `key:files` when set, and suffixed. */
export function resolveCacheKey(cache: CacheSpec, context: CacheKeyContext): CacheSpec {
  const suffix = context.protectedRef ? '-protected' : '-non_protected';
  let key: string;
  if (cache.keyFiles) {
    const derived = filesKey(cache.keyFiles, context.readFile);
    key =
      cache.keyPrefix === undefined
        ? derived
        : `${expandText(cache.keyPrefix, context.lookup)}-${derived}`;
  } else {
    key = expandText(cache.key, context.lookup) || 'default';
  }
  return {
    ...cache,
    key: `${key}${suffix}`,
    policy: expandText(cache.policy, context.lookup) as CacheSpec['policy'],
    fallbackKeys: cache.fallbackKeys.map(
      fallback => `${expandText(fallback, context.lookup)}${suffix}`,
    ),
  };
}
