import { printLine, shellQuote } from './bash-quote';
import { goParseBool } from './debug-trace';
import { goParseInt } from './job-settings';
import { stageBody } from './stages';

/**
 * How the work tree is brought to the job's commit (`GIT_STRATEGY`); `empty` starts the job in
 * an empty directory of its own, without git (GitLab Runner 17.3+).
 */
export type GitStrategy = 'clone' | 'fetch' | 'none' | 'empty';

const gitStrategies: readonly string[] = ['clone', 'fetch', 'none', 'empty'];
/** How submodules are set up (`GIT_SUBMODULE_STRATEGY`). */
export type SubmoduleStrategy = 'none' | 'normal' | 'recursive';

/** What the get_sources stage needs from the job. */
export interface SourcesInput {
  readonly projectDir: string;
  readonly repoUrl: string;
  readonly sha: string;
  readonly ref: string;
  readonly refspecs: readonly string[];
  /** `git_info.depth`, used unless `GIT_DEPTH` says otherwise. */
  readonly depth: number;
  readonly allowGitFetch: boolean;
  /** The job's variables after expansion, by name (the last definition wins). */
  readonly variable: (name: string) => string | undefined;
}

/** The settings GitLab Runner reads from the job's variables for get_sources. */
export interface SourcesSettings {
  readonly strategy: GitStrategy;
  readonly depth: number;
  readonly cleanFlags: readonly string[] | 'none';
  readonly submodules: SubmoduleStrategy | { readonly invalid: string };
  /** `GET_SOURCES_ATTEMPTS` as read (1 when unset or not an integer); outside 1–10 fails the job. */
  readonly attempts: number;
  /** `GIT_FETCH_EXTRA_FLAGS` (default `--prune --quiet`; `none` for none). */
  readonly fetchFlags: readonly string[];
  /** `GIT_CHECKOUT` (a Go boolean): false leaves the work tree as it was after the fetch. */
  readonly checkout: boolean;
  /**
   * `GIT_SUBMODULE_PATHS`: the pathspecs given to `git submodule sync|update` after `--`
   * (`:(exclude)path` excludes one); a bare `:(exclude)` is GitLab Runner's invalid pathspec.
   */
  readonly submodulePaths: readonly string[] | { readonly invalid: string };
  /** `GIT_SUBMODULE_UPDATE_FLAGS`: extra `git submodule update` flags, e.g. `--remote --jobs 4`. */
  readonly submoduleUpdateFlags: readonly string[];
  /** `GIT_SUBMODULE_DEPTH`: `git submodule update --depth` when positive; `git_info.depth` unless set. */
  readonly submoduleDepth: number;
}

/**
 * Reads the get_sources settings as GitLab Runner does, with its defaults and fallbacks (the
 * warnings about unreadable values come from `readJobSettings`).
 */
export function sourcesSettings(input: SourcesInput): SourcesSettings {
  const strategyValue = input.variable('GIT_STRATEGY') ?? '';
  // An unset or unknown strategy falls back to the legacy allow_git_fetch flag, as in GitLab Runner.
  const strategy: GitStrategy = gitStrategies.includes(strategyValue)
    ? (strategyValue as GitStrategy)
    : input.allowGitFetch
      ? 'fetch'
      : 'clone';
  const noSources = strategy === 'none' || strategy === 'empty';
  const depthValue = input.variable('GIT_DEPTH');
  const parsedDepth =
    depthValue !== undefined && /^\d+$/.test(depthValue) ? Number(depthValue) : NaN;
  const depth = Number.isSafeInteger(parsedDepth) ? parsedDepth : Math.max(0, input.depth);
  const cleanValue = (input.variable('GIT_CLEAN_FLAGS') ?? '').trim();
  const cleanFlags =
    cleanValue === 'none' ? 'none' : (cleanValue === '' ? '-ffdx' : cleanValue).split(/\s+/);
  const submoduleValue = input.variable('GIT_SUBMODULE_STRATEGY') ?? '';
  // GIT_STRATEGY=none or empty implies no submodule work, whatever GIT_SUBMODULE_STRATEGY says.
  const submodules: SourcesSettings['submodules'] =
    noSources || submoduleValue === '' || submoduleValue === 'none'
      ? 'none'
      : submoduleValue === 'normal' || submoduleValue === 'recursive'
        ? submoduleValue
        : { invalid: submoduleValue };
  const attempts = goParseInt(input.variable('GET_SOURCES_ATTEMPTS') ?? '') ?? 1;
  const fetchValue = (input.variable('GIT_FETCH_EXTRA_FLAGS') ?? '').trim();
  const fetchFlags =
    fetchValue === 'none' ? [] : (fetchValue === '' ? '--prune --quiet' : fetchValue).split(/\s+/);
  const checkout = !noSources && (goParseBool(input.variable('GIT_CHECKOUT') ?? '') ?? true);
  const pathsValue = input.variable('GIT_SUBMODULE_PATHS') ?? '';
  const paths = fields(pathsValue);
  // `:(exclude) name` splits into a magic word with nothing to apply to, which GitLab Runner refuses.
  const submodulePaths = paths.includes(':(exclude)') ? { invalid: pathsValue } : paths;
  const submoduleUpdateFlags = fields(input.variable('GIT_SUBMODULE_UPDATE_FLAGS') ?? '');
  // GitLab Runner parses it as a Go integer and defaults to the job's git depth, not GIT_DEPTH.
  const submoduleDepth = goParseInt(input.variable('GIT_SUBMODULE_DEPTH') ?? '') ?? input.depth;
  return {
    strategy,
    depth,
    cleanFlags,
    submodules,
    attempts,
    fetchFlags,
    checkout,
    submodulePaths,
    submoduleUpdateFlags,
    submoduleDepth,
  };
}

/**
 * The error GitLab Runner meets writing the get_sources script (an unknown submodule strategy,
 * an invalid submodule pathspec), which fails the job as a system failure before the stage runs;
 * undefined when the script can be written.
 */
export function sourcesScriptError(settings: SourcesSettings): string | undefined {
  if (!settings.checkout || settings.submodules === 'none') {
    return undefined;
  }
  if (typeof settings.submodules === 'object') {
    return 'unknown GIT_SUBMODULE_STRATEGY';
  }
  if (!Array.isArray(settings.submodulePaths)) {
    const words = fields((settings.submodulePaths as { invalid: string }).invalid);
    // Go's %q of the word list: each word quoted, space separated, in brackets.
    return `GIT_SUBMODULE_PATHS: invalid submodule pathspec [${words.map(w => JSON.stringify(w)).join(' ')}]`;
  }
  return undefined;
}

/** Go's strings.Fields: the words between runs of white space. */
function fields(value: string): string[] {
  return value.split(/\s+/).filter(word => word !== '');
}

/** Commands around the fetch: the runner's config script and the job's `hooks`, in run order. */
export interface GetSourcesHooks {
  /** `pre_get_sources_script` of config.toml, then the job's pre hook lines. */
  readonly pre: readonly string[];
  /** The job's post hook lines, then `post_get_sources_script` of config.toml. */
  readonly post: readonly string[];
}

const noHooks: GetSourcesHooks = { pre: [], post: [] };

/** The repository URL without credentials, and a Basic `Authorization` header for them. */
export function splitCredentials(repoUrl: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(repoUrl);
  } catch {
    return { url: repoUrl };
  }
  if (parsed.username === '' && parsed.password === '') {
    return { url: repoUrl };
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return { url: parsed.toString(), authorization: `Basic ${basic}` };
}

/**
 * The get_sources body: fetch the refspecs into the project directory and check out the exact
 * sha, printing GitLab Runner's lines. The token never reaches the log, the command line or
 * `.git/config`: the remote URL is stored without it and git gets it as an `http.<url>.extraHeader`
 * through `GIT_CONFIG_*` environment variables, scoped to the GitLab server. The pre hooks run
 * first, where the shell starts and before the credentials are exported; the post hooks run last
 * in the project directory. `GIT_STRATEGY=none` keeps whatever the directory holds and `empty`
 * starts from an emptied one; with either no git runs and neither hook does, as in GitLab Runner.
 */
export function getSourcesLines(
  input: SourcesInput,
  settings: SourcesSettings,
  hooks: GetSourcesHooks = noHooks,
): string[] {
  const dir = shellQuote(input.projectDir);
  if (settings.strategy === 'none' || settings.strategy === 'empty') {
    const empty = settings.strategy === 'empty';
    return [
      printLine(
        empty
          ? 'Skipping Git repository setup and creating an empty build directory'
          : 'Skipping Git repository setup',
      ),
      ...(empty ? [`rm -rf ${dir}`] : []),
      `mkdir -p ${dir}`,
      `cd ${dir}`,
      printLine('Skipping Git checkout'),
      ...submoduleLines(settings),
    ];
  }
  const lines = [...hookLines(hooks.pre), ...fetchLines(input, settings)];
  lines.push(...hookLines(hooks.post));
  return lines;
}

/** Hook commands echoed and run as a step's are; a failing one fails get_sources. */
function hookLines(commands: readonly string[]): string[] {
  return commands.some(command => command.trim() !== '') ? [stageBody(commands)] : [];
}

function fetchLines(input: SourcesInput, settings: SourcesSettings): string[] {
  const dir = shellQuote(input.projectDir);
  const { url, authorization } = splitCredentials(input.repoUrl);
  const lines: string[] = ['export GIT_TERMINAL_PROMPT=0'];
  if (authorization !== undefined) {
    lines.push(
      // Out of CI_DEBUG_TRACE's xtrace: the header carries the job token, base64-encoded, which
      // masking cannot see; xtrace is back on after it if it was on.
      '{ _tf_flags=$-; set +o xtrace; } 2>/dev/null',
      'export GIT_CONFIG_COUNT=1',
      `export GIT_CONFIG_KEY_0=${shellQuote(`http.${originOf(url)}.extraHeader`)}`,
      `export GIT_CONFIG_VALUE_0=${shellQuote(`Authorization: ${authorization}`)}`,
      'case $_tf_flags in *x*) set -o xtrace ;; esac',
    );
  }
  lines.push(
    printLine(
      settings.depth > 0
        ? `Fetching changes with git depth set to ${settings.depth}...`
        : 'Fetching changes...',
    ),
  );
  if (settings.strategy === 'clone') {
    lines.push(`rm -rf ${dir}`);
  }
  lines.push(
    `if [ -d ${shellQuote(`${input.projectDir}/.git`)} ]; then _tf_fresh=; else _tf_fresh=1; fi`,
    `git -c init.defaultBranch=main init ${dir}`,
    `if [ -n "$_tf_fresh" ]; then ${printLine('Created fresh repository.')}; fi`,
    `cd ${dir}`,
    `git remote set-url origin ${shellQuote(url)} 2>/dev/null || git remote add origin ${shellQuote(url)}`,
  );
  const fetchArgs = [
    ...input.refspecs,
    ...(settings.depth > 0 ? ['--depth', String(settings.depth)] : []),
    ...settings.fetchFlags,
  ];
  lines.push(`git fetch origin ${fetchArgs.map(shellQuote).join(' ')}`);
  if (!settings.checkout) {
    // GitLab Runner skips the clean and the submodules along with the checkout.
    lines.push(printLine('Skipping Git checkout'), printLine('Skipping Git submodules setup'));
    return lines;
  }
  lines.push(
    printLine(`Checking out ${input.sha.slice(0, 8)} as detached HEAD (ref is ${input.ref})...`),
    `git checkout -f -q ${shellQuote(input.sha)}`,
  );
  if (settings.cleanFlags !== 'none') {
    lines.push(`git clean ${settings.cleanFlags.map(shellQuote).join(' ')}`);
  }
  lines.push(...submoduleLines(settings));
  // TODO(#5): Git LFS is not pulled (git-lfs is not on the instances).
  return lines;
}

function submoduleLines(settings: SourcesSettings): string[] {
  const submodules = settings.submodules;
  if (submodules === 'none') {
    return [printLine('Skipping Git submodules setup')];
  }
  if (typeof submodules === 'object') {
    return [
      printLine(`ERROR: unknown GIT_SUBMODULE_STRATEGY ${JSON.stringify(submodules.invalid)}`),
      'exit 1',
    ];
  }
  if (!Array.isArray(settings.submodulePaths)) {
    const written = JSON.stringify((settings.submodulePaths as { invalid: string }).invalid);
    return [
      printLine(`ERROR: GIT_SUBMODULE_PATHS: invalid submodule pathspec ${written}`),
      'exit 1',
    ];
  }
  const recursive = submodules === 'recursive' ? ' --recursive' : '';
  const cleanFlags = settings.cleanFlags === 'none' ? undefined : settings.cleanFlags;
  const quoted = (words: readonly string[]): string => words.map(w => ` ${shellQuote(w)}`).join('');
  const paths: readonly string[] = settings.submodulePaths;
  const pathArgs = paths.length > 0 ? ` --${quoted(paths)}` : '';
  const depth = settings.submoduleDepth > 0 ? settings.submoduleDepth : 0;
  const depthText = depth > 0 ? ` with git depth set to ${depth}` : '';
  const depthArgs = depth > 0 ? ` --depth ${depth}` : '';
  const updateFlags = quoted(settings.submoduleUpdateFlags);
  const lines = [
    printLine(
      submodules === 'recursive'
        ? `Updating/initializing submodules recursively${depthText}...`
        : `Updating/initializing submodules${depthText}...`,
    ),
    `git submodule sync${recursive}${pathArgs}`,
    `git submodule update --init${recursive}${depthArgs}${updateFlags}${pathArgs}`,
  ];
  if (cleanFlags !== undefined) {
    lines.push(
      `git submodule foreach${recursive} git clean ${cleanFlags.map(shellQuote).join(' ')}`,
    );
  }
  return lines;
}

/** `scheme://host[:port]/`, the scope git matches `http.<url>.*` settings against. */
function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/`;
  } catch {
    return url;
  }
}
