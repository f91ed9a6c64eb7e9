// A tiny OTLP/HTTP trace receiver on loopback: keeps every request body as it came (for tests to
// search the raw bytes for secrets) and decodes the OTLP/JSON encoding into flat spans (for the
// benchmarks' per-stage timings). Shared with test/integration/support/otlp-receiver.ts.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as received, its attributes flattened to plain values. */
export interface ReceivedSpan {
  readonly serviceName: string | undefined;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly events: readonly { readonly name: string }[];
  /** Start and end, in ns since the Unix epoch (BigInt: the sub-ms digits exceed 2^53). */
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** A running receiver: its base URL (for OTEL_EXPORTER_OTLP_ENDPOINT) and what it got. */
export interface OtlpReceiver {
  readonly endpoint: string;
  /** Every request body to `/v1/traces`, undecoded. */
  readonly bodies: Buffer[];
  /** Request paths and content types, to check the exporter's protocol. */
  readonly requests: { readonly path: string; readonly contentType: string | undefined }[];
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

interface OtlpValue {
  readonly stringValue?: string;
  readonly intValue?: number | string;
  readonly doubleValue?: number;
  readonly boolValue?: boolean;
}

interface OtlpKeyValue {
  readonly key: string;
  readonly value: OtlpValue;
}

interface OtlpBody {
  readonly resourceSpans?: readonly {
    readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
    readonly scopeSpans?: readonly {
      readonly spans?: readonly {
        readonly traceId: string;
        readonly spanId: string;
        readonly parentSpanId?: string;
        readonly name: string;
        readonly kind: number;
        readonly attributes?: readonly OtlpKeyValue[];
        readonly events?: readonly { readonly name: string }[];
        readonly startTimeUnixNano?: string | number;
        readonly endTimeUnixNano?: string | number;
      }[];
    }[];
  }[];
}

function plain(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) {
    return value.stringValue;
  }
  if (value.intValue !== undefined) {
    return Number(value.intValue);
  }
  return value.doubleValue ?? value.boolValue ?? '';
}

function flatten(
  list: readonly OtlpKeyValue[] | undefined,
): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map(kv => [kv.key, plain(kv.value)]));
}

function decode(body: Buffer): ReceivedSpan[] {
  const parsed = JSON.parse(body.toString('utf8')) as OtlpBody;
  return (parsed.resourceSpans ?? []).flatMap(rs => {
    const serviceName = flatten(rs.resource?.attributes)['service.name'];
    return (rs.scopeSpans ?? []).flatMap(ss =>
      (ss.spans ?? []).map(span => ({
        serviceName: typeof serviceName === 'string' ? serviceName : undefined,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId:
          span.parentSpanId === undefined || span.parentSpanId === ''
            ? undefined
            : span.parentSpanId,
        name: span.name,
        kind: span.kind,
        attributes: flatten(span.attributes),
        events: (span.events ?? []).map(e => ({ name: e.name })),
        startNs: BigInt(span.startTimeUnixNano ?? 0),
        endNs: BigInt(span.endTimeUnixNano ?? 0),
      })),
    );
  });
}

/** Starts the receiver on 127.0.0.1 at a free port; it answers every export with 200. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: Buffer[] = [];
  const requests: { path: string; contentType: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      if (req.url === '/v1/traces') {
        bodies.push(Buffer.concat(chunks));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    requests,
    spans: () => bodies.flatMap(decode),
    close: () =>
      new Promise(resolve => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
