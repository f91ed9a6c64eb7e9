/** Telemetry: Prometheus metrics, liveness and readiness, served on `listen_address`. */
export { TelemetryError } from './errors';
export type { TelemetryErrorCode } from './errors';
export { metricNames } from './metric-names';
export type { MetricName } from './metric-names';
export { poolKey, poolLabelNames, poolLabels } from './pool-labels';
export type { PoolIdentity } from './pool-labels';
export { ReportExporter } from './report-figures';
export type { CounterFigure, GaugeFamilyFigure, GaugeFigure, ReportFigure } from './report-figures';
export { PollLiveness } from './poll-liveness';
export type { PollEvent, PollHealth } from './poll-liveness';
export { ReadinessGate } from './readiness';
export type { CheckResult, ReadinessCheck, ReadinessReport } from './readiness';
export { ProcessMetrics } from './process-metrics';
export type { ProcessSources } from './process-metrics';
export { startTelemetryServer } from './telemetry-server';
export type { TelemetryServer, TelemetrySources } from './telemetry-server';
export { Registry } from 'prom-client';
