import { chooseRemovals, countFleet, desiredInstances } from '@taskfleet/taskscaler';
import type { InstanceView } from '@taskfleet/taskscaler';

import { fixed, sample } from '../support/measure';
import type { Figure } from '../support/report';

const instanceCount = 1000;
const queuedJobs = 10_000;
const capacityPerInstance = 2;
const nowMs = 1_800_000_000_000;

/** A fleet of mixed states, the same on every run (no randomness, so runs compare). */
function fleetViews(): InstanceView[] {
  const views: InstanceView[] = [];
  for (let i = 0; i < instanceCount; i += 1) {
    const state = i % 50 === 0 ? 'creating' : i % 97 === 0 ? 'draining' : 'ready';
    views.push({
      id: `i-${i.toString(16).padStart(17, '0')}`,
      state,
      acquiredSlots: state === 'ready' ? i % (capacityPerInstance + 1) : 0,
      useCount: i % 7,
      consecutiveHealthFailures: i % 211 === 0 ? 3 : 0,
      createdAtMs: nowMs - 3_600_000,
      readyAtMs: state === 'creating' ? null : nowMs - 3_000_000,
      lastJobEndedAtMs: i % 3 === 0 ? null : nowMs - (i % 600) * 1000,
    });
  }
  return views;
}

/**
 * The pure planning step of one scaler tick at 1000 instances and 10 000 queued jobs: count the
 * fleet, compute the target, choose removals. Target: the whole tick ≤ 20 ms CPU.
 */
export async function plannerSuite(): Promise<Figure[]> {
  const views = fleetViews();
  const usability = { maxUseCount: 10, failureThreshold: 3 };
  const policy = { idleCount: 20, scaleFactor: 0.1, scaleFactorLimit: 50 };
  const result = await sample(
    () => {
      const plan = desiredInstances({
        demand: { queued: queuedJobs, pending: 40, reserved: 10 },
        fleet: countFleet(views, usability),
        policy,
        capacityPerInstance,
        maxInstanceCount: 1200,
      });
      return chooseRemovals(views, nowMs, {
        ...usability,
        idleTimeMs: 600_000,
        creationTimeoutMs: 600_000,
        plan,
      });
    },
    { runs: 2000, warmUp: 200 },
  );
  const suite = 'planner (1000 instances, 10 000 queued)';
  return [
    { suite, name: 'CPU per plan', value: fixed(result.cpuMsPerRun), unit: 'ms', target: '' },
    { suite, name: 'p50', value: fixed(result.p50Ms), unit: 'ms', target: '' },
    { suite, name: 'p99', value: fixed(result.p99Ms), unit: 'ms', target: '' },
  ];
}
