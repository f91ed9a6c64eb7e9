import type { PipelineExpectation } from './project-files';

/** One job's final state as the GitLab emulator stored it. */
export interface JobResult {
  readonly name: string;
  readonly stage: string;
  readonly status: string;
  readonly failure_reason: string | null;
  readonly exit_code: number | null;
  readonly log: string;
}

/** Every way the jobs differ from the expectation, as readable lines; empty when all match. */
export function expectationMismatches(
  jobs: readonly JobResult[],
  expectation: PipelineExpectation,
): string[] {
  const mismatches: string[] = [];
  for (const [name, expected] of Object.entries(expectation)) {
    const job = jobs.find(j => j.name === name);
    if (job === undefined) {
      mismatches.push(`${name}: expected a job, the pipeline has none`);
      continue;
    }
    const checks: [string, unknown, unknown][] = [
      ['status', expected.status, job.status],
      ['failure_reason', expected.failure_reason ?? null, job.failure_reason],
      ['exit_code', expected.exit_code ?? null, job.exit_code],
    ];
    for (const [field, want, got] of checks) {
      if (want !== got) {
        mismatches.push(`${name}: ${field} ${String(got)}, expected ${String(want)}`);
      }
    }
  }
  for (const job of jobs) {
    if (!(job.name in expectation)) {
      mismatches.push(`${job.name}: not in the expectation`);
    }
  }
  return mismatches;
}
