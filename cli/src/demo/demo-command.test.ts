import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';

import { runDemo } from './demo-command';
import type { DemoOptions } from './demo-options';

describe('taskfleet demo --json when it fails before any result', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-demo-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function failedRun(
    options: Partial<DemoOptions>,
  ): Promise<{ out: string[]; error: unknown }> {
    const out: string[] = [];
    const error = await runDemo(
      {
        projectDir: undefined,
        json: false,
        variablesFile: undefined,
        timeoutMs: 1_000,
        redisUrl: 'redis://127.0.0.1:1',
        ...options,
      },
      join(dir, 'no-examples'),
      pino({ enabled: false }),
      { out: line => out.push(line), progress: () => undefined },
      new AbortController().signal,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { out, error };
  }

  it('prints one JSON error object on stdout and still throws for the stderr line', async () => {
    const { out, error } = await failedRun({ json: true, variablesFile: join(dir, 'v.json') });
    expect(error).toMatchObject({ code: 'invalid_argument' });
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toEqual({
      error: {
        code: 'invalid_argument',
        message: (error as Error).message,
        retryable: false,
      },
    });
  });

  it('prints nothing on stdout without --json (the error is the stderr line alone)', async () => {
    const { out, error } = await failedRun({ variablesFile: join(dir, 'v.json') });
    expect(error).toMatchObject({ code: 'invalid_argument' });
    expect(out).toEqual([]);
  });
});
