import { testPayload } from '../testing/local-shell';
import { buildJobScripts } from './build-scripts';

function scriptsFor(clonePath: string, customBuildDirEnabled: boolean) {
  const payload = testPayload({
    variables: [
      { key: 'NESTED', value: 'go/src/acme' },
      { key: 'GIT_CLONE_PATH', value: clonePath },
    ],
  });
  return buildJobScripts(payload, {
    buildsDir: '/home/u/builds',
    slot: 1,
    shell: 'bash',
    runnerScripts: { customBuildDirEnabled },
  });
}

describe('GIT_CLONE_PATH', () => {
  it('moves the work tree and CI_PROJECT_DIR, expanded against CI_BUILDS_DIR and the job variables', () => {
    const scripts = scriptsFor('$CI_BUILDS_DIR/$NESTED/$CI_CONCURRENT_ID/widgets/', true);
    expect(scripts.projectDir).toBe('/home/u/builds/go/src/acme/1/widgets');
    expect(scripts.lookup('CI_PROJECT_DIR')).toBe('/home/u/builds/go/src/acme/1/widgets');
    expect(scripts.fileVariablesDir).toBe('/home/u/builds/go/src/acme/1/widgets.tmp');
    expect(scripts.getSources).toContain("cd '/home/u/builds/go/src/acme/1/widgets'");
  });

  it('leaves the slot layout alone when unset or empty', () => {
    expect(scriptsFor('', false).projectDir).toBe('/home/u/builds/1/acme/widgets');
  });

  it.each<[string, boolean, string]>([
    [
      '$CI_BUILDS_DIR/x',
      false,
      'setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature',
    ],
    [
      '/home/u/elsewhere',
      true,
      'the GIT_CLONE_PATH="/home/u/elsewhere" has to be within "/home/u/builds"',
    ],
    [
      '$CI_BUILDS_DIR/../escape',
      true,
      'the GIT_CLONE_PATH="/home/u/builds/../escape" has to be within "/home/u/builds"',
    ],
    ['relative/dir', true, "Rel: can't make relative/dir relative to /home/u/builds"],
    [
      '$CI_BUILDS_DIR/',
      true,
      'the GIT_CLONE_PATH="/home/u/builds/" has to name a directory inside "/home/u/builds", not the builds directory itself',
    ],
  ])('refuses %j (custom_build_dir %s) as the runner does', (clonePath, enabled, message) => {
    expect(() => scriptsFor(clonePath, enabled)).toThrow(
      expect.objectContaining({ code: 'invalid_clone_path', message }) as Error,
    );
  });
});
