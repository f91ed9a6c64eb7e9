import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { isStringArray, unknownKeys, asText } from './shape';
import type { CacheSpec } from './types';

const cacheKeys = ['key', 'paths', 'untracked', 'policy', 'when', 'fallback_keys', 'unprotect'];
const policies = ['pull-push', 'pull', 'push'];
const whens = ['on_success', 'on_failure', 'always'];
// GitLab's limit on caches per job.
const maxCacheCount = 4;

function normalizeKey(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): Pick<CacheSpec, 'key' | 'keyFiles' | 'keyPrefix'> {
  if (value === undefined) {
    return { key: 'default' };
  }
  if (typeof value === 'string' || typeof value === 'number') {
    const key = String(value);
    if (key.includes('/') || key.toLowerCase().includes('%2f')) {
      problems.add(`${location}:key config cannot contain the "/" character`);
    }
    if (key === '.' || key.toLowerCase() === '%2e') {
      problems.add(`${location}:key config cannot be "." or "%2E"`);
    }
    return { key };
  }
  if (isMap(value)) {
    const unknown = unknownKeys(value, ['files', 'prefix']);
    if (
      unknown.length > 0 ||
      !isStringArray(value.files) ||
      value.files.length === 0 ||
      value.files.length > 2
    ) {
      problems.add(
        `${location}:key config should be a string, a symbol or a hash with files (1 or 2 paths) and prefix`,
      );
      return { key: 'default' };
    }
    const prefix = value.prefix === undefined ? undefined : asText(value.prefix);
    return prefix === undefined
      ? { key: '', keyFiles: value.files }
      : { key: '', keyFiles: value.files, keyPrefix: prefix };
  }
  problems.add(`${location}:key config should be a string, a symbol or a hash`);
  return { key: 'default' };
}

function normalizeOne(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): CacheSpec | undefined {
  if (!isMap(value)) {
    problems.add(`${location} config should be a hash`);
    return undefined;
  }
  const unknown = unknownKeys(value, cacheKeys);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  const policy = value.policy === undefined ? 'pull-push' : asText(value.policy);
  // A policy may come from a variable (`policy: $CACHE_POLICY`); GitLab checks it after expansion.
  if (!policies.includes(policy) && !policy.includes('$')) {
    problems.add(`${location} policy should be pull-push, push, or pull`);
  }
  const when = value.when === undefined ? 'on_success' : asText(value.when);
  if (!whens.includes(when)) {
    problems.add(`${location} when should be on_success, on_failure or always`);
  }
  if (value.paths !== undefined && !isStringArray(value.paths)) {
    problems.add(`${location}:paths config should be an array of strings`);
  }
  if (value.fallback_keys !== undefined && !isStringArray(value.fallback_keys)) {
    problems.add(`${location}:fallback_keys config should be an array of strings`);
  }
  if (value.untracked !== undefined && typeof value.untracked !== 'boolean') {
    problems.add(`${location}:untracked config should be a boolean value`);
  }
  return {
    ...normalizeKey(value.key, location, problems),
    untracked: value.untracked === true,
    policy: policy as CacheSpec['policy'],
    paths: isStringArray(value.paths) ? value.paths : [],
    when: when as CacheSpec['when'],
    fallbackKeys: isStringArray(value.fallback_keys) ? value.fallback_keys : [],
  };
}

/** Reads `cache:` (one hash or a list of up to four) into cache specs. */
export function normalizeCache(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): CacheSpec[] {
  if (value === undefined || value === null) {
    return [];
  }
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length > maxCacheCount) {
    problems.add(`${location} config must not contain more than ${maxCacheCount} caches`);
    return [];
  }
  return list
    .map(item => normalizeOne(item, location, problems))
    .filter((item): item is CacheSpec => item !== undefined);
}
