import { posix } from 'node:path';

import type { JobPayload } from '@taskfleet/gitlab';

import { ExecutorError } from '../errors';
import { printLine, shellNamePattern, shellQuote } from './bash-quote';
import { expandVariables } from './expand-variables';
import type { ShellVariable } from './expand-variables';
import { debugTraceSetting } from './debug-trace';
import { getSourcesLines, sourcesSettings } from './get-sources';
import type { GetSourcesHooks, SourcesSettings } from './get-sources';
import { readJobSettings } from './job-settings';
import type { JobSettings } from './job-settings';
import { stageBody } from './stages';

/** The shell the scripts are written for. */
export type ScriptShell = 'bash' | 'sh';

/** The value CI_JOB_STATUS has while after_script runs. */
export type JobStatusForAfterScript = 'success' | 'failed' | 'canceled';

/** What config.toml's `[[runners]]` adds to every job's scripts. */
export interface RunnerScriptSettings {
  /** `pre_get_sources_script`: run in get_sources before the fetch. */
  readonly preGetSourcesScript?: string | null;
  /** `post_get_sources_script`: run in get_sources after checkout and submodules. */
  readonly postGetSourcesScript?: string | null;
  /** `[runners.custom_build_dir] enabled`: a job may set `GIT_CLONE_PATH`. @defaultValue false */
  readonly customBuildDirEnabled?: boolean;
}

/** Where and how the job's scripts run on the instance. */
export interface BuildScriptsOptions {
  /** Absolute builds directory on the instance (`builds_dir`). */
  readonly buildsDir: string;
  /** The slot on the instance; each slot has its own work tree. */
  readonly slot: number;
  readonly shell: ScriptShell;
  /** The runner's own variables (config `environment`, CI_RUNNER_SHORT_TOKEN, …), before the job's. */
  readonly runnerVariables?: readonly ShellVariable[];
  /** Named in "Running on <hostname> via <name>...". */
  readonly via?: string;
  readonly runnerScripts?: RunnerScriptSettings;
}

/** One user step (`script`, `release`, …) as a stage. */
export interface StepStage {
  readonly name: string;
  /** The log section, e.g. `step_script`. */
  readonly section: string;
  readonly script: string;
}

/** Every stage script of one job, each to be sent on stdin to a fresh shell. */
export interface JobScripts {
  readonly projectDir: string;
  readonly buildsDir: string;
  /** Where file variables live: beside the work tree, never inside it. */
  readonly fileVariablesDir: string;
  readonly prepare: string;
  readonly getSources: string;
  /** Before get_sources is tried again: empties the work tree of tracked and untracked files. */
  readonly clearWorktree: string;
  readonly sources: SourcesSettings;
  readonly steps: readonly StepStage[];
  /** The after_script stage for a given job status, or undefined when the job has none. */
  readonly afterScript: ((status: JobStatusForAfterScript) => string) | undefined;
  readonly cleanup: string;
  /** Variables whose names a shell cannot export, left out. */
  readonly skippedVariables: readonly string[];
  /** `CI_DEBUG_TRACE`: every stage script runs under `set -o xtrace`. */
  readonly debugTrace: boolean;
  /** The attempts and retry settings of the stages. */
  readonly settings: JobSettings;
  /** GitLab Runner's warnings about setting variables it could not read, in its order. */
  readonly settingWarnings: readonly string[];
  /** A variable's value after expansion (a file variable's path), for artifact paths and keys. */
  readonly lookup: (name: string) => string | undefined;
}

/** The runner version the scripts and header report. */
export const runnerVersion = '0.1.0';

/**
 * Writes the scripts GitLab Runner's shell executor would run for `payload`: prepare,
 * get_sources, each step, after_script and cleanup, all as plain shell text for stdin.
 */
export function buildJobScripts(payload: JobPayload, options: BuildScriptsOptions): JobScripts {
  const buildsDir = posix.normalize(options.buildsDir);
  if (!posix.isAbsolute(buildsDir)) {
    throw new ExecutorError(
      'invalid_builds_dir',
      `could not build the job scripts: builds dir ${JSON.stringify(options.buildsDir)} is not absolute`,
    );
  }
  const projectPath =
    payload.job_info.project_full_path || `project-${payload.job_info.project_id}`;
  const slotDir = posix.join(buildsDir, String(options.slot));
  const slotProjectDir = posix.join(slotDir, projectPath);
  // The clone strategy empties projectDir with rm -rf, so it must lie strictly inside the slot's
  // directory whatever the payload says (the payload parser refuses such paths too).
  if (!slotProjectDir.startsWith(`${slotDir}/`)) {
    throw new ExecutorError(
      'invalid_project_path',
      `could not build the job scripts: project path ${JSON.stringify(projectPath)} leaves the slot's directory`,
    );
  }
  const variablesFor = (projectDir: string) => {
    const fileVariablesDir = `${projectDir}.tmp`;
    const filePathOf = (key: string): string => posix.join(fileVariablesDir, key);
    const base: ShellVariable[] = [
      { key: 'CI_BUILDS_DIR', value: buildsDir },
      { key: 'CI_PROJECT_DIR', value: projectDir },
      { key: 'CI_CONCURRENT_ID', value: String(options.slot) },
      { key: 'CI_CONCURRENT_PROJECT_ID', value: String(options.slot) },
      { key: 'CI_SERVER', value: 'yes' },
      { key: 'CI_SHARED_ENVIRONMENT', value: 'true' },
      { key: 'CI_RUNNER_VERSION', value: runnerVersion },
      { key: 'CI_RUNNER_REVISION', value: 'taskfleet' },
      { key: 'CI_RUNNER_EXECUTABLE_ARCH', value: `${process.platform}/${process.arch}` },
      ...(options.runnerVariables ?? []),
      ...payload.variables,
    ];
    const usable = base.filter(v => shellNamePattern.test(v.key));
    const expanded = expandVariables(usable, filePathOf);
    const lastValue = new Map(
      expanded.map(v => [v.key, v.file === true ? filePathOf(v.key) : v.value]),
    );
    const skippedVariables = base.filter(v => !shellNamePattern.test(v.key)).map(v => v.key);
    return { fileVariablesDir, filePathOf, usable, lastValue, skippedVariables };
  };
  // GIT_CLONE_PATH is expanded like any variable (CI_BUILDS_DIR and all), then the work tree and
  // CI_PROJECT_DIR move there, as GitLab Runner's custom build dir does.
  const firstPass = variablesFor(slotProjectDir).lastValue;
  const clonePath = firstPass.get('GIT_CLONE_PATH') ?? '';
  // GIT_STRATEGY=empty gets a directory of its own (`<project>-empty`), as GitLab Runner's, so
  // emptying it never takes the fetch strategy's work tree with it.
  const projectDir =
    clonePath !== ''
      ? customProjectDir(clonePath, buildsDir, options.runnerScripts?.customBuildDirEnabled)
      : firstPass.get('GIT_STRATEGY') === 'empty'
        ? `${slotProjectDir}-empty`
        : slotProjectDir;
  const { fileVariablesDir, filePathOf, usable, lastValue, skippedVariables } =
    variablesFor(projectDir);

  const debug = debugTraceSetting(lastValue.get('CI_DEBUG_TRACE'));
  // GitLab Runner turns xtrace on first, before errexit and pipefail, in every stage script.
  const stageOptions = [
    ...(debug.enabled ? ['set -o xtrace'] : []),
    ...shellOptions(options.shell),
  ];
  const preambleFor = (status: string): string[] => {
    const variables = expandVariables(
      [...usable, { key: 'CI_JOB_STATUS', value: status }],
      filePathOf,
    );
    return [...stageOptions, ...exportLines(variables, fileVariablesDir, filePathOf)];
  };
  const sourcesInput = {
    projectDir,
    repoUrl: payload.git_info.repo_url,
    sha: payload.git_info.sha,
    ref: payload.git_info.ref,
    refspecs: payload.git_info.refspecs,
    depth: payload.git_info.depth,
    allowGitFetch: payload.allow_git_fetch,
    variable: (name: string) => lastValue.get(name),
  };
  const sources = sourcesSettings(sourcesInput);
  const settings = readJobSettings(sourcesInput.variable, {
    allowGitFetch: payload.allow_git_fetch,
    gitDepth: payload.git_info.depth,
  });
  const via = options.via ?? 'taskfleet';

  const prepare = script([
    ...stageOptions,
    `printf 'Running on %s via %s...\\n' "$(hostname 2>/dev/null || uname -n)" ${shellQuote(via)}`,
  ]);
  const getSources = script([
    ...preambleFor('running'),
    `mkdir -p ${shellQuote(buildsDir)}`,
    ...getSourcesLines(sourcesInput, sources, getSourcesHooks(payload, options.runnerScripts)),
  ]);
  const quotedDir = shellQuote(projectDir);
  const clearWorktree = script([
    ...stageOptions,
    printLine('Deleting tracked and untracked files...'),
    `if [ -d ${quotedDir} ]; then`,
    `  cd ${quotedDir}`,
    '  git rm -rf --ignore-unmatch .',
    '  git clean -ffdx',
    'fi',
  ]);
  const steps = payload.steps
    .filter(step => step.name !== 'after_script')
    .map(step => ({
      name: step.name,
      section: `step_${step.name}`,
      script: script([
        ...preambleFor('running'),
        `cd ${shellQuote(projectDir)}`,
        stageBody(step.script),
      ]),
    }));
  const after = payload.steps.find(step => step.name === 'after_script');
  const afterScript =
    after === undefined || after.script.length === 0
      ? undefined
      : (status: JobStatusForAfterScript): string =>
          script([
            ...preambleFor(status),
            `cd ${shellQuote(projectDir)}`,
            printLine('Running after script...'),
            stageBody(after.script),
          ]);
  const cleanup = script([...stageOptions, `rm -rf ${shellQuote(fileVariablesDir)}`]);
  return {
    projectDir,
    buildsDir,
    fileVariablesDir,
    prepare,
    getSources,
    clearWorktree,
    sources,
    steps,
    afterScript,
    cleanup,
    skippedVariables,
    debugTrace: debug.enabled,
    settings,
    settingWarnings: settings.warnings,
    lookup: name => lastValue.get(name),
  };
}

/**
 * GitLab Runner's setting warnings as it prints them, right after the job header: read before
 * the builds directory is known, so `CI_BUILDS_DIR` and `CI_PROJECT_DIR` expand to nothing here.
 */
export function earlySettingWarnings(
  payload: JobPayload,
  runnerVariables: readonly ShellVariable[] = [],
): readonly string[] {
  const usable = [...runnerVariables, ...payload.variables].filter(v =>
    shellNamePattern.test(v.key),
  );
  const values = new Map(expandVariables(usable, key => key).map(v => [v.key, v.value]));
  return readJobSettings(name => values.get(name), {
    allowGitFetch: payload.allow_git_fetch,
    gitDepth: payload.git_info.depth,
  }).warnings;
}

/**
 * The work tree `GIT_CLONE_PATH` names, checked as GitLab Runner checks it: only with
 * `custom_build_dir` enabled and inside the builds dir. The builds dir itself is refused too: the
 * clone strategy empties the work tree, which would take every slot's tree with it.
 */
function customProjectDir(value: string, buildsDir: string, enabled: boolean | undefined): string {
  if (enabled !== true) {
    throw new ExecutorError(
      'invalid_clone_path',
      'setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature',
    );
  }
  if (!posix.isAbsolute(value)) {
    throw new ExecutorError(
      'invalid_clone_path',
      `Rel: can't make ${value} relative to ${buildsDir}`,
    );
  }
  const cleaned = posix.normalize(value).replace(/(.)\/+$/, '$1');
  const relative = posix.relative(buildsDir, cleaned);
  if (relative.startsWith('..')) {
    throw new ExecutorError(
      'invalid_clone_path',
      `the GIT_CLONE_PATH=${JSON.stringify(value)} has to be within ${JSON.stringify(buildsDir)}`,
    );
  }
  if (relative === '') {
    throw new ExecutorError(
      'invalid_clone_path',
      `the GIT_CLONE_PATH=${JSON.stringify(value)} has to name a directory inside ` +
        `${JSON.stringify(buildsDir)}, not the builds directory itself`,
    );
  }
  return cleaned;
}

/**
 * The get_sources hooks in GitLab Runner's order: the config's pre script before the job's pre
 * hook, the job's post hook before the config's post script (the config's script is one command,
 * however many lines it has).
 */
function getSourcesHooks(
  payload: JobPayload,
  runner: RunnerScriptSettings | undefined,
): GetSourcesHooks {
  const hook = (name: string): readonly string[] =>
    payload.hooks.find(entry => entry.name === name)?.script ?? [];
  const config = (script: string | null | undefined): string[] =>
    script === undefined || script === null || script === '' ? [] : [script];
  return {
    pre: [...config(runner?.preGetSourcesScript), ...hook('pre_get_sources_script')],
    post: [...hook('post_get_sources_script'), ...config(runner?.postGetSourcesScript)],
  };
}

/** errexit and pipefail; `sh` turns pipefail on only where the shell knows it (older dash does not). */
function shellOptions(shell: ScriptShell): string[] {
  if (shell === 'bash') {
    return ['set -eo pipefail', 'set +o noclobber'];
  }
  return [
    'if set -o | grep pipefail >/dev/null 2>&1; then set -o pipefail; fi',
    'set -o errexit',
    'set +o noclobber',
  ];
}

/**
 * Exports each variable; a file variable's value is written 0600 (umask 077 inside a subshell)
 * into a 0700 directory beside the work tree, and the variable names its path. printf is a
 * builtin, so no value ever appears in a process's arguments.
 */
function exportLines(
  variables: readonly ShellVariable[],
  fileVariablesDir: string,
  filePathOf: (key: string) => string,
): string[] {
  const lines: string[] = [];
  const hasFiles = variables.some(v => v.file === true);
  if (hasFiles) {
    const dir = shellQuote(fileVariablesDir);
    lines.push(`(umask 077 && mkdir -p ${dir}) && chmod 700 ${dir}`);
  }
  for (const variable of variables) {
    if (variable.file === true) {
      const path = shellQuote(filePathOf(variable.key));
      lines.push(
        `rm -f ${path}`,
        `(umask 077 && printf '%s' ${shellQuote(variable.value)} > ${path})`,
        `export ${variable.key}=${path}`,
      );
    } else {
      lines.push(`export ${variable.key}=${shellQuote(variable.value)}`);
    }
  }
  return lines;
}

function script(lines: readonly string[]): string {
  return `${lines.join('\n')}\nexit 0\n`;
}
