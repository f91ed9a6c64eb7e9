import { testPayload } from '../testing/local-shell';
import { buildJobScripts } from './build-scripts';
import { debugTraceRequested, debugTraceSetting, goParseBool } from './debug-trace';

describe('CI_DEBUG_TRACE as GitLab Runner reads it', () => {
  it.each<[string, boolean | undefined]>([
    ['1', true],
    ['True', true],
    ['t', true],
    ['0', false],
    ['FALSE', false],
    ['yes', undefined],
    ['', undefined],
  ])('Go ParseBool %j', (value, expected) => {
    expect(goParseBool(value)).toBe(expected);
  });

  it('is off when unset, and off with a warning when unreadable', () => {
    expect(debugTraceSetting(undefined)).toEqual({ enabled: false, warning: undefined });
    expect(debugTraceSetting('on')).toEqual({
      enabled: false,
      warning: 'CI_DEBUG_TRACE: expected bool got "on", using default value: false',
    });
    expect(
      debugTraceRequested([
        { key: 'CI_DEBUG_TRACE', value: 'false' },
        { key: 'CI_DEBUG_TRACE', value: 'true' },
      ]),
    ).toBe(true);
  });

  it('puts set -o xtrace first in every stage script, and names a bad value first', () => {
    const scripts = (value: string) =>
      buildJobScripts(testPayload({ variables: [{ key: 'CI_DEBUG_TRACE', value }] }), {
        buildsDir: '/b',
        slot: 0,
        shell: 'bash',
      });
    const on = scripts('true');
    expect(on.debugTrace).toBe(true);
    for (const text of [on.prepare, on.getSources, on.cleanup, ...on.steps.map(s => s.script)]) {
      expect(text.startsWith('set -o xtrace\nset -eo pipefail\n')).toBe(true);
    }
    const bad = scripts('loud');
    expect(bad.debugTrace).toBe(false);
    expect(bad.prepare).not.toContain('xtrace');
    expect(bad.settingWarnings).toEqual([
      'CI_DEBUG_TRACE: expected bool got "loud", using default value: false',
    ]);
  });
});
