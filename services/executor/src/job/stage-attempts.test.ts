import { attemptsRangeError, runStageAttempts, stageRetryWaitMs } from './stage-attempts';

describe('attemptsRangeError', () => {
  it("is GitLab Runner's stage error outside 1–10 only", () => {
    expect(attemptsRangeError('get_sources', 1)).toBeUndefined();
    expect(attemptsRangeError('get_sources', 10)).toBeUndefined();
    expect(attemptsRangeError('restore_cache', 0)).toBe(
      'number of attempts out of the range [1, 10] for stage: restore_cache',
    );
    expect(attemptsRangeError('download_artifacts', 11)).toBe(
      'number of attempts out of the range [1, 10] for stage: download_artifacts',
    );
  });
});

describe('stageRetryWaitMs', () => {
  it('waits 5 s first, then up to 1.5 times more each retry, never beyond 5 min', () => {
    expect(stageRetryWaitMs(0, () => 0.9)).toBe(5_000);
    expect(stageRetryWaitMs(1, () => 0)).toBe(5_000);
    expect(stageRetryWaitMs(1, () => 1)).toBe(7_500);
    expect(stageRetryWaitMs(2, () => 1)).toBe(11_250);
    expect(stageRetryWaitMs(20, () => 1)).toBe(300_000);
  });
});

describe('runStageAttempts', () => {
  function recorder(results: string[]) {
    const lines: string[] = [];
    const sleeps: number[] = [];
    const runs: number[] = [];
    return {
      lines,
      sleeps,
      runs,
      options: {
        run: (attempt: number) => {
          runs.push(attempt);
          return Promise.resolve(results[attempt - 1] ?? 'ok');
        },
        retryable: (end: string) => end === 'failed',
        clock: {
          sleep: (ms: number) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
        },
        write: (text: string) => {
          lines.push(text);
          return Promise.resolve();
        },
        random: () => 1,
      },
    };
  }

  it('tries again after a retryable end until one is not, with the wait line before each retry', async () => {
    const r = recorder(['failed', 'failed', 'ok']);
    const end = await runStageAttempts({ ...r.options, attempts: 5, backoff: true });
    expect(end).toBe('ok');
    expect(r.runs).toEqual([1, 2, 3]);
    expect(r.sleeps).toEqual([5_000, 7_500]);
    expect(r.lines).toEqual(['Retrying in 5s\n', 'Retrying in 7.5s\n']);
  });

  it('stops at the attempt count, and without backoff retries at once and silently', async () => {
    const r = recorder(['failed', 'failed', 'failed']);
    const end = await runStageAttempts({ ...r.options, attempts: 2, backoff: false });
    expect(end).toBe('failed');
    expect(r.runs).toEqual([1, 2]);
    expect(r.sleeps).toEqual([]);
    expect(r.lines).toEqual([]);
  });

  it('does not retry an end that is not retryable (a cancel, a lost instance)', async () => {
    const r = recorder(['canceled']);
    await runStageAttempts({ ...r.options, attempts: 3, backoff: true });
    expect(r.runs).toEqual([1]);
  });
});
