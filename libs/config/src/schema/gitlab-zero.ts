/** GitLab's convention that an absent key or 0 means "use the default" for many numbers. */
export function orDefault(value: number | undefined, fallback: number): number {
  return value === undefined || value === 0 ? fallback : value;
}

/** GitLab's convention that an absent key or 0 means "unlimited", as `null`. */
export function orUnlimited(value: number | undefined): number | null {
  return value === undefined || value === 0 ? null : value;
}
