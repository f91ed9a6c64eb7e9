import type { SshConnection } from '@taskfleet/fleeting';
import type { Clock, JobPayload } from '@taskfleet/gitlab';

import { ExecutorError } from '../errors';
import { buildJobScripts } from './build-scripts';
import type { ScriptShell } from './build-scripts';
import type { ShellVariable } from './expand-variables';
import { failedOutcome, stageSucceeded } from './failure-mapping';
import type { JobOutcome, StageEnd } from './failure-mapping';
import { jobFailedLine, jobHeader, jobSucceededLine, warningLine } from './job-header';
import { sectionEnd, sectionHeader } from './sections';

/** Where the job's log goes; a TraceWriter fits. `write` returning false asks for a pause. */
export interface TraceSink {
  write(chunk: Uint8Array | string): unknown;
  waitForDrain?(): Promise<void>;
}

/** One job to run over an established SSH connection. */
export interface RunJobInput {
  readonly payload: JobPayload;
  readonly connection: Pick<SshConnection, 'run' | 'instanceId'>;
  readonly trace: TraceSink;
  /** Aborting kills the running stage and ends the job as canceled. */
  readonly signal?: AbortSignal;
  /** `builds_dir`; a relative one is taken under the login directory, as GitLab Runner does. */
  readonly buildsDir: string;
  readonly slot: number;
  readonly clock: Pick<Clock, 'now'>;
  /** @defaultValue 'bash' */
  readonly shell?: ScriptShell;
  readonly runnerVariables?: readonly ShellVariable[];
  readonly runnerDescription?: string;
}

/** Runs every stage of the job on the instance, streaming the log, and returns how it ended. */
export async function runJob(input: RunJobInput): Promise<JobOutcome> {
  const { payload, connection, trace, clock } = input;
  const shell = input.shell ?? 'bash';
  const serverReasons = payload.features.failure_reasons;
  const write = async (chunk: Uint8Array | string): Promise<void> => {
    if (trace.write(chunk) === false && trace.waitForDrain !== undefined) {
      await trace.waitForDrain();
    }
  };
  const runStage = async (script: string): Promise<StageEnd> => {
    try {
      const result = await connection.run({
        // A login shell, as the instance executor starts; the script itself comes on stdin.
        command: shell === 'bash' ? 'bash --login' : 'sh -l',
        stdin: script,
        onStdout: write,
        onStderr: write,
        ...(input.signal === undefined ? {} : { signal: input.signal }),
      });
      return { kind: 'exited', result };
    } catch (error) {
      return { kind: 'error', error };
    }
  };
  const section = async (
    name: string,
    title: string,
    body: () => Promise<StageEnd | undefined>,
  ): Promise<StageEnd | undefined> => {
    await write(sectionHeader(name, title, clock.now()));
    const end = await body();
    await write(sectionEnd(name, clock.now()));
    return end;
  };
  const finish = async (outcome: JobOutcome): Promise<JobOutcome> => {
    if (outcome.outcome === 'success') {
      await write(jobSucceededLine());
    } else if (outcome.outcome === 'failed') {
      await write(jobFailedLine(outcome));
    } else {
      // TODO(#5): a graceful cancel (Job-Status: canceling) runs after_script before this.
      await write(jobFailedLine({ detail: 'canceled' }));
    }
    return outcome;
  };

  await write(jobHeader(input.runnerDescription));
  await write(sectionHeader('prepare_executor', 'Preparing the "instance" executor', clock.now()));
  await write(`Using instance ${connection.instanceId} on slot ${input.slot}...\n`);
  await write(sectionEnd('prepare_executor', clock.now()));

  const buildsDir = await resolveBuildsDir(input);
  if (typeof buildsDir !== 'string') {
    return finish(failedOutcome(buildsDir, serverReasons));
  }
  let scripts;
  try {
    scripts = buildJobScripts(payload, {
      buildsDir,
      slot: input.slot,
      shell,
      via: connection.instanceId,
      ...(input.runnerVariables === undefined ? {} : { runnerVariables: input.runnerVariables }),
    });
  } catch (error) {
    return finish(failedOutcome({ kind: 'error', error }, serverReasons));
  }
  for (const name of scripts.skippedVariables) {
    await write(warningLine(`variable ${JSON.stringify(name)} is not a shell name; not exported`));
  }

  const prepared = await section('prepare_script', 'Preparing environment', () =>
    runStage(scripts.prepare),
  );
  let failedEnd: StageEnd | undefined =
    prepared !== undefined && !stageSucceeded(prepared) ? prepared : undefined;
  let failure: JobOutcome | undefined =
    failedEnd === undefined ? undefined : failedOutcome(failedEnd, serverReasons);

  if (failure === undefined) {
    const fetched = await section('get_sources', 'Getting source from Git repository', async () => {
      let end: StageEnd | undefined;
      for (let attempt = 1; attempt <= scripts.sources.attempts; attempt++) {
        end = await runStage(scripts.getSources);
        if (stageSucceeded(end) || end.kind === 'error') {
          break;
        }
        if (attempt < scripts.sources.attempts) {
          await write(
            warningLine(
              `retrying get_sources (attempt ${attempt + 1} of ${scripts.sources.attempts})`,
            ),
          );
        }
      }
      return end;
    });
    if (fetched !== undefined && !stageSucceeded(fetched)) {
      failedEnd = fetched;
      failure = failedOutcome(fetched, serverReasons);
    }
  }
  // TODO(#5): restore_cache and download_artifacts stages; they do nothing and print nothing yet.

  if (failure === undefined) {
    for (const step of scripts.steps) {
      const title =
        step.name === 'script'
          ? 'Executing "step_script" stage of the job script'
          : `Executing "${step.section}" stage of the job script`;
      const end = await section(step.section, title, () => runStage(step.script));
      if (end !== undefined && !stageSucceeded(end)) {
        failedEnd = end;
        failure = failedOutcome(end, serverReasons);
        break;
      }
    }
  }

  // A stage that could not run at all (connection lost, aborted) leaves nothing to run after_script on.
  const connectionLost = failedEnd?.kind === 'error';
  if (scripts.afterScript !== undefined && !connectionLost) {
    const status =
      failure === undefined ? 'success' : failure.outcome === 'canceled' ? 'canceled' : 'failed';
    const afterScript = scripts.afterScript;
    // TODO(#5): RUNNER_AFTER_SCRIPT_TIMEOUT, and after_script on a graceful cancel.
    const end = await section('after_script', 'Running after_script', () =>
      runStage(afterScript(status)),
    );
    if (end !== undefined && !stageSucceeded(end)) {
      const code =
        end.kind === 'exited' ? `exit code ${end.result.exitCode ?? 'unknown'}` : 'error';
      await write(warningLine(`after_script failed, but job will continue unaffected: ${code}`));
    }
  }
  // TODO(#5): archive_cache and upload_artifacts stages.

  if (!connectionLost) {
    await section(
      'cleanup_file_variables',
      'Cleaning up project directory and file based variables',
      () => runStage(scripts.cleanup),
    );
  }
  return finish(failure ?? { outcome: 'success' });
}

/** The absolute builds directory: as given, or under the login directory the instance reports. */
async function resolveBuildsDir(input: RunJobInput): Promise<string | StageEnd> {
  if (input.buildsDir.startsWith('/')) {
    return input.buildsDir;
  }
  let home = '';
  try {
    const result = await input.connection.run({
      command: 'pwd',
      onStdout: chunk => {
        home += chunk.toString('utf8');
      },
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    if (result.exitCode !== 0) {
      const error = new ExecutorError(
        'builds_dir_unresolved',
        `could not find the login directory: pwd exited with ${String(result.exitCode)}`,
      );
      return { kind: 'error', error };
    }
  } catch (error) {
    return { kind: 'error', error };
  }
  return `${home.trim()}/${input.buildsDir}`;
}
