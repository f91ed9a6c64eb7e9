import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';

import { TelemetryError } from './errors';

/** The instrumentation scope of every taskfleet span. */
export const tracerName = 'taskfleet';

/** Environment variables as a plain map, `process.env`-shaped. */
export type TracingEnvironment = Readonly<Record<string, string | undefined>>;

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` says otherwise. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** `[taskfleet] telemetry_endpoint`: the OTLP/HTTP base URL (`/v1/traces` is appended). */
  readonly endpoint: string | null;
  /** Where the `OTEL_*` switches are read from (the process environment in production). */
  readonly env: TracingEnvironment;
  readonly logger: Logger;
  /** Replaces the OTLP exporter (tests: the SDK's InMemorySpanExporter). */
  readonly exporter?: SpanExporter;
  /** Replaces the batch processor around the exporter (tests: a SimpleSpanProcessor). */
  readonly processor?: (exporter: SpanExporter) => SpanProcessor;
  /** How long shutdown waits for the last spans to be sent. @defaultValue 5000 */
  readonly shutdownTimeoutMs?: number;
}

/** The process's tracing: a tracer to hand to the services, and its shutdown. */
export interface Tracing {
  /** A real tracer when an exporter is configured, else OpenTelemetry's no-op tracer. */
  readonly tracer: Tracer;
  readonly enabled: boolean;
  /** Where spans go (a URL, `config`, or why tracing is off), for the start-up log line. */
  readonly destination: string;
  /** Sends the spans still buffered and stops; bounded by `shutdownTimeoutMs`; idempotent. */
  shutdown(): Promise<void>;
}

type Protocol = 'http/json' | 'http/protobuf';

interface ExportPlan {
  readonly url: string | undefined;
  readonly protocol: Protocol;
  readonly destination: string;
}

function setting(env: TracingEnvironment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Decides from the environment and config whether and where spans go; throws on bad values. */
function exportPlan(options: TracingOptions): ExportPlan | { readonly off: string } {
  const { env } = options;
  const problems: string[] = [];
  const disabled = setting(env, 'OTEL_SDK_DISABLED')?.toLowerCase();
  const exporterKind = setting(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  const rawProtocol =
    setting(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    setting(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/json';
  if (exporterKind !== undefined && exporterKind !== 'otlp' && exporterKind !== 'none') {
    problems.push(`$OTEL_TRACES_EXPORTER: "${exporterKind}" is not supported (otlp or none)`);
  }
  if (rawProtocol !== 'http/json' && rawProtocol !== 'http/protobuf') {
    problems.push(
      `$OTEL_EXPORTER_OTLP_PROTOCOL: "${rawProtocol}" is not supported (http/json or http/protobuf)`,
    );
  }
  if (problems.length > 0) {
    throw new TelemetryError(
      'invalid_argument',
      `tracing is misconfigured:\n${problems.join('\n')}`,
    );
  }
  if (disabled === 'true') {
    return { off: 'OTEL_SDK_DISABLED' };
  }
  if (exporterKind === 'none') {
    return { off: 'OTEL_TRACES_EXPORTER=none' };
  }
  const protocol = rawProtocol as Protocol;
  // The exporter reads the standard variables itself; they win over the config key.
  const envEndpoint =
    setting(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
    setting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (envEndpoint !== undefined) {
    return { url: undefined, protocol, destination: 'OTEL_EXPORTER_OTLP_ENDPOINT' };
  }
  if (options.endpoint !== null) {
    const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
    return { url, protocol, destination: 'telemetry_endpoint' };
  }
  return { off: 'no endpoint' };
}

function otlpExporter(plan: ExportPlan): SpanExporter {
  const config = plan.url === undefined ? {} : { url: plan.url };
  return plan.protocol === 'http/protobuf'
    ? new OtlpProtoExporter(config)
    : new OtlpJsonExporter(config);
}

/** Routes the SDK's own diagnostics (failed exports, dropped spans) to the process logger. */
function routeDiagnostics(logger: Logger): void {
  const log = logger.child({ component: 'tracing' });
  const warn = (message: string): void => {
    log.warn({ detail: message }, 'opentelemetry diagnostic');
  };
  diag.setLogger(
    { error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

/**
 * Sets up the process's tracing once at start: a tracer provider with the OTLP/HTTP exporter
 * when `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` or `telemetry_endpoint` is set (or a test's
 * exporter is given), else the no-op tracer, which records nothing and costs nothing.
 * Throws `invalid_argument` listing every unsupported `OTEL_*` value.
 */
export function startTracing(options: TracingOptions): Tracing {
  const plan = options.exporter === undefined ? exportPlan(options) : undefined;
  if (plan !== undefined && 'off' in plan) {
    return {
      tracer: noopTracer,
      enabled: false,
      destination: `off (${plan.off})`,
      shutdown: () => Promise.resolve(),
    };
  }
  const exporter = options.exporter ?? otlpExporter(plan as ExportPlan);
  const processor = options.processor?.(exporter) ?? new BatchSpanProcessor(exporter);
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the role's default name.
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    ...(options.serviceVersion === undefined
      ? {}
      : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
  }).merge(detectResources({ detectors: [envDetector] }));
  // The sampler comes from OTEL_TRACES_SAMPLER(_ARG), parent-based always-on by default.
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  routeDiagnostics(options.logger);
  // Active spans follow async calls, so a stage span finds its job span without being handed it.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, shutdownTimeoutMs);
      timer.unref();
    });
    try {
      const result = await Promise.race([provider.shutdown().then(() => 'done'), timedOut]);
      if (result === 'timeout') {
        options.logger.warn({ shutdownTimeoutMs }, 'tracing shutdown timed out; spans dropped');
      }
    } catch (err) {
      options.logger.warn({ err }, 'tracing shutdown failed; spans dropped');
    } finally {
      clearTimeout(timer);
      context.disable();
      diag.disable();
    }
  };
  return {
    tracer: provider.getTracer(tracerName, options.serviceVersion),
    enabled: true,
    destination: plan === undefined ? 'custom exporter' : plan.destination,
    shutdown: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}

/**
 * The tracer of every service built without tracing: the global API's, which is OpenTelemetry's
 * no-op tracer because taskfleet never registers a global provider (each process hands its own
 * tracer to its services instead).
 */
export const noopTracer: Tracer = trace.getTracer(tracerName);
