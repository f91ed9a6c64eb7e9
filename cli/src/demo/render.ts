import type { PipelineRun } from './run-pipeline';

/** Lines of log shown per job in the human summary. */
const logTailLines = 8;

function tail(log: string): string[] {
  return log.trimEnd().split('\n').slice(-logTailLines);
}

/** The human summary of one run: each job's result and the tail of its log. */
export function renderRun(run: PipelineRun): string[] {
  const lines = [`pipeline ${run.project.name}: ${run.status}`];
  for (const job of run.jobs) {
    const reason = job.failure_reason === null ? '' : ` (${job.failure_reason}`;
    const exit = job.exit_code === null ? '' : `, exit ${job.exit_code}`;
    const close = reason === '' ? '' : ')';
    lines.push(`  ${job.stage}/${job.name}: ${job.status}${reason}${exit}${close}`);
    lines.push(...tail(job.log).map(line => `    | ${line}`));
  }
  return lines;
}

/**
 * The `--json` document: `{pipeline: {status}, jobs}` for one project, or `{pipelines: [...]}`
 * with each project's name for the example set.
 */
export function renderJson(runs: readonly PipelineRun[], single: boolean): string {
  const shape = (run: PipelineRun): { pipeline: { status: string }; jobs: unknown[] } => ({
    pipeline: { status: run.status },
    jobs: [...run.jobs],
  });
  const first = runs[0];
  if (single && first !== undefined) {
    return JSON.stringify(shape(first));
  }
  return JSON.stringify({
    pipelines: runs.map(run => ({ name: run.project.name, ...shape(run) })),
  });
}

/**
 * The `--json` document of a demo that failed before its results, an object `error` with
 * `code`, `message` (the stderr line's; messages never carry a secret) and `retryable`.
 */
export function renderJsonError(error: unknown): string {
  const fields =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  return JSON.stringify({
    error: {
      code: typeof fields.code === 'string' ? fields.code : 'unexpected',
      message: error instanceof Error ? error.message : String(error),
      retryable: fields.retryable === true,
    },
  });
}
