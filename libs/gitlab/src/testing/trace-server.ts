import { crc32 } from 'node:zlib';

import { formatCrc32 } from '../checksum';
import { startScriptedServer } from './scripted-server';
import type { RecordedRequest, ScriptedResponse, ScriptedServer } from './scripted-server';

/** What a test can see and steer of the trace double's state. */
export interface TraceServerState {
  /** Stored log bytes (only when `keepContent`). */
  content: Buffer[];
  storedLength: number;
  storedCrc: number;
  jobStatus: string;
  intervalSeconds: number | undefined;
  /** Answers to use instead of the model, consumed first (PATCH and PUT alike). */
  overrides: Array<(request: RecordedRequest) => ScriptedResponse | undefined>;
  puts: unknown[];
  patchRanges: string[];
  /** Store the next N patches but hang up instead of answering (a lost acknowledgement). */
  loseAnswers: number;
}

/** A GitLab double for one job's trace and state, following reference §5.2 and §4.2. */
export async function startTraceServer(options: { keepContent?: boolean } = {}): Promise<{
  server: ScriptedServer;
  state: TraceServerState;
  storedText: () => string;
  storedChecksum: () => string;
  /** GitLab loses the stored log past `keepBytes` (needs `keepContent`). */
  truncate: (keepBytes: number) => void;
}> {
  const state: TraceServerState = {
    content: [],
    storedLength: 0,
    storedCrc: 0,
    jobStatus: 'running',
    intervalSeconds: undefined,
    overrides: [],
    puts: [],
    patchRanges: [],
    loseAnswers: 0,
  };
  const common = (): Record<string, string> => ({
    'Job-Status': state.jobStatus,
    ...(state.intervalSeconds === undefined
      ? {}
      : { 'X-GitLab-Trace-Update-Interval': String(state.intervalSeconds) }),
  });
  const server = await startScriptedServer(request => {
    while (state.overrides.length > 0) {
      const answer = state.overrides.shift()?.(request);
      if (answer !== undefined) {
        return answer;
      }
    }
    if (request.method === 'PUT') {
      state.puts.push(JSON.parse(request.body.toString()) as unknown);
      return { status: 200, headers: common(), body: '200' };
    }
    const range = request.headers['content-range'] ?? '';
    state.patchRanges.push(range);
    const start = Number(/^(\d+)-/.exec(range)?.[1] ?? NaN);
    if (start !== state.storedLength) {
      return { status: 416, headers: { ...common(), Range: `0-${state.storedLength}` } };
    }
    state.storedLength += request.body.length;
    state.storedCrc = crc32(request.body, state.storedCrc);
    if (options.keepContent === true) {
      state.content.push(request.body);
    }
    if (state.loseAnswers > 0) {
      state.loseAnswers--;
      return { status: 0, hangUp: true };
    }
    return { status: 202, headers: { ...common(), Range: `0-${state.storedLength}` } };
  });
  return {
    server,
    state,
    storedText: () => Buffer.concat(state.content).toString(),
    storedChecksum: () => formatCrc32(state.storedCrc),
    truncate: keepBytes => {
      const kept = Buffer.concat(state.content).subarray(0, keepBytes);
      state.content = [kept];
      state.storedLength = kept.length;
      state.storedCrc = crc32(kept);
    },
  };
}
