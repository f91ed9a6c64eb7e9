import { Counter, Registry } from 'prom-client';

import { TelemetryError } from './errors';
import { startTelemetryServer } from './telemetry-server';
import type { TelemetryServer } from './telemetry-server';

describe('telemetry listener', () => {
  let server: TelemetryServer | undefined;
  let ready = false;
  const registry = new Registry();
  new Counter({ name: 'test_hits_total', help: 'h', registers: [registry] }).inc(2);

  beforeAll(async () => {
    server = await startTelemetryServer({
      host: '127.0.0.1',
      port: 0,
      sources: {
        registry,
        liveness: () => ({ pollers: [{ runner: 'r1', lastSuccessfulPollAt: null }] }),
        readiness: () =>
          Promise.resolve({
            ready,
            checks: [
              ready ? { name: 'redis', ok: true } : { name: 'redis', ok: false, reason: 'x' },
            ],
          }),
      },
      onError: () => undefined,
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const url = (path: string): string => `http://127.0.0.1:${server?.port ?? 0}${path}`;

  it('serves Prometheus text on /metrics', async () => {
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('test_hits_total 2');
  });

  it('serves liveness on /healthz and readiness with the missing names on /readyz', async () => {
    const live = await fetch(url('/healthz'));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({
      status: 'ok',
      pollers: [{ runner: 'r1', lastSuccessfulPollAt: null }],
    });
    const notReady = await fetch(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, missing: ['redis'] });
    ready = true;
    expect((await fetch(url('/readyz'))).status).toBe(200);
    expect((await fetch(url('/nope'))).status).toBe(404);
  });

  it('fails with a listen_failed error on a port in use', async () => {
    await expect(
      startTelemetryServer({
        host: '127.0.0.1',
        port: server?.port ?? 0,
        sources: {
          registry,
          liveness: () => ({}),
          readiness: () => Promise.resolve({ ready: true, checks: [] }),
        },
        onError: () => undefined,
      }),
    ).rejects.toMatchObject({
      code: 'listen_failed',
      retryable: true,
      name: TelemetryError.name,
      message: expect.stringMatching(
        /could not listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
      ) as unknown,
    });
  });
});
