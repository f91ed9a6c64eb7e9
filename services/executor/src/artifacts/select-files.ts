import { posix } from 'node:path';

import picomatch from 'picomatch';

/** One entry of the project tree as `find -printf '%y %P'` reports it. */
export interface TreeEntry {
  /** Relative to the project dir, `/`-separated, never `.` or empty. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
}

/** What to collect, with `$VAR`s already expanded. */
export interface FileSelection {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  /** `git ls-files -o` output when `untracked` is set, else undefined. */
  readonly untracked?: readonly string[];
}

/** The chosen entries, sorted, and the lines GitLab Runner's file archiver prints. */
export interface SelectedFiles {
  readonly entries: readonly TreeEntry[];
  readonly lines: readonly { readonly level: 'info' | 'warning'; readonly text: string }[];
}

const globChars = /[*?[{]/;
const relativeHint = 'Ensure that the artifact path is relative to the working directory (';
// doublestar's pattern language: no extglobs, dot files matched like any other name.
const matchOptions = { dot: true, noextglob: true } as const;

/**
 * Picks the entries of `tree` that `selection` names the way GitLab Runner's file archiver does
 * (doublestar globs relative to the project dir, each match walked without following symlinks,
 * `exclude` tested on every walked entry, untracked files added), with its log lines.
 */
export function selectFiles(
  tree: readonly TreeEntry[],
  selection: FileSelection,
  projectDir: string,
): SelectedFiles {
  const sorted = [...tree].sort((a, b) => compare(a.path, b.path));
  const byPath = new Map(sorted.map(entry => [entry.path, entry]));
  const chosen = new Map<string, TreeEntry>();
  const lines: { level: 'info' | 'warning'; text: string }[] = [];
  const excludeCount = new Map<string, number>();
  const excludes: { pattern: string; test: (path: string) => boolean }[] = [];
  for (const pattern of selection.exclude) {
    const relative = relativePattern(pattern, projectDir);
    if (relative.kind === 'outside') {
      lines.push({ level: 'warning', text: `isExcluded: ${relative.message}` });
      continue;
    }
    const test = relative.pattern === '.' ? () => false : picomatch(relative.pattern, matchOptions);
    excludes.push({ pattern, test });
  }
  // Counts an entry as found unless an exclude rule takes it, as the archiver's process() does.
  const consider = (entry: TreeEntry): boolean => {
    const rule = excludes.find(candidate => candidate.test(entry.path));
    if (rule !== undefined) {
      excludeCount.set(rule.pattern, (excludeCount.get(rule.pattern) ?? 0) + 1);
      return false;
    }
    chosen.set(entry.path, entry);
    return true;
  };

  for (const path of selection.paths) {
    if (path === '') {
      lines.push({ level: 'warning', text: 'No matching files. Path is empty.' });
      continue;
    }
    const relative = relativePattern(path, projectDir);
    if (relative.kind === 'outside') {
      lines.push({ level: 'warning', text: `processPath: ${relative.message}` });
      continue;
    }
    let found = 0;
    for (const match of matchesOf(relative.pattern, sorted, byPath)) {
      for (const entry of walk(match, sorted)) {
        if (consider(entry)) {
          found += 1;
        }
      }
    }
    lines.push(
      found === 0
        ? {
            level: 'warning',
            text: `${path}: no matching files. ${relativeHint}${projectDir})`,
          }
        : {
            level: 'info',
            text: `${path}: found ${found} matching artifact files and directories`,
          },
    );
  }
  if (selection.untracked !== undefined) {
    let found = 0;
    for (const path of selection.untracked) {
      const entry = byPath.get(path);
      if (entry !== undefined && consider(entry)) {
        found += 1;
      }
    }
    lines.push(
      found === 0
        ? { level: 'warning', text: 'untracked: no files' }
        : { level: 'info', text: `untracked: found ${found} files` },
    );
  }
  for (const [pattern, count] of excludeCount) {
    lines.push({ level: 'info', text: `${pattern}: excluded ${count} files` });
  }
  const entries = [...chosen.values()].sort((a, b) => compare(a.path, b.path));
  return { entries, lines };
}

type RelativePattern =
  | { readonly kind: 'inside'; readonly pattern: string }
  | { readonly kind: 'outside'; readonly message: string };

/** The pattern relative to the project dir: its literal base resolved, its glob part kept. */
function relativePattern(path: string, projectDir: string): RelativePattern {
  if (posix.normalize(path) === posix.normalize(projectDir)) {
    return { kind: 'inside', pattern: '.' };
  }
  let base = path;
  let glob = '';
  if (globChars.test(path)) {
    const segments = path.split('/');
    const first = segments.findIndex(segment => globChars.test(segment));
    base = segments.slice(0, first).join('/');
    glob = segments.slice(first).join('/');
  }
  const absolute = posix.resolve(projectDir, base === '' ? '.' : base);
  const relative = posix.relative(projectDir, absolute);
  if (relative === '..' || relative.startsWith('../')) {
    return {
      kind: 'outside',
      message: `artifact path is not a subpath of project directory: ${path}`,
    };
  }
  const joined = glob === '' ? relative : relative === '' ? glob : `${relative}/${glob}`;
  return { kind: 'inside', pattern: joined === '' ? '.' : joined };
}

/** The entries a pattern names: the root for `.`, a literal path if it exists, else glob hits. */
function matchesOf(
  pattern: string,
  sorted: readonly TreeEntry[],
  byPath: ReadonlyMap<string, TreeEntry>,
): readonly (TreeEntry | '.')[] {
  if (pattern === '.') {
    return ['.'];
  }
  if (!globChars.test(pattern)) {
    const entry = byPath.get(pattern);
    return entry === undefined ? [] : [entry];
  }
  const test = picomatch(pattern, matchOptions);
  return sorted.filter(entry => test(entry.path));
}

/** The entry and, for a directory (never a symlink to one), everything below it. */
function walk(match: TreeEntry | '.', sorted: readonly TreeEntry[]): readonly TreeEntry[] {
  if (match === '.') {
    return sorted;
  }
  if (match.type !== 'dir') {
    return [match];
  }
  // Sorted by code unit, everything under `dir/` is one contiguous run.
  const prefix = `${match.path}/`;
  const start = lowerBound(sorted, prefix);
  let end = start;
  while (sorted[end]?.path.startsWith(prefix) === true) {
    end += 1;
  }
  return [match, ...sorted.slice(start, end)];
}

function lowerBound(sorted: readonly TreeEntry[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(sorted[middle]?.path ?? '', key) < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads `find -printf '%y %P\0'` output into tree entries. */
export function parseTreeListing(listing: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of listing.toString('utf8').split('\0')) {
    if (record.length < 3 || record[1] !== ' ') {
      continue;
    }
    const kind = record[0];
    const type = kind === 'f' ? 'file' : kind === 'd' ? 'dir' : kind === 'l' ? 'symlink' : 'other';
    entries.push({ path: record.slice(2), type });
  }
  return entries;
}
