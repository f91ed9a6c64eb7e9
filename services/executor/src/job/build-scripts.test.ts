import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { JobPayload } from '@taskfleet/gitlab';

import { runLocal, testPayload } from '../testing/local-shell';
import { buildJobScripts } from './build-scripts';
import type { JobScripts, ScriptShell } from './build-scripts';

const green = '\u001b[32;1m';
const reset = '\u001b[0;m';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'executor-scripts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function job(
  script: string[],
  afterScript: string[] = [],
  variables: Record<string, unknown>[] = [],
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
    variables,
  });
}

async function scriptsFor(payload: JobPayload, shell: ScriptShell = 'bash'): Promise<JobScripts> {
  const scripts = buildJobScripts(payload, { buildsDir: join(dir, 'builds'), slot: 1, shell });
  await mkdir(scripts.projectDir, { recursive: true });
  return scripts;
}

async function runStep(payload: JobPayload, shell: ScriptShell = 'bash') {
  const scripts = await scriptsFor(payload, shell);
  return runLocal(shell, scripts.steps[0]?.script ?? '', { cwd: dir });
}

describe('generated job scripts under real bash', () => {
  it('puts each slot in its own work tree under the builds dir', () => {
    const payload = job(['true']);
    const one = buildJobScripts(payload, { buildsDir: '/b', slot: 0, shell: 'bash' });
    const two = buildJobScripts(payload, { buildsDir: '/b', slot: 1, shell: 'bash' });
    expect(one.projectDir).toBe('/b/0/acme/widgets');
    expect(two.projectDir).toBe('/b/1/acme/widgets');
    expect(one.fileVariablesDir).toBe('/b/0/acme/widgets.tmp');
    expect(() => buildJobScripts(payload, { buildsDir: 'rel', slot: 0, shell: 'bash' })).toThrow(
      'absolute',
    );
  });

  it('echoes each command as `$ command` in green before its output', async () => {
    const run = await runStep(job(['echo hello', 'echo "two words"']));
    expect(run.exitCode).toBe(0);
    expect(run.output).toBe(
      `${green}$ echo hello${reset}\nhello\n${green}$ echo "two words"${reset}\ntwo words\n`,
    );
  });

  it('echoes a multi-line command as its first line and a collapsed marker, and runs all of it', async () => {
    const run = await runStep(job(['echo one\necho two\n']));
    expect(run.output).toBe(
      `${green}$ echo one # collapsed multi-line command${reset}\none\ntwo\n`,
    );
  });

  it.each<ScriptShell>(['bash', 'sh'])(
    'stops at the first failing command with its exit code (%s)',
    async shell => {
      const run = await runStep(job(['echo first', 'sh -c "exit 7"', 'echo never']), shell);
      expect(run.exitCode).toBe(7);
      expect(run.output).toContain('first\n');
      expect(run.output).not.toContain('never');
    },
  );

  it('fails a pipeline whose first part fails (pipefail)', async () => {
    const run = await runStep(job(['false | cat', 'echo never']));
    expect(run.exitCode).toBe(1);
    expect(run.output).not.toContain('never');
  });

  it('keeps a cd and a shell variable from before_script lines to script lines', async () => {
    const run = await runStep(
      job(['mkdir -p sub', 'cd sub', 'FOO=bar', 'echo "$FOO in $(basename "$PWD")"']),
    );
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('bar in sub\n');
  });

  it('gives job commands stdin at EOF, and the rest of the script still runs', async () => {
    const run = await runStep(
      job(['if read -r x; then echo "got $x"; else echo "eof"; fi', 'cat', 'echo after']),
    );
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('eof\n');
    expect(run.output).toContain('after\n');
    expect(run.output).not.toMatch(/^got/m);
  });

  it('runs after_script in a fresh shell at the project dir with CI_JOB_STATUS', async () => {
    const scripts = await scriptsFor(
      job(['cd /', 'X=set'], ['pwd', 'echo "status=$CI_JOB_STATUS x=${X:-unset}"']),
    );
    const afterScript = scripts.afterScript;
    expect(afterScript).toBeDefined();
    for (const status of ['success', 'failed', 'canceled'] as const) {
      const run = await runLocal('bash', afterScript?.(status) ?? '', { cwd: dir });
      expect(run.exitCode).toBe(0);
      expect(run.output).toContain('Running after script...\n');
      expect(run.output).toContain(`${scripts.projectDir}\n`);
      expect(run.output).toContain(`status=${status} x=unset\n`);
    }
    const step = await runLocal('bash', scripts.steps[0]?.script ?? '', { cwd: dir });
    expect(step.exitCode).toBe(0);
  });

  it('has no after_script stage when the job has none', async () => {
    expect((await scriptsFor(job(['true']))).afterScript).toBeUndefined();
  });

  it('exports CI_PROJECT_DIR, CI_BUILDS_DIR, CI_CONCURRENT_ID and CI_JOB_STATUS=running', async () => {
    const scripts = await scriptsFor(
      job(['echo "$CI_PROJECT_DIR|$CI_BUILDS_DIR|$CI_CONCURRENT_ID|$CI_JOB_STATUS|$CI_SERVER"']),
    );
    const run = await runLocal('bash', scripts.steps[0]?.script ?? '', { cwd: dir });
    expect(run.output).toContain(`${scripts.projectDir}|${join(dir, 'builds')}|1|running|yes\n`);
  });

  it.each([
    ['single quote', "it's"],
    ['double quotes', 'say "hi"'],
    ['dollar and command substitution', '$(touch pwned) ${HOME} `touch pwned2`'],
    ['backslashes', 'a\\nb\\\\c\\'],
    ['newlines', 'line1\nline2\n\nline4\n'],
    ['unicode', 'grüße – 日本語 🚀'],
    ['shell operators', '; rm -rf / && | > < * ? [ ] ~ #'],
    ['empty', ''],
  ])('passes a value with %s through exactly', async (_name, value) => {
    // Raw where the value holds a `$`, so runner-side expansion does not touch it; both otherwise.
    const rawOnly = value.includes('$');
    const run = await runStep(
      job(
        ['printf "<%s>" "$TRICKY"', 'printf "[%s]" "$PLAIN"'],
        [],
        [
          { key: 'TRICKY', value, public: true, raw: true },
          { key: 'PLAIN', value: rawOnly ? 'x' : value, public: true },
        ],
      ),
    );
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain(`<${value}>`);
    expect(run.output).toContain(`[${rawOnly ? 'x' : value}]`);
    await expect(stat(join(dir, 'pwned'))).rejects.toThrow();
  });

  it('expands $VAR and ${VAR} in variables as GitLab Runner does, not in raw ones', async () => {
    const run = await runStep(
      job(
        ['printf "%s|%s|%s|%s\\n" "$B" "$C" "$D" "$E"'],
        [],
        [
          { key: 'A', value: 'hello' },
          { key: 'B', value: '$A world' },
          { key: 'C', value: '${A}-x $UNKNOWN.' },
          { key: 'D', value: '$A', raw: true },
          { key: 'E', value: 'cost $$5 $CI_CONCURRENT_ID' },
        ],
      ),
    );
    expect(run.output).toContain('hello world|hello-x .|$A|cost $5 1\n');
  });

  it('writes file variables 0600 outside the work tree, and cleanup removes them', async () => {
    const secret = "multi\nline 'secret' $HOME\n";
    const payload = job(
      [
        'stat -c %a "$KUBECONFIG"',
        'stat -c %a "$(dirname "$KUBECONFIG")"',
        'cat "$KUBECONFIG"',
        'echo "path=$KUBECONFIG alias=$ALIAS"',
      ],
      [],
      [
        // Raw: GitLab Runner expands `$…` in a file variable's content like any other value.
        { key: 'KUBECONFIG', value: secret, file: true, raw: true },
        { key: 'ALIAS', value: '$KUBECONFIG' },
      ],
    );
    const scripts = await scriptsFor(payload);
    const path = join(scripts.fileVariablesDir, 'KUBECONFIG');
    expect(path.startsWith(`${scripts.projectDir}/`)).toBe(false);
    const run = await runLocal('bash', scripts.steps[0]?.script ?? '', { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('\n600\n');
    expect(run.output).toContain('\n700\n');
    expect(run.output).toContain(secret);
    expect(run.output).toContain(`path=${path} alias=${path}\n`);
    // The value is in the script (stdin), never in a command line.
    expect(scripts.steps[0]?.script).toContain("printf '%s' 'multi");
    const cleanup = await runLocal('bash', scripts.cleanup, { cwd: dir });
    expect(cleanup.exitCode).toBe(0);
    await expect(stat(path)).rejects.toThrow();
    await expect(stat(scripts.fileVariablesDir)).rejects.toThrow();
  });

  it('skips variables whose names a shell cannot export, and says so', async () => {
    const scripts = await scriptsFor(job(['true'], [], [{ key: 'BAD-NAME', value: 'x' }]));
    expect(scripts.skippedVariables).toEqual(['BAD-NAME']);
    const run = await runLocal('bash', scripts.steps[0]?.script ?? '', { cwd: dir });
    expect(run.exitCode).toBe(0);
  });
});
