import { FleetingError } from '@taskfleet/fleeting';

import { failedOutcome, shutdownVerdict, stageSucceeded } from './failure-mapping';
import { jobFailedLine } from './job-header';

describe('failure mapping', () => {
  it('treats only exit code 0 as success', () => {
    expect(stageSucceeded({ kind: 'exited', result: { exitCode: 0 } })).toBe(true);
    expect(stageSucceeded({ kind: 'exited', result: { exitCode: 1 } })).toBe(false);
    expect(stageSucceeded({ kind: 'exited', result: { exitCode: null, signal: 'KILL' } })).toBe(
      false,
    );
    expect(stageSucceeded({ kind: 'error', error: new Error('x') })).toBe(false);
  });

  it('maps a non-zero exit to script_failure with the code', () => {
    const outcome = failedOutcome({ kind: 'exited', result: { exitCode: 42 } }, []);
    expect(outcome).toEqual({ outcome: 'failed', failureReason: 'script_failure', exitCode: 42 });
    expect(jobFailedLine(outcome)).toBe('\u001b[31;1mERROR: Job failed: exit code 42\u001b[0;m\n');
  });

  it('maps a lost connection or any other error to runner_system_failure, even if the server lists no reasons', () => {
    const lost = new FleetingError(
      'connection_lost',
      'could not keep the connection: closed by the instance',
    );
    const outcome = failedOutcome({ kind: 'error', error: lost }, []);
    expect(outcome).toEqual({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
      detail: 'could not keep the connection: closed by the instance',
      systemFailure: true,
    });
    expect(jobFailedLine(outcome)).toContain(
      'ERROR: Job failed (system failure): could not keep the connection',
    );
    expect(failedOutcome({ kind: 'error', error: 'odd' }, []).failureReason).toBe(
      'runner_system_failure',
    );
  });

  it('maps an aborted command to canceled', () => {
    const aborted = new FleetingError('canceled', 'could not finish the command: aborted');
    expect(failedOutcome({ kind: 'error', error: aborted }, [])).toEqual({
      outcome: 'canceled',
      aborted: true,
    });
  });

  it('maps a stopped stage: a graceful cancel, an abort by GitLab, and a timeout', () => {
    expect(failedOutcome({ kind: 'canceled' }, [])).toEqual({ outcome: 'canceled' });
    expect(failedOutcome({ kind: 'aborted' }, [])).toEqual({ outcome: 'canceled', aborted: true });
    // job_execution_timeout is always supported, and is never a system failure (B22).
    expect(failedOutcome({ kind: 'timed-out' }, ['script_failure'])).toEqual({
      outcome: 'failed',
      failureReason: 'job_execution_timeout',
    });
  });

  it('reports a script killed by a signal as a script failure without an exit code', () => {
    const outcome = failedOutcome(
      { kind: 'exited', result: { exitCode: null, signal: 'KILL' } },
      [],
    );
    expect(outcome).toEqual({
      outcome: 'failed',
      failureReason: 'script_failure',
      detail: 'the script was ended by signal KILL',
    });
  });

  it('turns a job stopped by the shutdown, and only that, into a system failure with its reason', () => {
    const stopped = { outcome: 'canceled' as const, aborted: true };
    const shutdown = new AbortController();
    const gitlab = new AbortController();
    expect(shutdownVerdict(stopped, shutdown.signal, gitlab.signal, [])).toBe(stopped);
    shutdown.abort('aborted: the executor shut down (shutdown_timeout 5s passed)');
    const outcome = shutdownVerdict(stopped, shutdown.signal, gitlab.signal, []);
    expect(outcome).toEqual({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
      detail: 'aborted: the executor shut down (shutdown_timeout 5s passed)',
    });
    expect(jobFailedLine({ ...outcome, systemFailure: true })).toContain(
      'ERROR: Job failed (system failure): aborted: the executor shut down',
    );
    // A job that ended on its own, or that GitLab ended as well, keeps its verdict.
    const success = { outcome: 'success' as const };
    expect(shutdownVerdict(success, shutdown.signal, gitlab.signal, [])).toBe(success);
    gitlab.abort();
    expect(shutdownVerdict(stopped, shutdown.signal, gitlab.signal, [])).toBe(stopped);
    const bare = new AbortController();
    bare.abort(new Error('not a string'));
    expect(shutdownVerdict(stopped, bare.signal, undefined, ['unknown_failure']).detail).toBe(
      'aborted: the executor shut down',
    );
  });
});
