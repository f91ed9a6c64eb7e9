import type { GitlabClient } from '@taskfleet/gitlab';
import { spanEventNames, trace, traceAttributes } from '@taskfleet/telemetry';

/**
 * The client's log calls, each accepted `PATCH /trace` marked as an event on the span active
 * when the job started (an event, not a span: a long log sends hundreds).
 */
export function patchEvents(client: GitlabClient): Pick<GitlabClient, 'patchTrace' | 'keepAlive'> {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) {
    return client;
  }
  return {
    patchTrace: async (...args: Parameters<GitlabClient['patchTrace']>) => {
      const result = await client.patchTrace(...args);
      span.addEvent(spanEventNames.tracePatch, {
        [traceAttributes.traceBytes]: args[3].length,
        [traceAttributes.outcome]: result.kind,
      });
      return result;
    },
    keepAlive: (...args: Parameters<GitlabClient['keepAlive']>) => client.keepAlive(...args),
  };
}
