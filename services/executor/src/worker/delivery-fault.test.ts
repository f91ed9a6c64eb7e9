import { ManualClock } from '@taskfleet/gitlab';
import type { UpdateJobInput } from '@taskfleet/gitlab';
import { pino } from 'pino';

import { ExecutorError } from '../errors';
import { answerFault } from './delivery-fault';
import { DeliveryProgress } from './delivery-progress';
import type { JobLease } from './job-lease';
import type { OutboxEntry } from './job-record';
import type { JobProcessorOptions } from './processor-options';
import type { ReportTarget } from './report-target';

const target: ReportTarget = {
  id: 42,
  token: 'glcbt-secret',
  maskedValues: [],
  tokenMaskPrefixes: [],
  failureReasons: undefined,
};
const headers = { jobStatus: undefined, updateIntervalMs: undefined, cancelRequested: false };
const refused = new ExecutorError('job_record_unavailable', 'could not update job record');

/** One function's world: every call recorded in order; `markDelivered` may refuse like Redis. */
function world(options: { readonly recordsRefuse?: boolean } = {}) {
  const calls: string[] = [];
  const updates: UpdateJobInput[] = [];
  const patches: string[] = [];
  const lease = {
    lost: new AbortController().signal,
    release: () => {
      calls.push('lease.release');
      return Promise.resolve();
    },
  } as unknown as JobLease;
  const registryCall = (name: string) => () => {
    calls.push(name);
    return Promise.resolve(undefined);
  };
  const processorOptions = {
    clock: new ManualClock(0, { autoAdvance: true }),
    finalUpdateDeadlineMs: 60_000,
    client: {
      updateJob: (_id: number, _token: string, input: UpdateJobInput) => {
        calls.push('updateJob');
        updates.push(input);
        return Promise.resolve({ ...headers, kind: 'accepted', status: 200 });
      },
      patchTrace: (_id: number, _token: string, _offset: number, chunk: Buffer) => {
        calls.push('patchTrace');
        patches.push(chunk.toString());
        return Promise.resolve({ ...headers, kind: 'ok', storedLength: undefined });
      },
    },
    registry: {
      leaveWaiting: registryCall('leaveWaiting'),
      releaseSlot: registryCall('releaseSlot'),
      dropPending: registryCall('dropPending'),
    },
    records: {
      markDelivered: () => {
        calls.push('markDelivered');
        return options.recordsRefuse === true ? Promise.reject(refused) : Promise.resolve();
      },
    },
  } as unknown as JobProcessorOptions;
  return { calls, updates, patches, lease, options: processorOptions };
}

const logger = pino({ level: 'silent' });

describe('answerFault', () => {
  it('retries a job whose script never started and that decided nothing: no report', async () => {
    const w = world();
    const progress = new DeliveryProgress();
    progress.taken = true;
    const fault = { error: refused, target, progress, lease: w.lease, finalAttempt: false };
    await expect(answerFault(w.options, logger, fault)).rejects.toBe(refused);
    expect(w.calls).toEqual(['lease.release']);
  });

  it('fails a started job that decided nothing as a system failure; a refused record is left to a retry', async () => {
    const w = world({ recordsRefuse: true });
    const progress = new DeliveryProgress();
    progress.taken = true;
    progress.started = true;
    const error = new TypeError('a bug');
    const fault = { error, target, progress, lease: w.lease, finalAttempt: false };
    await expect(answerFault(w.options, logger, fault)).rejects.toBe(error);
    expect(w.updates).toEqual([
      expect.objectContaining({ state: 'failed', failureReason: 'runner_system_failure' }),
    ]);
    expect(w.patches.join('')).toContain(
      'the executor failed while the job ran and could not record its end; not re-running',
    );
    expect(progress.told).toBe(true);
    // The claim was freed before the record was marked, and the lease given up after it failed.
    expect(w.calls.slice(0, 3)).toEqual(['leaveWaiting', 'releaseSlot', 'dropPending']);
    expect(w.calls.slice(-2)).toEqual(['markDelivered', 'lease.release']);
  });

  it('sends a decided final state that could not be stored, and settles it when Redis takes the rest', async () => {
    const w = world();
    const progress = new DeliveryProgress();
    progress.taken = true;
    progress.started = true;
    const outbox: OutboxEntry = {
      state: 'success',
      checksum: 'crc32:00000000',
      bytesize: 10,
      logFromOffset: 8,
      log: Buffer.from('ok\n'),
      deadlineAtMs: 60_000,
    };
    progress.outbox = outbox;
    const fault = { error: refused, target, progress, lease: w.lease, finalAttempt: false };
    expect(await answerFault(w.options, logger, fault)).toBe('success');
    expect(w.updates).toEqual([expect.objectContaining({ state: 'success', bytesize: 10 })]);
    expect(w.patches).toEqual(['ok\n']);
    expect(w.calls).not.toContain('lease.release');
    expect(w.calls.indexOf('releaseSlot')).toBeLessThan(w.calls.indexOf('markDelivered'));
  });

  it('tells GitLab nothing again once it was told', async () => {
    const w = world();
    const progress = new DeliveryProgress();
    progress.taken = true;
    progress.started = true;
    progress.told = true;
    const fault = { error: refused, target, progress, lease: w.lease, finalAttempt: true };
    await expect(answerFault(w.options, logger, fault)).rejects.toBe(refused);
    expect(w.calls).toEqual(['lease.release']);
  });

  it('on the last attempt without a record fails the job back directly and touches no record', async () => {
    const w = world();
    const progress = new DeliveryProgress();
    const fault = { error: refused, target, progress, lease: undefined, finalAttempt: true };
    await expect(answerFault(w.options, logger, fault)).rejects.toBe(refused);
    expect(w.updates).toEqual([
      expect.objectContaining({ state: 'failed', failureReason: 'runner_system_failure' }),
    ]);
    expect(w.patches.join('')).toContain(
      'the executor could not record the job, so it was not run',
    );
    expect(w.calls).not.toContain('markDelivered');
    expect(w.calls).not.toContain('releaseSlot');
  });
});
