import { createHash } from 'node:crypto';

/** The parts of a `[[runners]]` entry that identify the runner. */
export interface RunnerIdentity {
  readonly url: string;
  readonly id: number | null;
  readonly token: string;
}

/**
 * The `runnerKey` of a `[[runners]]` entry, shared by poller, executor and scaler: `r<id>-<hash>`
 * from GitLab's runner id and url (stable across token rotation), or `t-<hash>` of url and token
 * for legacy entries without an id. Only a short hash is used, so the token never shows in a key.
 */
export function runnerKeyFor(runner: RunnerIdentity): string {
  const url = runner.url.replace(/\/+$/, '');
  const hash = createHash('sha256');
  if (runner.id !== null) {
    hash.update(url);
    return `r${runner.id}-${hash.digest('hex').slice(0, 10)}`;
  }
  hash.update(`${url}\n${runner.token}`);
  return `t-${hash.digest('hex').slice(0, 16)}`;
}
