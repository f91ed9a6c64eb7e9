import { join } from 'node:path';

import { GitRepositoryError } from './errors';
import { runGit } from './run-git';

// GitLab's own path rule, narrowed: letters, digits, `_`, `-`, `.`; no leading `.` or `-`, and no
// `.git`/`.atom` suffix, so a path can never escape the root directory or look like a repo dir.
const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Checks a `group/project` path and returns the bare repository's directory under `rootDir`. */
export function repositoryDir(rootDir: string, pathWithNamespace: string): string {
  const segments = pathWithNamespace.split('/');
  const valid =
    segments.length >= 2 &&
    segments.every(
      segment =>
        segmentPattern.test(segment) && !segment.endsWith('.git') && !segment.endsWith('.atom'),
    );
  if (!valid) {
    throw new GitRepositoryError('invalid_path', 'could not accept project path', {
      cause: new Error(`"${pathWithNamespace}" is not of the form group/project`),
    });
  }
  return `${join(rootDir, ...segments)}.git`;
}

/** Checks a path inside a repository's tree (for submodules): relative, no `.`/`..`/`.git`. */
export function checkTreePath(path: string): void {
  const segments = path.split('/');
  const bad = segments.some(s => s === '' || s === '.' || s === '..' || s === '.git');
  if (bad || path.includes('\n') || path.includes('\0')) {
    throw new GitRepositoryError('invalid_submodule', 'could not accept submodule path', {
      cause: new Error(`"${path}" is not a relative path inside the tree`),
    });
  }
}

/** Checks a full ref name (e.g. `refs/heads/main`) with git's own rules. */
export async function checkRefName(ref: string): Promise<void> {
  const result = await runGit(['check-ref-format', ref], { okExitCodes: [1] });
  if (result.exitCode !== 0) {
    throw new GitRepositoryError('invalid_ref', 'could not accept ref name', {
      cause: new Error(`"${ref}" is not a valid ref name`),
    });
  }
}
