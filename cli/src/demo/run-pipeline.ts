import { GitlabEmulatorError } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { Registry } from '@taskfleet/registry';

import { CliError } from '../errors';
import type { JobResult } from './check-results';
import { isFinalPipelineStatus, progressCounts, progressLine } from './fleet-progress';
import type { DemoProject } from './project-files';

/** How often the demo reads the pipeline and the registry while it runs. */
const pollIntervalMs = 500;

/** What one pipeline run ended with. */
export interface PipelineRun {
  readonly project: DemoProject;
  readonly status: string;
  readonly jobs: readonly JobResult[];
}

/** Where the run shows its progress (redrawn or printed on change, main.ts decides). */
export type ProgressSink = (line: string) => void;

const sleep = (ms: number): Promise<void> =>
  new Promise(resolve => {
    setTimeout(resolve, ms);
  });

/**
 * Creates the project (its directory as the first commit), declares its variables, starts a
 * pipeline and follows it to its final status, reporting progress; bounded by `signal`.
 */
export async function runPipeline(
  gitlab: GitlabEmulator,
  registry: Pick<Registry, 'snapshot'>,
  project: DemoProject,
  index: number,
  progress: ProgressSink,
  signal: AbortSignal,
): Promise<PipelineRun> {
  const created = await gitlab.admin.createProject({
    path: `demo/${index}-${project.name.replace(/[^\w.-]/g, '-')}`,
    sourceDir: project.dir,
  });
  for (const variable of project.variables) {
    gitlab.admin.setVariable(created.id, variable);
  }
  const pipeline = await gitlab.admin.createPipeline(created.id).catch((error: unknown) => {
    if (error instanceof GitlabEmulatorError && error.code === 'pipeline_invalid') {
      // GitLab's CI lint reasons, one per problem, so the user can fix them all at once.
      throw new CliError(
        'invalid_argument',
        [
          `could not create pipeline ${project.name}: invalid .gitlab-ci.yml`,
          ...error.details,
        ].join('\n  '),
        { cause: error },
      );
    }
    throw error;
  });
  let view = gitlab.admin.getPipeline(pipeline.id);
  let lastLine = '';
  while (!isFinalPipelineStatus(view.status)) {
    if (signal.aborted) {
      // The demo owns this GitLab: ending the demo cancels its pipeline as a user's forced
      // cancel would, so the executor kills the running scripts instead of the shutdown
      // waiting for them to end by themselves.
      gitlab.admin.cancelPipeline(pipeline.id, 'forced');
      const timedOut = signal.reason instanceof Error && signal.reason.name === 'TimeoutError';
      throw new CliError(
        timedOut ? 'timeout' : 'interrupted',
        `could not finish pipeline ${project.name}: ${timedOut ? 'the demo timed out' : 'interrupted'}`,
      );
    }
    const line = progressLine(
      project.name,
      progressCounts(
        view.jobs.map(j => j.status),
        await registry.snapshot(),
      ),
    );
    if (line !== lastLine) {
      progress(line);
      lastLine = line;
    }
    await sleep(pollIntervalMs);
    view = gitlab.admin.getPipeline(pipeline.id);
  }
  const jobs = view.jobs.map(({ id, name, stage }): JobResult => {
    const job = gitlab.admin.getJob(id);
    return {
      name,
      stage,
      status: job.status,
      failure_reason: job.failureReason ?? null,
      exit_code: job.exitCode ?? null,
      log: gitlab.admin.getTrace(id),
    };
  });
  return { project, status: view.status, jobs };
}
