import { rmSync } from 'node:fs';

// The per-job temp dirs of this process that are not removed yet. Module state on purpose: an
// immediate exit (a second stop signal) must find them synchronously, with no worker at hand.
const liveDirs = new Set<string>();

/** Notes a transfer temp dir that now exists, until `forgetTransferDir`. */
export function trackTransferDir(path: string): void {
  liveDirs.add(path);
}

/** The dir was removed (or its removal is under way); an exit need not remove it. */
export function forgetTransferDir(path: string): void {
  liveDirs.delete(path);
}

/**
 * Removes every transfer temp dir this process created and has not removed, synchronously, for
 * an exit that cannot wait for the jobs; returns the paths it could not remove.
 */
export function removeTransferDirsSync(): string[] {
  const failed: string[] = [];
  for (const path of liveDirs) {
    try {
      rmSync(path, { recursive: true, force: true });
      liveDirs.delete(path);
    } catch {
      failed.push(path);
    }
  }
  return failed;
}
