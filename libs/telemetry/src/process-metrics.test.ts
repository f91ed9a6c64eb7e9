import { Registry } from 'prom-client';

import { PollLiveness } from './poll-liveness';
import { ProcessMetrics } from './process-metrics';
import { ReadinessGate } from './readiness';

describe('ProcessMetrics request concurrency limit', () => {
  it('exports the last limit each runner reported, labelled by pool', async () => {
    const registry = new Registry();
    const metrics = new ProcessMetrics(registry, {
      liveness: new PollLiveness({ clock: () => 0, checkIntervalMs: () => 3000 }),
      readiness: new ReadinessGate([]),
      plannerCounts: () => [],
    });
    const a = { group: 'asg-a', runner: 'r-a', runnerName: 'a' };
    const b = { group: 'asg-b', runner: 'r-b', runnerName: 'b' };
    metrics.requestConcurrency(a, 1);
    metrics.requestConcurrency(a, 3);
    metrics.requestConcurrency(b, 4);
    const text = await registry.getSingleMetricAsString(
      'taskfleet_poller_request_concurrency_limit',
    );
    expect(text).toContain(
      'taskfleet_poller_request_concurrency_limit{group="asg-a",runner="r-a",runner_name="a"} 3',
    );
    expect(text).toContain(
      'taskfleet_poller_request_concurrency_limit{group="asg-b",runner="r-b",runner_name="b"} 4',
    );
  });
});
