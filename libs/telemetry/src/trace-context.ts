import { ROOT_CONTEXT, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const propagator = new W3CTraceContextPropagator();

const carrierGetter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};

const carrierSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

/**
 * The W3C `traceparent` of the span active in `ctx` (the current context when omitted), for a
 * message that leaves the process; undefined when no span is recording (tracing off).
 */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, carrierSetter);
  return carrier.traceparent;
}

/**
 * The context a received `traceparent` continues; the root context when it is missing or
 * malformed, so a bad header only starts a new trace.
 */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (traceparent === undefined) {
    return ROOT_CONTEXT;
  }
  return propagator.extract(ROOT_CONTEXT, { traceparent }, carrierGetter);
}

/** Options of {@link inSpan}. */
export interface InSpanOptions {
  readonly attributes?: Attributes;
  readonly kind?: SpanKind;
  /** The parent; the active context when omitted. */
  readonly parent?: Context;
  /** When the span began, if before this call (epoch ms). */
  readonly startTimeMs?: number;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles; a throw marks the span as an
 * error with the exception's name only (its message may quote input or secrets) and rethrows.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: InSpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    {
      ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.startTimeMs === undefined ? {} : { startTime: options.startTimeMs }),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorKind(error) });
    throw error;
  } finally {
    span.end();
  }
}

function errorKind(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}:${code}` : error.name;
  }
  return typeof error;
}
