import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

import { TelemetryError } from './errors';
import type { PoolIdentity } from './pool-labels';
import { poolKey, poolLabelNames, poolLabels } from './pool-labels';

/** A gauge set from each report; `undefined` leaves the last value (the report did not know). */
export interface GaugeFigure<R> {
  readonly kind: 'gauge';
  readonly name: string;
  readonly help: string;
  read(report: R): number | undefined;
}

/** A gauge family set from each report, one series per value of `label` (e.g. state). */
export interface GaugeFamilyFigure<R> {
  readonly kind: 'gauge-family';
  readonly name: string;
  readonly help: string;
  readonly label: string;
  read(report: R): Readonly<Record<string, number>>;
}

/** A counter raised by each report, one series per value of `label`. */
export interface CounterFigure<R> {
  readonly kind: 'counter';
  readonly name: string;
  readonly help: string;
  readonly label: string;
  read(report: R): Readonly<Record<string, number>>;
}

/** One row of a figure table: how one metric is read from a report. */
export type ReportFigure<R> = GaugeFigure<R> | GaugeFamilyFigure<R> | CounterFigure<R>;

interface Bound<R> {
  readonly figure: ReportFigure<R>;
  readonly metric: Gauge | Counter;
  /** Per pool, the `label` values written, so forget() can remove every series. */
  readonly seen: Map<string, Set<string>>;
}

/**
 * Exports a table of figures per pool: each report sets the gauges and raises the counters of
 * its pool. Adding a metric is adding one row to the table.
 */
export class ReportExporter<R> {
  private readonly bound: Bound<R>[];

  constructor(registry: Registry, figures: readonly ReportFigure<R>[]) {
    const names = new Set<string>();
    this.bound = figures.map(figure => {
      if (names.has(figure.name)) {
        throw new TelemetryError(
          'invalid_argument',
          `could not export ${figure.name}: listed twice`,
        );
      }
      names.add(figure.name);
      const labelNames =
        figure.kind === 'gauge' ? [...poolLabelNames] : [...poolLabelNames, figure.label];
      const settings = { name: figure.name, help: figure.help, labelNames, registers: [registry] };
      const metric = figure.kind === 'counter' ? new Counter(settings) : new Gauge(settings);
      return { figure, metric, seen: new Map() };
    });
  }

  /** Writes one report of one pool. */
  observe(pool: PoolIdentity, report: R): void {
    const base = poolLabels(pool);
    for (const { figure, metric, seen } of this.bound) {
      if (figure.kind === 'gauge') {
        const value = figure.read(report);
        if (value !== undefined && metric instanceof Gauge) {
          metric.set(base, value);
          remember(seen, pool, '');
        }
        continue;
      }
      for (const [labelValue, value] of Object.entries(figure.read(report))) {
        const labels = { ...base, [figure.label]: labelValue };
        if (metric instanceof Gauge) {
          metric.set(labels, value);
        } else {
          // A zero increment still makes the series visible, so rate() has a start.
          metric.inc(labels, Math.max(0, value));
        }
        remember(seen, pool, labelValue);
      }
    }
  }

  /** Removes every series of a pool (it left the config on a reload). */
  forget(pool: PoolIdentity): void {
    const base = poolLabels(pool);
    for (const { figure, metric, seen } of this.bound) {
      const values = seen.get(poolKey(pool)) ?? new Set<string>();
      for (const labelValue of values) {
        metric.remove(figure.kind === 'gauge' ? base : { ...base, [figure.label]: labelValue });
      }
      seen.delete(poolKey(pool));
    }
  }
}

function remember(seen: Map<string, Set<string>>, pool: PoolIdentity, labelValue: string): void {
  const key = poolKey(pool);
  let values = seen.get(key);
  if (values === undefined) {
    values = new Set();
    seen.set(key, values);
  }
  values.add(labelValue);
}
