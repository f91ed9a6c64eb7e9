import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';

import { TelemetryError } from './errors';
import { contextFromTraceparent, inSpan, traceparentOf } from './trace-context';
import { spanNames, traceAttributes } from './trace-names';
import { startTracing } from './tracing';
import type { Tracing } from './tracing';

const logger = pino({ level: 'silent' });

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly body: Buffer;
}

async function startReceiver(): Promise<{ server: Server; base: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, url: req.url ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, received };
}

describe('startTracing', () => {
  let tracing: Tracing | undefined;

  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  it('is the no-op tracer without an endpoint: nothing records, no traceparent', async () => {
    tracing = startTracing({ serviceName: 't', endpoint: null, env: {}, logger });
    expect([tracing.enabled, tracing.destination]).toEqual([false, 'off (no endpoint)']);
    await inSpan(tracing.tracer, spanNames.pollerJob, {}, span => {
      expect(span.isRecording()).toBe(false);
      expect(traceparentOf()).toBeUndefined();
      return Promise.resolve();
    });
  });

  it('is off with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none even with an endpoint', () => {
    const endpoint = 'http://127.0.0.1:1';
    const a = startTracing({
      serviceName: 't',
      endpoint,
      env: { OTEL_SDK_DISABLED: 'true' },
      logger,
    });
    const b = startTracing({
      serviceName: 't',
      endpoint,
      env: { OTEL_TRACES_EXPORTER: 'none' },
      logger,
    });
    expect([a.enabled, b.enabled]).toEqual([false, false]);
  });

  it('lists every unsupported OTEL_* value in one error', () => {
    const env = { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' };
    let error: unknown;
    try {
      startTracing({ serviceName: 't', endpoint: null, env, logger });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TelemetryError);
    expect((error as TelemetryError).code).toBe('invalid_argument');
    expect((error as TelemetryError).message.split('\n')).toEqual([
      'tracing is misconfigured:',
      '$OTEL_TRACES_EXPORTER: "zipkin" is not supported (otlp or none)',
      '$OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported (http/json or http/protobuf)',
    ]);
  });

  it('nests active spans, marks errors by name only, and continues a trace from a traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({
      serviceName: 'taskfleet-test',
      endpoint: null,
      env: {},
      logger,
      exporter,
      processor: e => new SimpleSpanProcessor(e),
    });
    const { tracer } = tracing;
    let carried: string | undefined;
    await inSpan(
      tracer,
      spanNames.pollerJob,
      { attributes: { [traceAttributes.gitlabJobId]: 7 } },
      () =>
        inSpan(tracer, spanNames.pollerEnqueue, { kind: SpanKind.PRODUCER }, () => {
          carried = traceparentOf();
          return Promise.resolve();
        }),
    );
    await expect(
      inSpan(tracer, spanNames.executorJob, { parent: contextFromTraceparent(carried) }, () =>
        inSpan(tracer, spanNames.executorClaim, {}, () =>
          Promise.reject(new TelemetryError('invalid_argument', 'secret-in-message')),
        ),
      ),
    ).rejects.toThrow('secret-in-message');
    // A malformed header starts a new trace instead of failing the job.
    await inSpan(tracer, spanNames.executorJob, { parent: contextFromTraceparent('junk') }, () =>
      Promise.resolve(),
    );

    const spans = exporter.getFinishedSpans();
    const byName = (name: string, nth = 0) => spans.filter(s => s.name === name)[nth];
    const job = byName(spanNames.pollerJob);
    const enqueue = byName(spanNames.pollerEnqueue);
    const execJob = byName(spanNames.executorJob);
    const claim = byName(spanNames.executorClaim);
    const fresh = byName(spanNames.executorJob, 1);
    expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(job?.attributes).toEqual({ [traceAttributes.gitlabJobId]: 7 });
    expect(job?.resource.attributes['service.name']).toBe('taskfleet-test');
    const traceId = job?.spanContext().traceId;
    expect([enqueue, execJob, claim].map(s => s?.spanContext().traceId)).toEqual([
      traceId,
      traceId,
      traceId,
    ]);
    expect(enqueue?.parentSpanContext?.spanId).toBe(job?.spanContext().spanId);
    expect(execJob?.parentSpanContext?.spanId).toBe(enqueue?.spanContext().spanId);
    expect(execJob?.parentSpanContext?.isRemote).toBe(true);
    expect(claim?.parentSpanContext?.spanId).toBe(execJob?.spanContext().spanId);
    expect(claim?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'TelemetryError:invalid_argument',
    });
    expect(JSON.stringify(spans.map(s => [s.attributes, s.status, s.events]))).not.toContain(
      'secret-in-message',
    );
    expect(fresh?.spanContext().traceId).not.toBe(traceId);
    expect(fresh?.parentSpanContext).toBeUndefined();
  });

  it('exports OTLP/JSON to telemetry_endpoint and flushes the batch on shutdown', async () => {
    const receiver = await startReceiver();
    try {
      tracing = startTracing({
        serviceName: 'svc-json',
        endpoint: `${receiver.base}/`,
        env: {},
        logger,
      });
      expect([tracing.enabled, tracing.destination]).toEqual([true, 'telemetry_endpoint']);
      await inSpan(tracing.tracer, spanNames.scalerTick, {}, () => Promise.resolve());
      // The batch processor holds the span (5 s default delay): only shutdown sends it.
      expect(receiver.received).toHaveLength(0);
      await tracing.shutdown();
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received;
      expect(request?.url).toBe('/v1/traces');
      expect(request?.headers['content-type']).toBe('application/json');
      const body = JSON.parse(request?.body.toString('utf8') ?? '{}') as {
        resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
      };
      const names = body.resourceSpans.flatMap(r =>
        r.scopeSpans.flatMap(s => s.spans.map(x => x.name)),
      );
      expect(names).toEqual([spanNames.scalerTick]);
    } finally {
      await new Promise(resolve => receiver.server.close(resolve));
    }
  });

  it('prefers OTEL_EXPORTER_OTLP_ENDPOINT and sends protobuf when asked', async () => {
    const receiver = await startReceiver();
    const saved = { ...process.env };
    // The exporter reads the standard variables from the process environment itself.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.base;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
    try {
      tracing = startTracing({
        serviceName: 'svc-proto',
        endpoint: 'http://127.0.0.1:1',
        env: process.env,
        logger,
      });
      expect(tracing.destination).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
      await inSpan(tracing.tracer, spanNames.scalerIncrease, {}, () => Promise.resolve());
      await tracing.shutdown();
      expect(receiver.received.map(r => [r.url, r.headers['content-type']])).toEqual([
        ['/v1/traces', 'application/x-protobuf'],
      ]);
      // Protobuf strings are their UTF-8 bytes: the span and service names are in the body.
      const body = receiver.received[0]?.body ?? Buffer.alloc(0);
      expect(body.includes(Buffer.from(spanNames.scalerIncrease))).toBe(true);
      expect(body.includes(Buffer.from('svc-proto'))).toBe(true);
    } finally {
      process.env = saved;
      await new Promise(resolve => receiver.server.close(resolve));
    }
  });

  it('lets OTEL_SERVICE_NAME win over the role name', async () => {
    const saved = process.env.OTEL_SERVICE_NAME;
    process.env.OTEL_SERVICE_NAME = 'from-env';
    try {
      const exporter = new InMemorySpanExporter();
      tracing = startTracing({
        serviceName: 'taskfleet-poller',
        endpoint: null,
        env: {},
        logger,
        exporter,
        processor: e => new SimpleSpanProcessor(e),
      });
      await inSpan(tracing.tracer, spanNames.pollerJob, {}, () => Promise.resolve());
      expect(exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe('from-env');
    } finally {
      if (saved === undefined) {
        delete process.env.OTEL_SERVICE_NAME;
      } else {
        process.env.OTEL_SERVICE_NAME = saved;
      }
    }
  });

  it('shutdown twice is one shutdown, and the context manager is released', async () => {
    tracing = startTracing({
      serviceName: 't',
      endpoint: null,
      env: {},
      logger,
      exporter: new InMemorySpanExporter(),
    });
    const first = tracing.shutdown();
    expect(tracing.shutdown()).toBe(first);
    await first;
    const span = trace.getTracer('x').startSpan('y');
    expect(
      context.with(trace.setSpan(context.active(), span), () => trace.getActiveSpan()),
    ).toBeUndefined();
    span.end();
  });
});
