import type { InstanceRecord } from '@taskfleet/registry';

import { isFinalPipelineStatus, progressCounts, progressLine } from './fleet-progress';

const instance = (state: InstanceRecord['state'], claimedSlots: number): InstanceRecord =>
  ({ state, claimedSlots }) as InstanceRecord;

describe('demo progress', () => {
  it('counts jobs by GitLab status and instances by registry state', () => {
    const counts = progressCounts(
      ['created', 'pending', 'running', 'canceling', 'success', 'failed', 'skipped'],
      {
        instances: [
          instance('creating', 0),
          instance('booting', 0),
          instance('ready', 0),
          instance('ready', 2),
          instance('draining', 1),
        ],
      },
    );
    expect(counts).toEqual({
      jobsPending: 2,
      jobsRunning: 2,
      jobsDone: 3,
      instancesPending: 2,
      instancesReady: 1,
      instancesBusy: 2,
    });
    expect(progressLine('p', counts)).toBe(
      'p: jobs 2 pending 2 running 3 done | instances 2 pending 1 ready 2 busy',
    );
  });

  it('knows the final pipeline statuses', () => {
    expect(['success', 'failed', 'canceled', 'skipped'].every(isFinalPipelineStatus)).toBe(true);
    expect(['created', 'pending', 'running', 'canceling'].some(isFinalPipelineStatus)).toBe(false);
  });
});
