/** Matches repository paths against `rules:exists` / `rules:changes` globs (`*`, `**`, `?`, `{a,b}`). */

function globToRegExp(glob: string): RegExp {
  let source = '';
  let i = 0;
  while (i < glob.length) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of directories, including none.
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 3 : 2;
      continue;
    }
    if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '{') {
      source += '(?:';
    } else if (char === '}') {
      source += ')';
    } else if (char === ',' && source.includes('(?:')) {
      source += '|';
    } else {
      source += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
    i += 1;
  }
  return new RegExp(`^${source}$`);
}

/** `true` when the glob has wildcard characters (so a file listing is needed to evaluate it). */
export function isGlob(pattern: string): boolean {
  return /[*?{]/.test(pattern);
}

/** `true` when `path` matches `glob` (a leading `/` or `./` in the glob is ignored). */
export function matchesGlob(path: string, glob: string): boolean {
  return globToRegExp(glob.replace(/^\.?\//, '')).test(path.replace(/^\.?\//, ''));
}
