import type { RunOptions, RunResult } from '@taskfleet/fleeting';

/**
 * Reads how full the file system holding the job user's home (where builds and caches live) is,
 * in percent, with `df -P` over SSH (stock tools); undefined when it cannot be read.
 */
export async function diskUsePercent(connection: {
  run(options: RunOptions): Promise<RunResult>;
}): Promise<number | undefined> {
  let out = '';
  const result = await connection.run({
    command: 'df -P -- "$HOME"',
    onStdout: chunk => {
      out += chunk.toString('utf8');
    },
  });
  if (result.exitCode !== 0) {
    return undefined;
  }
  return parseDfUsePercent(out);
}

/** The `Capacity` column (`NN%`) of the last line of POSIX `df -P` output. */
export function parseDfUsePercent(output: string): number | undefined {
  const lines = output.trim().split('\n');
  if (lines.length < 2) {
    return undefined;
  }
  const fields = (lines[lines.length - 1] ?? '').trim().split(/\s+/);
  const match = /^(\d+)%$/.exec(fields[4] ?? '');
  return match === null ? undefined : Number(match[1]);
}
