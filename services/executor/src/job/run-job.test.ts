import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FleetingError } from '@taskfleet/fleeting';
import type { RunOptions, RunResult } from '@taskfleet/fleeting';
import { systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';

import { runLocal, testPayload } from '../testing/local-shell';
import { runnerVersion } from './build-scripts';
import { runJob } from './run-job';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'executor-run-job-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs each command in a local shell with the script on stdin, as sshd would; `hook` may intervene. */
function localConnection(
  hook?: (options: RunOptions, index: number) => Promise<RunResult> | undefined,
) {
  const calls: RunOptions[] = [];
  return {
    calls,
    connection: {
      instanceId: 'i-local',
      run: async (options: RunOptions): Promise<RunResult> => {
        calls.push(options);
        const hooked = hook?.(options, calls.length - 1);
        if (hooked !== undefined) {
          return hooked;
        }
        const run = await runLocal(
          options.command,
          stdinText(options),
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
    },
  };
}

function stdinText(options: RunOptions): string {
  return typeof options.stdin === 'string' ? options.stdin : '';
}

function job(
  script: string[],
  afterScript: string[] = [],
  variables: Record<string, string> = {},
): JobPayload {
  return testPayload({
    steps: [
      { name: 'script', script, timeout: 3600, when: 'on_success', allow_failure: false },
      {
        name: 'after_script',
        script: afterScript,
        timeout: 3600,
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

async function run(
  payload: JobPayload,
  hook?: Parameters<typeof localConnection>[0],
  retryWaits?: number[],
) {
  const { calls, connection } = localConnection(hook);
  let log = '';
  // A stage-retry wait (announced by the line before it) is recorded and skipped; others are real.
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (retryWaits === undefined || !/Retrying in \S+\n$/.test(log)) {
      return systemClock.sleep(ms, signal);
    }
    retryWaits.push(ms);
    return Promise.resolve();
  };
  const outcome = await runJob({
    payload,
    connection,
    trace: { write: chunk => (log += chunk.toString()) },
    buildsDir: 'builds',
    slot: 2,
    clock: { now: () => 1_700_000_000_000, sleep },
    runnerDescription: 'test runner',
  });
  return { outcome, log, calls };
}

const sectionNames = (log: string, kind: 'start' | 'end') =>
  [...log.matchAll(new RegExp(`section_${kind}:1700000000:([a-z_]+)\\r\\u001b\\[0K`, 'g'))].map(
    m => m[1],
  );

describe('runJob over a connection that runs a local shell', () => {
  it('runs the stages in order in sections and reports success', async () => {
    const { outcome, log, calls } = await run(
      job(['echo from-script', 'echo "dir=$CI_PROJECT_DIR"'], ['echo from-after']),
    );
    expect(outcome).toEqual({ outcome: 'success' });
    const order = [
      'prepare_executor',
      'prepare_script',
      'get_sources',
      'step_script',
      'after_script',
      'cleanup_file_variables',
    ];
    expect(sectionNames(log, 'start')).toEqual(order);
    expect(sectionNames(log, 'end')).toEqual(order);
    expect(log.startsWith('Running with taskfleet 0.1.0\n  on test runner\n')).toBe(true);
    expect(log).toContain('Running on ');
    expect(log).toContain(' via i-local...\n');
    expect(log).toContain('Executing "step_script" stage of the job script');
    expect(log.indexOf('from-script')).toBeLessThan(log.indexOf('from-after'));
    expect(log.endsWith('\u001b[32;1mJob succeeded\u001b[0;m\n')).toBe(true);
    // The relative builds dir resolves under the login directory; each slot has its own tree.
    expect(log).toContain(`dir=${dir}/builds/2/acme/widgets\n`);
    // Scripts travel on stdin only: the command lines are fixed and hold no job data.
    const commands = calls.map(c => c.command);
    expect(new Set(commands.filter(c => !c.includes('taskfleet-sweep')))).toEqual(
      new Set(['pwd', 'bash --login']),
    );
    // The job's processes are swept once it ends; the marker travels as a variable, not in argv.
    expect(commands.filter(c => c.includes('taskfleet-sweep'))).toHaveLength(1);
    expect(calls.find(c => c.command === 'bash --login')?.env).toEqual({
      TASKFLEET_JOB_MARKER: expect.stringMatching(/^42-[0-9a-f]{12}$/),
    });
  });

  it('fails with script_failure and the exit code, still running after_script with CI_JOB_STATUS=failed', async () => {
    const { outcome, log } = await run(
      job(['echo before', 'exit 3', 'echo never'], ['echo "after: $CI_JOB_STATUS"']),
    );
    expect(outcome).toEqual({ outcome: 'failed', failureReason: 'script_failure', exitCode: 3 });
    expect(log).not.toContain('never');
    expect(log).toContain('after: failed\n');
    expect(log.endsWith('\u001b[31;1mERROR: Job failed: exit code 3\u001b[0;m\n')).toBe(true);
  });

  it('keeps the result when after_script fails, with GitLab Runner warning', async () => {
    const { outcome, log } = await run(job(['true'], ['exit 5']));
    expect(outcome).toEqual({ outcome: 'success' });
    expect(log).toContain(
      'WARNING: after_script failed, but job will continue unaffected: exit code 5',
    );
  });

  it('maps a lost connection to runner_system_failure and runs nothing more', async () => {
    const { outcome, log, calls } = await run(job(['echo x'], ['echo after']), (_options, index) =>
      index >= 3
        ? Promise.reject(
            new FleetingError(
              'connection_lost',
              'could not keep the connection: closed by the instance',
              { instanceId: 'i-local' },
            ),
          )
        : undefined,
    );
    expect(outcome.outcome).toBe('failed');
    expect(outcome.failureReason).toBe('runner_system_failure');
    expect(outcome.exitCode).toBeUndefined();
    expect(log).not.toContain('Running after script');
    expect(log).toContain('ERROR: Job failed (system failure): could not keep the connection');
    expect(calls.filter(c => !c.command.includes('taskfleet-sweep')).length).toBe(4);
  });

  it('retries get_sources GET_SOURCES_ATTEMPTS times, a section each, clearing the tree once', async () => {
    let failures = 0;
    const waits: number[] = [];
    const { outcome, log } = await run(
      job(['echo ok'], [], { GET_SOURCES_ATTEMPTS: '3' }),
      options => {
        if (stdinText(options).includes('Skipping Git repository setup') && failures < 2) {
          failures += 1;
          return Promise.resolve({ exitCode: 128 });
        }
        return undefined;
      },
      waits,
    );
    expect(failures).toBe(2);
    expect(outcome).toEqual({ outcome: 'success' });
    // GitLab Runner's order: each try its own section, clear_worktree before the second only,
    // a jittered wait of 5 s, then up to 7.5 s, announced before it.
    expect(sectionNames(log, 'start')).toEqual([
      'prepare_executor',
      'prepare_script',
      'get_sources',
      'clear_worktree',
      'get_sources',
      'get_sources',
      'step_script',
      'cleanup_file_variables',
    ]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(5_000);
    expect(waits[1]).toBeGreaterThanOrEqual(5_000);
    expect(waits[1]).toBeLessThanOrEqual(7_500);
    expect(log).toContain('get_sources\r\u001b[0KRetrying in 5s\n');
    expect(log).toContain('Deleting tracked and untracked files...\n');
  });

  it('retries at once, without waiting, when FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY is false', async () => {
    let failures = 0;
    const waits: number[] = [];
    const { outcome, log } = await run(
      job(['echo ok'], [], {
        GET_SOURCES_ATTEMPTS: '2',
        FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY: 'false',
      }),
      options => {
        if (stdinText(options).includes('Skipping Git repository setup') && failures < 1) {
          failures += 1;
          return Promise.resolve({ exitCode: 1 });
        }
        return undefined;
      },
      waits,
    );
    expect(outcome).toEqual({ outcome: 'success' });
    expect(waits).toEqual([]);
    expect(log).not.toContain('Retrying in');
  });

  it('fails as a system failure with no get_sources section when GET_SOURCES_ATTEMPTS is out of range', async () => {
    const { outcome, log } = await run(job(['echo never-run'], [], { GET_SOURCES_ATTEMPTS: '0' }));
    expect(outcome).toEqual({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
      detail: 'number of attempts out of the range [1, 10] for stage: get_sources',
    });
    expect(sectionNames(log, 'start')).toEqual([
      'prepare_executor',
      'prepare_script',
      'cleanup_file_variables',
    ]);
    expect(log).toContain(
      'ERROR: Job failed (system failure): number of attempts out of the range [1, 10] for stage: get_sources',
    );
  });

  it('refuses RESTORE_CACHE_ATTEMPTS out of range after get_sources even with nothing to restore', async () => {
    const { outcome, log } = await run(
      job(['echo never-run'], [], { RESTORE_CACHE_ATTEMPTS: '11' }),
    );
    expect(outcome).toMatchObject({
      failureReason: 'runner_system_failure',
      detail: 'number of attempts out of the range [1, 10] for stage: restore_cache',
    });
    expect(sectionNames(log, 'start')).toContain('get_sources');
    expect(log).not.toContain('never-run');
  });

  it('prints the setting warnings right after the header, before prepare_executor', async () => {
    const { outcome, log } = await run(
      job(['echo ok'], [], { ARTIFACT_DOWNLOAD_ATTEMPTS: 'many', CI_DEBUG_TRACE: 'loud' }),
    );
    expect(outcome).toEqual({ outcome: 'success' });
    const header = 'Running with taskfleet ' + runnerVersion + '\n  on test runner\n';
    const warning =
      '\u001b[0;33mWARNING: CI_DEBUG_TRACE: expected bool got "loud", using default value: false\n' +
      'ARTIFACT_DOWNLOAD_ATTEMPTS: expected int got "many", using default value: 1\u001b[0;m\n' +
      'section_start:1700000000:prepare_executor';
    expect(log.indexOf(header + warning)).toBe(0);
    expect(log.match(/WARNING: /g)).toHaveLength(1);
  });

  it('fails the job with the exit code when get_sources keeps failing, without running the script', async () => {
    const { outcome, log } = await run(job(['echo never-run']), options =>
      stdinText(options).includes('Skipping Git repository setup')
        ? Promise.resolve({ exitCode: 128 })
        : undefined,
    );
    expect(outcome).toEqual({ outcome: 'failed', failureReason: 'script_failure', exitCode: 128 });
    expect(sectionNames(log, 'start')).not.toContain('step_script');
  });
});
