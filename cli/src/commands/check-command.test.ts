import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCheck } from './check-command';
import type { GroupChecker } from './check-command';
import { configErrorExitCode } from './run-command';

describe('taskfleet check with a bad config', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-check-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the config problems to the error stream, not the report, and checks nothing', async () => {
    const path = join(dir, 'config.toml');
    await writeFile(path, 'concurrent = "ten"\n');
    const report: string[] = [];
    const errors: string[] = [];
    let checked = 0;
    const checker: GroupChecker = () => {
      checked += 1;
      return Promise.resolve({ groupName: 'group', problems: [] });
    };
    const code = await runCheck(
      { configPath: path },
      l => report.push(l),
      checker,
      l => errors.push(l),
    );
    expect(code).toBe(configErrorExitCode);
    expect(report).toEqual([]);
    expect(errors.join('\n')).toMatch(/could not load config .*config\.toml/);
    expect(errors.join('\n')).toContain('concurrent');
    expect(checked).toBe(0);
  });
});
