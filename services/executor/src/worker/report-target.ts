import type { JobPayload } from '@taskfleet/gitlab';

import { debugTraceRequested } from '../job/debug-trace';

/** Which GitLab job a run reports to, and what its log must mask. */
export interface ReportTarget {
  readonly id: number;
  readonly token: string;
  readonly maskedValues: readonly string[];
  readonly tokenMaskPrefixes: readonly string[];
  readonly failureReasons: readonly string[] | undefined;
  /** `CI_DEBUG_TRACE`: every log PATCH says `debug_trace=true` (absent: false). */
  readonly debugTrace?: boolean;
}

/** The report target of a runnable job: its id, token and what its log must mask. */
export function targetOf(job: JobPayload): ReportTarget {
  return {
    id: job.id,
    token: job.token,
    maskedValues: job.variables.filter(v => v.masked).map(v => v.value),
    tokenMaskPrefixes: job.features.token_mask_prefixes,
    failureReasons: job.features.failure_reasons,
    debugTrace: debugTraceRequested(job.variables),
  };
}

/** The target of a job known only by id and token (its payload could not be read). */
export function bareTarget(id: number, token: string): ReportTarget {
  return { id, token, maskedValues: [], tokenMaskPrefixes: [], failureReasons: undefined };
}
