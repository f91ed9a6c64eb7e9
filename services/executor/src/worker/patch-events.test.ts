import type { GitlabClient, PatchTraceResult } from '@taskfleet/gitlab';
import {
  inSpan,
  spanEventNames,
  spanNames,
  startRecordingTracing,
  traceAttributes,
} from '@taskfleet/telemetry';

import { patchEvents } from './patch-events';

const okResult = { kind: 'ok', storedLength: 5 } as unknown as PatchTraceResult;

describe('patchEvents', () => {
  it('marks each PATCH /trace on the active span with its size and result, never its bytes', async () => {
    const tracing = startRecordingTracing();
    try {
      const sent: string[] = [];
      const client = {
        patchTrace: (_id: number, _token: string, _offset: number, chunk: Uint8Array) => {
          sent.push(Buffer.from(chunk).toString());
          return Promise.resolve(okResult);
        },
        keepAlive: () => Promise.resolve(okResult),
      } as unknown as GitlabClient;
      await inSpan(tracing.tracer, spanNames.executorJob, {}, async () => {
        const wrapped = patchEvents(client);
        await wrapped.patchTrace(1, 'glcbt-secret-token', 0, Buffer.from('hello'));
        await wrapped.patchTrace(1, 'glcbt-secret-token', 5, Buffer.from('log line 2'));
      });
      expect(sent).toEqual(['hello', 'log line 2']);
      const [job] = tracing.spans();
      expect(job?.events.map(e => [e.name, e.attributes])).toEqual([
        [
          spanEventNames.tracePatch,
          { [traceAttributes.traceBytes]: 5, [traceAttributes.outcome]: 'ok' },
        ],
        [
          spanEventNames.tracePatch,
          { [traceAttributes.traceBytes]: 10, [traceAttributes.outcome]: 'ok' },
        ],
      ]);
      expect(JSON.stringify(job?.events)).not.toMatch(/hello|glcbt-secret-token/);
    } finally {
      await tracing.shutdown();
    }
  });

  it('returns the client itself when no span records (tracing off)', () => {
    const client = {} as unknown as GitlabClient;
    expect(patchEvents(client)).toBe(client);
  });
});
