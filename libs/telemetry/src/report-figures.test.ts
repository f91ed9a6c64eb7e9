import { Registry } from 'prom-client';

import { ReportExporter } from './report-figures';
import type { ReportFigure } from './report-figures';

interface Report {
  readonly desired: number | undefined;
  readonly byState: Record<string, number>;
  readonly removed: Record<string, number>;
}

const figures: readonly ReportFigure<Report>[] = [
  { kind: 'gauge', name: 'test_desired', help: 'd', read: r => r.desired },
  { kind: 'gauge-family', name: 'test_states', help: 's', label: 'state', read: r => r.byState },
  {
    kind: 'counter',
    name: 'test_removals_total',
    help: 'r',
    label: 'reason',
    read: r => r.removed,
  },
];

const pool = { group: 'asg-a', runner: 'r7-abc', runnerName: 'linux' };

describe('ReportExporter', () => {
  it('sets gauges, raises counters per pool and keeps a gauge the report did not know', async () => {
    const registry = new Registry();
    const exporter = new ReportExporter(registry, figures);
    exporter.observe(pool, { desired: 3, byState: { ready: 2 }, removed: { idle_time: 1 } });
    exporter.observe(pool, {
      desired: undefined,
      byState: { ready: 1 },
      removed: { idle_time: 2 },
    });
    const text = await registry.metrics();
    expect(text).toContain('test_desired{group="asg-a",runner="r7-abc",runner_name="linux"} 3');
    expect(text).toContain(
      'test_states{group="asg-a",runner="r7-abc",runner_name="linux",state="ready"} 1',
    );
    expect(text).toContain(
      'test_removals_total{group="asg-a",runner="r7-abc",runner_name="linux",reason="idle_time"} 3',
    );
  });

  it('forgets every series of a pool', async () => {
    const registry = new Registry();
    const exporter = new ReportExporter(registry, figures);
    const other = { group: 'asg-b', runner: 'r8-def', runnerName: '' };
    exporter.observe(pool, { desired: 1, byState: { ready: 1 }, removed: { failed: 1 } });
    exporter.observe(other, { desired: 2, byState: { ready: 2 }, removed: {} });
    exporter.forget(pool);
    const text = await registry.metrics();
    expect(text).not.toContain('asg-a');
    expect(text).toContain('test_desired{group="asg-b",runner="r8-def",runner_name=""} 2');
  });

  it('refuses a table that lists a metric twice', () => {
    expect(() => new ReportExporter(new Registry(), [figures[0]!, figures[0]!])).toThrow(
      'could not export test_desired: listed twice',
    );
  });
});
