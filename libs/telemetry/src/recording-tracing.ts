import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';

import { startTracing } from './tracing';
import type { Tracing } from './tracing';

/** Tracing that keeps every finished span in memory, for tests of span structure. */
export interface RecordingTracing extends Tracing {
  /** The spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
}

/**
 * Starts tracing into the SDK's InMemorySpanExporter with each span exported as it ends; call
 * `shutdown()` after the test (it releases the process-wide context manager).
 */
export function startRecordingTracing(serviceName = 'taskfleet-test'): RecordingTracing {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName,
    endpoint: null,
    env: {},
    logger: pino({ level: 'silent' }),
    exporter,
    processor: e => new SimpleSpanProcessor(e),
  });
  return { ...tracing, spans: () => exporter.getFinishedSpans() };
}
