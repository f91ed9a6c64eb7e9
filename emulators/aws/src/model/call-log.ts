import type { ServiceName } from './faults';

/** One API call the emulator answered. */
export interface CallRecord {
  readonly seq: number;
  readonly atMs: number;
  readonly service: ServiceName | 'unknown';
  readonly action: string;
  readonly httpStatus: number;
  /** The AWS error code when the call failed (including injected throttles). */
  readonly errorCode: string | undefined;
  /** The request parameters (query) or body members (JSON), as received. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** Every API call in order, with per-action counts, for tests to assert client behaviour. */
export class CallLog {
  private readonly records: CallRecord[] = [];
  private seq = 0;

  /** Appends a call. */
  record(call: Omit<CallRecord, 'seq'>): void {
    this.records.push({ ...call, seq: ++this.seq });
  }

  /** The calls, optionally of one action. */
  list(action?: string): readonly CallRecord[] {
    return action === undefined ? [...this.records] : this.records.filter(r => r.action === action);
  }

  /** Calls per action, e.g. `{ DescribeInstances: 3 }`. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.records) {
      counts[r.action] = (counts[r.action] ?? 0) + 1;
    }
    return counts;
  }

  /** Forgets every call. */
  clear(): void {
    this.records.length = 0;
  }
}
