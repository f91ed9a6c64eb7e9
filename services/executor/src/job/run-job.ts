import { effectiveFailureReason } from '@taskfleet/gitlab';
import { inSpan, noopTracer, spanNames, traceAttributes } from '@taskfleet/telemetry';

import { openTransfers } from '../artifacts/job-transfers';
import type { JobTransferRun } from '../artifacts/job-transfers';
import { ExecutorError } from '../errors';
import { buildJobScripts, earlySettingWarnings } from './build-scripts';
import { runGetSourcesStage } from './get-sources-stage';
import { failedOutcome, shutdownVerdict, stageSucceeded } from './failure-mapping';
import type { JobOutcome, StageEnd } from './failure-mapping';
import { jobFailedLine, jobHeader, jobSucceededLine, warningLine } from './job-header';
import { newJobMarker } from './process-sweep';
import { sectionEnd, sectionHeader } from './sections';
import { attemptsRangeError } from './stage-attempts';
import { StageRunner } from './stage-runner';
import type { StageLimits } from './stage-runner';
import type { RunJobInput } from './run-job-input';
import { formatGoDuration, jobTimeouts } from './timeouts';

export type { RunJobInput, TraceSink } from './run-job-input';

// GitLab Runner gives a stopped script this long between TERM and KILL.
const defaultStopGraceMs = 10_000;
const defaultHeldOutputGraceMs = 1_000;
// Removing file variables is our own housekeeping; it must not hang a job that is over.
const cleanupTimeoutMs = 60_000;

/** Runs every stage of the job on the instance, streaming the log, and returns how it ended. */
export async function runJob(given: RunJobInput): Promise<JobOutcome> {
  const shutdown = given.shutdownSignal;
  // A shutdown stops the job the way GitLab's abort does; only the verdict differs (finish).
  const input: RunJobInput =
    shutdown === undefined
      ? given
      : {
          ...given,
          signal: given.signal === undefined ? shutdown : AbortSignal.any([given.signal, shutdown]),
        };
  const { payload, connection, trace, clock } = input;
  const tracer = input.tracer ?? noopTracer;
  const shell = input.shell ?? 'bash';
  const serverReasons = payload.features.failure_reasons;
  const write = async (chunk: Uint8Array | string): Promise<void> => {
    if (trace.write(chunk) === false && trace.waitForDrain !== undefined) {
      await trace.waitForDrain();
    }
  };
  const stages = new StageRunner({
    connection,
    // A login shell, as the instance executor starts; the script itself comes on stdin.
    command: shell === 'bash' ? 'bash --login' : 'sh -l',
    marker: newJobMarker(payload.id),
    clock,
    write,
    stopGraceMs: input.stopGraceMs ?? defaultStopGraceMs,
    heldOutputGraceMs: input.heldOutputGraceMs ?? defaultHeldOutputGraceMs,
  });
  const timeouts = jobTimeouts(payload);
  const jobDeadlineMs = clock.now() + timeouts.jobTimeoutMs;
  const leftMs = (): number => jobDeadlineMs - clock.now();
  // Every stage up to after_script: the job deadline, a graceful cancel, or GitLab's abort.
  const jobLimits = (): StageLimits => ({
    timeoutMs: leftMs(),
    ...(input.cancelSignal === undefined ? {} : { cancel: input.cancelSignal }),
    ...(input.signal === undefined ? {} : { abort: input.signal }),
  });
  const runStage = (script: string, limits: StageLimits = jobLimits()): Promise<StageEnd> =>
    stages.run(script, limits);
  const timedOut = async (stage: string, limitMs: number): Promise<JobOutcome> => {
    await write(
      warningLine(`${stage} could not run to completion because the timeout was exceeded`),
    );
    return {
      ...failedOutcome({ kind: 'timed-out' }, serverReasons),
      detail: `execution took longer than ${formatGoDuration(limitMs)} seconds`,
    };
  };
  const section = async (
    name: string,
    title: string,
    body: () => Promise<StageEnd | undefined>,
  ): Promise<StageEnd | undefined> =>
    inSpan(
      tracer,
      spanNames.executorStage,
      { attributes: { [traceAttributes.stage]: name } },
      async span => {
        await write(sectionHeader(name, title, clock.now()));
        const end = await body();
        await write(sectionEnd(name, clock.now()));
        if (end !== undefined) {
          span.setAttribute(traceAttributes.outcome, end.kind);
          if (end.kind === 'exited' && end.result.exitCode !== null) {
            span.setAttribute(traceAttributes.exitCode, end.result.exitCode);
          }
        }
        return end;
      },
    );
  const finish = async (ended: JobOutcome): Promise<JobOutcome> => {
    const outcome = shutdownVerdict(ended, given.shutdownSignal, given.signal, serverReasons);
    // Whatever the job left running on the instance ends with it.
    await stages.sweep('KILL', { removeRecord: true });
    if (outcome.outcome === 'success') {
      await write(jobSucceededLine());
    } else if (outcome.outcome === 'failed') {
      // Worded as a system failure for any runner_system_failure, the instance's or not.
      const system = outcome.failureReason === 'runner_system_failure';
      await write(jobFailedLine(system ? { ...outcome, systemFailure: true } : outcome));
    } else {
      await write(jobFailedLine({ detail: 'canceled' }));
    }
    return outcome;
  };

  await write(jobHeader(input.runnerDescription));
  const settingWarnings = earlySettingWarnings(payload, input.runnerVariables);
  if (settingWarnings.length > 0) {
    // GitLab Runner prints its setting errors as one warning, one error per line.
    await write(warningLine(settingWarnings.join('\n')));
  }
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
      ...(input.runnerScripts === undefined ? {} : { runnerScripts: input.runnerScripts }),
    });
  } catch (error) {
    if (error instanceof ExecutorError && error.code === 'invalid_clone_path') {
      // GitLab Runner's configuration error: the job's own fault, never the instance's.
      return finish({
        outcome: 'failed',
        failureReason: effectiveFailureReason('runner_configuration_error', serverReasons),
        detail: error.message,
      });
    }
    return finish(failedOutcome({ kind: 'error', error }, serverReasons));
  }
  for (const name of scripts.skippedVariables) {
    await write(warningLine(`variable ${JSON.stringify(name)} is not a shell name; not exported`));
  }
  for (const warning of timeouts.warnings) {
    await write(warningLine(warning));
  }

  const prepared = await section('prepare_script', 'Preparing environment', () =>
    runStage(scripts.prepare),
  );
  let failedEnd: StageEnd | undefined =
    prepared !== undefined && !stageSucceeded(prepared) ? prepared : undefined;
  const failureOf = (end: StageEnd, stage: string): Promise<JobOutcome> | JobOutcome =>
    end.kind === 'timed-out'
      ? timedOut(stage, timeouts.jobTimeoutMs)
      : failedOutcome(end, serverReasons);
  let failure: JobOutcome | undefined =
    failedEnd === undefined ? undefined : await failureOf(failedEnd, 'prepare_script');

  // The user steps (before_script + script, then any others) until one fails.
  const runSteps = async (): Promise<JobOutcome | undefined> => {
    // RUNNER_SCRIPT_TIMEOUT bounds the user steps together, within the job's own deadline.
    const scriptDeadlineMs =
      timeouts.scriptTimeoutMs === undefined ? undefined : clock.now() + timeouts.scriptTimeoutMs;
    for (const step of scripts.steps) {
      const title =
        step.name === 'script'
          ? 'Executing "step_script" stage of the job script'
          : `Executing "${step.section}" stage of the job script`;
      const scriptLeftMs =
        scriptDeadlineMs === undefined ? Infinity : scriptDeadlineMs - clock.now();
      const limits = { ...jobLimits(), timeoutMs: Math.min(leftMs(), scriptLeftMs) };
      const end = await section(step.section, title, () => runStage(step.script, limits));
      if (end === undefined || stageSucceeded(end)) {
        continue;
      }
      failedEnd = end;
      if (end.kind === 'canceled') {
        await write(warningLine('script canceled externally (UI, API)'));
      }
      return end.kind === 'timed-out'
        ? timedOut(
            step.section,
            scriptLeftMs < leftMs() && timeouts.scriptTimeoutMs !== undefined
              ? timeouts.scriptTimeoutMs
              : timeouts.jobTimeoutMs,
          )
        : failedOutcome(end, serverReasons);
    }
    return undefined;
  };
  const runAfterScript = async (
    afterScript: NonNullable<typeof scripts.afterScript>,
  ): Promise<void> => {
    const status =
      failure === undefined ? 'success' : failure.outcome === 'canceled' ? 'canceled' : 'failed';
    const jobBound = leftMs() <= timeouts.afterScriptTimeoutMs;
    // A cancel already asked for must not stop the after_script it asked for.
    const end = await section('after_script', 'Running after_script', () =>
      runStage(afterScript(status), {
        timeoutMs: Math.min(leftMs(), timeouts.afterScriptTimeoutMs),
        ...(input.signal === undefined ? {} : { abort: input.signal }),
      }),
    );
    if (end?.kind === 'timed-out' && jobBound) {
      // The job's own deadline ran out in after_script: the job timed out, whatever came before.
      failedEnd = end;
      failure = await timedOut('after_script', timeouts.jobTimeoutMs);
    } else if (end?.kind === 'aborted') {
      failedEnd = end;
      failure = failedOutcome(end, serverReasons);
    } else if (end !== undefined && !stageSucceeded(end)) {
      if (end.kind === 'timed-out') {
        await write(
          warningLine('after_script could not run to completion because the timeout was exceeded'),
        );
      }
      const code =
        end.kind === 'exited' ? `exit code ${end.result.exitCode ?? 'unknown'}` : end.kind;
      await write(warningLine(`after_script failed, but job will continue unaffected: ${code}`));
    }
  };

  // Past prepare_script the job reaches its end stages whatever get_sources does (GitLab Runner
  // uploads on_failure artifacts after a failed fetch too); a failed prepare ends it there.
  const prepareSucceeded = failure === undefined;
  if (prepareSucceeded) {
    const fetched = await runGetSourcesStage({
      ...scripts,
      section,
      runStage: script => runStage(script),
      failureOf,
      serverReasons,
      clock,
      write,
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    failure = fetched.failure;
    failedEnd = fetched.failedEnd;
  }
  let transfers: JobTransferRun | undefined;
  if (prepareSucceeded && failedEnd?.kind !== 'error' && input.transfers !== undefined) {
    transfers = await openTransfers(input.transfers, {
      payload,
      shell: connection,
      projectDir: scripts.projectDir,
      lookup: scripts.lookup,
      write,
      clock,
      attempts: scripts.settings,
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    if (failure === undefined) {
      const opened = transfers;
      const end = await inSpan(tracer, spanNames.executorTransfersBefore, {}, () =>
        opened.beforeScript(),
      );
      if (end !== undefined) {
        failure = end.outcome;
        failedEnd = end.connectionLost ? { kind: 'error', error: end.outcome.detail } : undefined;
      }
    }
  } else if (failure === undefined) {
    // No transfer stages to run, yet GitLab Runner checks their attempts before each.
    const refused =
      attemptsRangeError('restore_cache', scripts.settings.restoreCacheAttempts) ??
      attemptsRangeError('download_artifacts', scripts.settings.artifactDownloadAttempts);
    if (refused !== undefined) {
      const failureReason = effectiveFailureReason('runner_system_failure', serverReasons);
      failure = { outcome: 'failed', failureReason, detail: refused };
    }
  }

  // GitLab Runner runs the user steps and after_script only once sources, cache and artifacts are in.
  const reachedScripts = failure === undefined;
  if (reachedScripts) {
    failure = await runSteps();
  }

  // A stage that could not run at all (connection lost) leaves nothing to run after_script on;
  // neither does GitLab ending the job, nor a job deadline already passed.
  const connectionLost = failedEnd?.kind === 'error';
  let lostInTransfer = false;
  const abortedNow = (): boolean => failure?.outcome === 'canceled' && failure.aborted === true;
  if (
    reachedScripts &&
    scripts.afterScript !== undefined &&
    !connectionLost &&
    !abortedNow() &&
    leftMs() > 0
  ) {
    await runAfterScript(scripts.afterScript);
  }
  // A cancel before the user steps stops the whole job in GitLab Runner, so nothing is uploaded;
  // a cancel during them still uploads what `when: on_failure|always` names.
  const canceledEarly = failure?.outcome === 'canceled' && !reachedScripts;
  if (
    transfers !== undefined &&
    !connectionLost &&
    !abortedNow() &&
    !canceledEarly &&
    leftMs() > 0
  ) {
    const opened = transfers;
    const succeeded = failure === undefined;
    const end = await inSpan(tracer, spanNames.executorTransfersAfter, {}, () =>
      opened.afterScript(succeeded),
    );
    if (end !== undefined && failure === undefined) {
      failure = end.outcome;
    }
    lostInTransfer = end?.connectionLost === true;
  }
  await transfers?.close();

  if (!connectionLost && !lostInTransfer) {
    await section(
      'cleanup_file_variables',
      'Cleaning up project directory and file based variables',
      () => runStage(scripts.cleanup, { timeoutMs: cleanupTimeoutMs }),
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
