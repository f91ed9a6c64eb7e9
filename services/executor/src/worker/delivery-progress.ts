import type { OutboxEntry } from './job-record';

/**
 * How far one delivery of a job got, as this process knows it: what an unexpected error
 * (Redis refusing, a GitLab client throwing) leaves to be done, whatever the record says.
 */
export class DeliveryProgress {
  /** The job's record was taken under this delivery's lease. */
  taken = false;
  /** The started stage was written: the script may have run, and must never run again. */
  started = false;
  /** The final state this delivery settled on, before or after it was stored. */
  outbox: OutboxEntry | undefined;
  /** `outbox` is in the record: any later delivery or the recovery sweep can send it. */
  stored = false;
  /** GitLab has the final state (or ended the job itself); only the record's tidying is left. */
  told = false;

  /** The final state is decided and GitLab does not have it yet. */
  get untold(): OutboxEntry | undefined {
    return this.told ? undefined : this.outbox;
  }
}
