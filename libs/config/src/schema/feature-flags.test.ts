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

describe('[runners.feature_flags]', () => {
  it('turns adaptive request concurrency on by default, as GitLab Runner does', () => {
    const { config, warnings } = parseConfig(configText(), { env: testEnv });
    expect(config.runners[0]?.featureFlags).toEqual({ useAdaptiveRequestConcurrency: true });
    expect(warnings).toEqual([]);
  });

  it('reads the inline form and the table form', () => {
    const inline = configText({
      runner: { feature_flags: '{ FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false }' },
    });
    expect(
      parseConfig(inline, { env: testEnv }).config.runners[0]?.featureFlags
        .useAdaptiveRequestConcurrency,
    ).toBe(false);
    const table = configText({
      tail: '[runners.feature_flags]\nFF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false',
    });
    expect(
      parseConfig(table, { env: testEnv }).config.runners[0]?.featureFlags
        .useAdaptiveRequestConcurrency,
    ).toBe(false);
  });

  it('accepts flags it does not act on, with one warning naming them', () => {
    const text = configText({
      tail: '[runners.feature_flags]\nFF_NETWORK_PER_BUILD = true\nFF_USE_FASTZIP = false',
    });
    const { config, warnings } = parseConfig(text, { env: testEnv });
    expect(config.runners[0]?.featureFlags.useAdaptiveRequestConcurrency).toBe(true);
    expect(warnings).toEqual([
      'feature flags taskfleet does not act on, ignored: ' +
        'runners[0].feature_flags.FF_NETWORK_PER_BUILD, runners[0].feature_flags.FF_USE_FASTZIP',
    ]);
  });

  it('reports every bad entry at once: non-boolean, bad name, near miss, not a table', () => {
    const text = configText({
      tail: [
        '[runners.feature_flags]',
        'FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = "false"',
        'use_fastzip = true',
      ].join('\n'),
      global: { check_interval: '"3"' },
    });
    expect(problems(text)).toEqual([
      'check_interval: must be an integer, got string "3"',
      'runners[0].feature_flags.FF_USE_ADAPTIVE_REQUEST_CONCURRENCY: must be true or false, got string "false"',
      'runners[0].feature_flags.use_fastzip: must be a GitLab Runner feature flag name (FF_ and capitals, digits, _)',
    ]);
    // A typo would leave the flag at its default without a word.
    const typo = configText({
      tail: '[runners.feature_flags]\nFF_USE_ADAPTIVE_REQUEST_CONCURENCY = false',
    });
    expect(problems(typo)).toEqual([
      'runners[0].feature_flags.FF_USE_ADAPTIVE_REQUEST_CONCURENCY: unknown ' +
        'feature flag; did you mean "FF_USE_ADAPTIVE_REQUEST_CONCURRENCY"?',
    ]);
    expect(problems(configText({ runner: { feature_flags: '1' } }))).toEqual([
      'runners[0].feature_flags: must be a table of FF_… = true|false, got integer 1',
    ]);
  });

  it('warns that the flag in environment is a job variable and changes nothing', () => {
    const text = configText({
      runner: { environment: '["FF_USE_ADAPTIVE_REQUEST_CONCURRENCY=false", "A=1"]' },
    });
    const { config, warnings } = parseConfig(text, { env: testEnv });
    expect(config.runners[0]?.featureFlags.useAdaptiveRequestConcurrency).toBe(true);
    expect(warnings).toEqual([
      'runners[0].environment[0]: FF_USE_ADAPTIVE_REQUEST_CONCURRENCY is a job ' +
        'variable here and does not change the poller; set it in [runners.feature_flags]',
    ]);
  });
});
