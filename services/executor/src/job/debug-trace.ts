/** Go's `strconv.ParseBool`: the spellings it takes, or undefined for anything else. */
export function goParseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) {
    return true;
  }
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) {
    return false;
  }
  return undefined;
}

/**
 * `CI_DEBUG_TRACE` as GitLab Runner reads it: a Go boolean, false when unset; an unreadable
 * value is false with its setting warning.
 */
export function debugTraceSetting(value: string | undefined): {
  readonly enabled: boolean;
  readonly warning: string | undefined;
} {
  if (value === undefined || value === '') {
    return { enabled: false, warning: undefined };
  }
  const parsed = goParseBool(value);
  return parsed === undefined
    ? {
        enabled: false,
        warning: `CI_DEBUG_TRACE: expected bool got ${JSON.stringify(value)}, using default value: false`,
      }
    : { enabled: parsed, warning: undefined };
}

/**
 * Whether a job asks for debug tracing (`CI_DEBUG_TRACE`, its last definition among the
 * payload's variables), for the trace PATCHes' `debug_trace` before its scripts exist.
 */
export function debugTraceRequested(
  variables: readonly { readonly key: string; readonly value: string }[],
): boolean {
  const last = variables.filter(v => v.key === 'CI_DEBUG_TRACE').at(-1);
  return debugTraceSetting(last?.value).enabled;
}
