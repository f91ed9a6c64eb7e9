// Timeouts, cancel, abort and process clean-up of runJob, on real local processes: each stage
// runs in a local shell in its own session (as sshd runs it), and the sweeps run for real.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunOptions, RunResult } from '@taskfleet/fleeting';
import { systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';

import { runLocal, testPayload } from '../testing/local-shell';
import { runJob } from './run-job';

jest.setTimeout(30_000);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'executor-run-control-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const connection = {
  instanceId: 'i-local',
  run: async (options: RunOptions): Promise<RunResult> => {
    const run = await runLocal(
      options.command,
      typeof options.stdin === 'string' ? options.stdin : '',
      {
        cwd: dir,
        ...(options.env === undefined ? {} : { env: { ...options.env } }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onExit: exitCode => options.onExit?.({ exitCode }),
      },
      chunk => {
        void options.onStdout?.(chunk);
      },
    );
    return { exitCode: run.exitCode };
  },
};

function job(
  script: string[],
  afterScript: string[],
  variables: Record<string, string> = {},
  timeoutSec = 3600,
): JobPayload {
  return testPayload({
    runner_info: { timeout: timeoutSec },
    steps: [
      { name: 'script', script, timeout: timeoutSec, when: 'on_success', allow_failure: false },
      {
        name: 'after_script',
        script: afterScript,
        timeout: timeoutSec,
        when: 'always',
        allow_failure: true,
      },
    ],
    variables: Object.entries({ GIT_STRATEGY: 'none', ...variables }).map(([key, value]) => ({
      key,
      value,
    })),
  });
}

/** Runs the job; `onLog` sees the log as it grows and may cancel or abort. */
async function run(
  payload: JobPayload,
  onLog?: (log: string, control: { cancel(): void; abort(): void; shutDown(): void }) => void,
) {
  const cancel = new AbortController();
  const abort = new AbortController();
  const shutdown = new AbortController();
  const control = {
    shutDown: () => {
      shutdown.abort('aborted: the executor shut down (test)');
    },
    cancel: () => {
      cancel.abort();
    },
    abort: () => {
      abort.abort();
    },
  };
  let log = '';
  const outcome = await runJob({
    payload,
    connection,
    trace: {
      write: chunk => {
        log += chunk.toString();
        onLog?.(log, control);
      },
    },
    buildsDir: 'builds',
    slot: 0,
    clock: systemClock,
    signal: abort.signal,
    cancelSignal: cancel.signal,
    shutdownSignal: shutdown.signal,
    stopGraceMs: 500,
    heldOutputGraceMs: 200,
  });
  return { outcome, log };
}

/** Whether a process runs (a zombie left for a non-reaping init counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function pidsIn(name: string): Promise<number[]> {
  const text = await readFile(join(dir, name), 'utf8');
  return text.trim().split(/\s+/).map(Number);
}

// A background process that starts its own session and drops the job's environment too.
const escapee = 'setsid env -i sleep 311 > /dev/null 2>&1 < /dev/null & echo $! >> "$HOME/bg.pid"';

describe('runJob limits and signals on local processes', () => {
  it('stops the script at RUNNER_SCRIPT_TIMEOUT with job_execution_timeout; after_script still runs', async () => {
    const { outcome, log } = await run(
      job(['echo started', 'sleep 301'], ['echo "after: $CI_JOB_STATUS"'], {
        RUNNER_SCRIPT_TIMEOUT: '1s',
      }),
    );
    expect(outcome).toEqual({
      outcome: 'failed',
      failureReason: 'job_execution_timeout',
      detail: 'execution took longer than 1s seconds',
    });
    expect(log).toContain('WARNING: step_script could not run to completion because the timeout');
    expect(log).toContain('after: failed\n');
    expect(log).toContain('ERROR: Job failed: execution took longer than 1s seconds');
  });

  it('ends the job at runner_info.timeout; no time is left for after_script', async () => {
    const { outcome, log } = await run(job(['sleep 302'], ['echo after-ran'], {}, 1));
    expect(outcome).toMatchObject({ outcome: 'failed', failureReason: 'job_execution_timeout' });
    expect(outcome.exitCode).toBeUndefined();
    expect(log).toContain('execution took longer than 1s seconds');
    expect(log).not.toContain('after-ran');
  });

  it('keeps a successful job successful when after_script overruns RUNNER_AFTER_SCRIPT_TIMEOUT', async () => {
    const { outcome, log } = await run(
      job(['echo ok'], ['sleep 303'], { RUNNER_AFTER_SCRIPT_TIMEOUT: '500ms' }),
    );
    expect(outcome).toEqual({ outcome: 'success' });
    expect(log).toContain('WARNING: after_script could not run to completion because the timeout');
    expect(log).toContain('after_script failed, but job will continue unaffected: timed-out');
  });

  it('warns about a RUNNER_SCRIPT_TIMEOUT that is no duration and ignores it', async () => {
    const { outcome, log } = await run(job(['echo ok'], [], { RUNNER_SCRIPT_TIMEOUT: 'soon' }));
    expect(outcome).toEqual({ outcome: 'success' });
    expect(log).toContain('WARNING: RUNNER_SCRIPT_TIMEOUT "soon" is not a positive duration');
  });

  it('on a graceful cancel stops the script and every process it started, then runs after_script', async () => {
    const { outcome, log } = await run(
      job(
        [
          'sleep 304 & echo $! >> "$HOME/bg.pid"',
          escapee,
          // Ignores TERM: only the KILL after the grace time ends it.
          'sh -c \'trap "" TERM; echo $$ >> "$HOME/bg.pid"; echo started; sleep 305\'',
        ],
        ['echo "after: $CI_JOB_STATUS"'],
      ),
      (text, control) => {
        if (text.includes('started\n')) {
          control.cancel();
        }
      },
    );
    expect(outcome).toEqual({ outcome: 'canceled' });
    expect(log).toContain('after: canceled\n');
    expect(log).toContain('ERROR: Job failed: canceled');
    const pids = await pidsIn('bg.pid');
    expect(pids).toHaveLength(3);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('when GitLab aborts the job kills everything at once and skips after_script', async () => {
    const { outcome, log } = await run(
      job(
        ['sleep 306 & echo $! >> "$HOME/bg.pid"', escapee, 'echo started; sleep 307'],
        ['echo after-ran'],
      ),
      (text, control) => {
        if (text.includes('started\n')) {
          control.abort();
        }
      },
    );
    expect(outcome).toEqual({ outcome: 'canceled', aborted: true });
    expect(log).not.toContain('after-ran');
    const pids = await pidsIn('bg.pid');
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('on the shutdown limit kills everything at once and ends the job as a system failure', async () => {
    const { outcome, log } = await run(
      job(['sleep 308 & echo $! >> "$HOME/bg.pid"', 'echo started; sleep 309'], ['echo after-ran']),
      (text, control) => {
        if (text.includes('started\n')) {
          control.shutDown();
        }
      },
    );
    expect(outcome).toEqual({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
      detail: 'aborted: the executor shut down (test)',
    });
    expect(log).not.toContain('after-ran');
    expect(log).toContain(
      'ERROR: Job failed (system failure): aborted: the executor shut down (test)',
    );
    const pids = await pidsIn('bg.pid');
    expect(pids).toHaveLength(1);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('does not wait for a background process holding the output, and ends it with the job', async () => {
    const started = Date.now();
    const { outcome, log } = await run(
      job(['sleep 308 & echo $! >> "$HOME/bg.pid"', 'echo script-done'], ['echo after-done']),
    );
    expect(outcome).toEqual({ outcome: 'success' });
    expect(log).toContain('script-done\n');
    expect(log).toContain('after-done\n');
    // Bounded far below the sleep: the job did not wait for the process to end by itself.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await pidsIn('bg.pid')).filter(alive)).toEqual([]);
  });

  it('gives the job commands stdin at end-of-file', async () => {
    const { outcome, log } = await run(
      job(['if read -r line; then echo "got $line"; else echo stdin-eof; fi'], []),
    );
    expect(outcome).toEqual({ outcome: 'success' });
    expect(log).toContain('stdin-eof\n');
  });
});
