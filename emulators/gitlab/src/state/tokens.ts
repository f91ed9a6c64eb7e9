import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';

function randomText(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) {
    text += alphabet[byte % alphabet.length] ?? 'x';
  }
  return text;
}

/** A runner authentication token in the created-runner (`glrt-`) form. */
export function newRunnerToken(): string {
  return `glrt-${randomText(20)}`;
}

/** A CI job token in GitLab's `glcbt-` form. */
export function newJobToken(): string {
  return `glcbt-64_${randomText(20)}`;
}

/** An opaque value for `X-GitLab-Last-Update`; GitLab uses random hex too. */
export function newQueueValue(): string {
  return randomBytes(16).toString('hex');
}
