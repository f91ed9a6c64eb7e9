import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunOptions, RunResult } from '@taskfleet/fleeting';
import { systemClock } from '@taskfleet/gitlab';
import { inSpan, spanNames, startRecordingTracing, traceAttributes } from '@taskfleet/telemetry';
import type { RecordingTracing } from '@taskfleet/telemetry';

import { runLocal, testPayload } from '../testing/local-shell';
import { runJob } from './run-job';

const secret = 'MaskedValue-9f3a7c';

let dir: string;
let tracing: RecordingTracing;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'executor-run-job-spans-'));
  tracing = startRecordingTracing();
});
afterEach(async () => {
  await tracing.shutdown();
  await rm(dir, { recursive: true, force: true });
});

/** Each command in a local shell with the script on stdin, as sshd would run it. */
const connection = {
  instanceId: 'i-local',
  run: async (options: RunOptions): Promise<RunResult> => {
    const run = await runLocal(
      options.command,
      typeof options.stdin === 'string' ? options.stdin : '',
      {
        cwd: dir,
        ...(options.env === undefined ? {} : { env: { ...options.env } }),
        onExit: exitCode => options.onExit?.({ exitCode }),
      },
      chunk => {
        void options.onStdout?.(chunk);
      },
    );
    return { exitCode: run.exitCode };
  },
};

describe('runJob spans', () => {
  it('makes one child span per log section, with exit codes, and no secret in any span', async () => {
    const payload = testPayload({
      steps: [
        {
          name: 'script',
          script: ['echo "$SECRET_VAR"', 'exit 3'],
          timeout: 3600,
          when: 'on_success',
          allow_failure: false,
        },
        {
          name: 'after_script',
          script: ['echo after'],
          timeout: 3600,
          when: 'always',
          allow_failure: true,
        },
      ],
      variables: [
        { key: 'GIT_STRATEGY', value: 'none' },
        { key: 'SECRET_VAR', value: secret, masked: true },
      ],
    });
    let log = '';
    const outcome = await inSpan(tracing.tracer, spanNames.executorJob, {}, () =>
      runJob({
        payload,
        connection,
        trace: { write: chunk => (log += chunk.toString()) },
        buildsDir: 'builds',
        slot: 1,
        clock: { now: () => 1_700_000_000_000, sleep: systemClock.sleep },
        tracer: tracing.tracer,
      }),
    );
    expect(outcome).toMatchObject({ outcome: 'failed', exitCode: 3 });
    // The log holds the value (masking is the trace writer's job): the spans must not.
    expect(log).toContain(secret);

    const spans = tracing.spans();
    const job = spans.find(s => s.name === spanNames.executorJob);
    const stages = spans.filter(s => s.name === spanNames.executorStage);
    expect(stages.map(s => s.attributes)).toEqual([
      {
        [traceAttributes.stage]: 'prepare_script',
        [traceAttributes.outcome]: 'exited',
        [traceAttributes.exitCode]: 0,
      },
      {
        [traceAttributes.stage]: 'get_sources',
        [traceAttributes.outcome]: 'exited',
        [traceAttributes.exitCode]: 0,
      },
      {
        [traceAttributes.stage]: 'step_script',
        [traceAttributes.outcome]: 'exited',
        [traceAttributes.exitCode]: 3,
      },
      {
        [traceAttributes.stage]: 'after_script',
        [traceAttributes.outcome]: 'exited',
        [traceAttributes.exitCode]: 0,
      },
      {
        [traceAttributes.stage]: 'cleanup_file_variables',
        [traceAttributes.outcome]: 'exited',
        [traceAttributes.exitCode]: 0,
      },
    ]);
    for (const stage of stages) {
      expect(stage.parentSpanContext?.spanId).toBe(job?.spanContext().spanId);
    }
    const exported = JSON.stringify(
      spans.map(s => [s.name, s.attributes, s.events, s.status, s.resource.attributes]),
    );
    expect(exported).not.toContain(secret);
    expect(exported).not.toContain('glcbt-testtoken');
  });
});
