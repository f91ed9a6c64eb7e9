import { ConfigError, parseConfig } from '../index';
import { configText, testEnv } from '../testing/config-text';

function problems(text: string): string[] {
  try {
    parseConfig(text, { env: testEnv });
  } catch (error) {
    if (ConfigError.is(error)) {
      return error.problems.map(problem => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  return [];
}

describe('[[runners]] get_sources hooks and custom_build_dir', () => {
  it('reads both scripts, multi-line ones whole, and custom_build_dir enabled', () => {
    const text = configText({
      runner: {
        pre_get_sources_script: JSON.stringify('echo pre\necho "second line"'),
        post_get_sources_script: '"git log -1 --oneline"',
      },
      tail: '[runners.custom_build_dir]\nenabled = true',
    });
    const runner = parseConfig(text, { env: testEnv }).config.runners[0];
    expect(runner?.preGetSourcesScript).toBe('echo pre\necho "second line"');
    expect(runner?.postGetSourcesScript).toBe('git log -1 --oneline');
    expect(runner?.customBuildDirEnabled).toBe(true);
  });

  it('takes empty scripts as none and an empty custom_build_dir table as disabled', () => {
    const text = configText({
      runner: { pre_get_sources_script: '""', post_get_sources_script: '""' },
      tail: '[runners.custom_build_dir]',
    });
    const runner = parseConfig(text, { env: testEnv }).config.runners[0];
    expect(runner?.preGetSourcesScript).toBeNull();
    expect(runner?.postGetSourcesScript).toBeNull();
    expect(runner?.customBuildDirEnabled).toBe(false);
  });

  it('reports every wrong value at once', () => {
    const text = configText({
      runner: { pre_get_sources_script: '["echo a"]', post_get_sources_script: '3' },
      tail: '[runners.custom_build_dir]\nenabled = "yes"',
    });
    const found = problems(text);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^runners\[0\]\.pre_get_sources_script: /),
        expect.stringMatching(/^runners\[0\]\.post_get_sources_script: /),
        expect.stringMatching(/^runners\[0\]\.custom_build_dir\.enabled: /),
      ]),
    );
    expect(found).toHaveLength(3);
  });

  it('refuses a mistyped enabled instead of leaving GIT_CLONE_PATH off without a word', () => {
    const text = configText({ tail: '[runners.custom_build_dir]\nenabeld = true' });
    expect(problems(text)).toEqual([
      'runners[0].custom_build_dir.enabeld: unknown key; did you mean "enabled"?',
    ]);
  });
});

describe('[[runners]] deprecated pre_clone_script / post_clone_script', () => {
  it('reads them as the get_sources scripts, with a deprecation warning and no unknown key', () => {
    const text = configText({
      runner: { pre_clone_script: '"echo old pre"', post_clone_script: '"echo old post"' },
    });
    const parsed = parseConfig(text, { env: testEnv });
    expect(parsed.config.runners[0]?.preGetSourcesScript).toBe('echo old pre');
    expect(parsed.config.runners[0]?.postGetSourcesScript).toBe('echo old post');
    expect(parsed.warnings).toEqual([
      'runners[0].pre_clone_script is deprecated: use pre_get_sources_script',
      'runners[0].post_clone_script is deprecated: use post_get_sources_script',
    ]);
  });

  it('lets a non-empty new key win, as GitLab Runner does, and says the old one is ignored', () => {
    const text = configText({
      runner: {
        pre_get_sources_script: '"echo new pre"',
        pre_clone_script: '"echo old pre"',
        post_get_sources_script: '""',
        post_clone_script: '"echo old post"',
      },
    });
    const parsed = parseConfig(text, { env: testEnv });
    expect(parsed.config.runners[0]?.preGetSourcesScript).toBe('echo new pre');
    expect(parsed.config.runners[0]?.postGetSourcesScript).toBe('echo old post');
    expect(parsed.warnings).toEqual([
      'runners[0].pre_clone_script is deprecated: use pre_get_sources_script ' +
        '(ignored: pre_get_sources_script is set)',
      'runners[0].post_clone_script is deprecated: use post_get_sources_script',
    ]);
  });

  it('refuses a wrong type like the new keys', () => {
    const text = configText({ runner: { pre_clone_script: '["echo a"]' } });
    expect(problems(text)).toEqual([expect.stringMatching(/^runners\[0\]\.pre_clone_script: /)]);
  });
});
