import type { QueuedJob } from '@taskfleet/job-queue';
import type { Logger } from 'pino';

import type { DecodedPayload } from './decode-payload';
import type { DeliveryProgress } from './delivery-progress';
import type { JobLease } from './job-lease';
import type { TakeResult } from './job-record';
import type { ReportTarget } from './report-target';

/** One delivery that holds its job's record, with what it knows so far. */
export interface TakenDelivery {
  readonly queued: QueuedJob;
  readonly decoded: DecodedPayload;
  readonly target: ReportTarget;
  readonly taken: Extract<TakeResult, { taken: true }>;
  readonly lease: JobLease;
  readonly progress: DeliveryProgress;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
}
