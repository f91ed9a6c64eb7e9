import { cpus, totalmem } from 'node:os';

/** Latency percentiles and CPU cost of repeated runs of one operation. */
export interface Sample {
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Process CPU time (user + system) per run: what the operation costs this process. */
  readonly cpuMsPerRun: number;
}

/** Runs `operation` `runs` times after `warmUp` unmeasured runs and summarises the timings. */
export async function sample(
  operation: () => unknown,
  options: { readonly runs: number; readonly warmUp: number },
): Promise<Sample> {
  for (let i = 0; i < options.warmUp; i += 1) {
    await operation();
  }
  const wallMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < options.runs; i += 1) {
    const start = process.hrtime.bigint();
    await operation();
    wallMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpuBefore);
  wallMs.sort((a, b) => a - b);
  return {
    runs: options.runs,
    p50Ms: percentile(wallMs, 0.5),
    p99Ms: percentile(wallMs, 0.99),
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / options.runs,
  };
}

/** The value at fraction `q` of sorted `values` (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank] ?? Number.NaN;
}

/** One line naming the machine, for RESULTS.md. */
export function machineLine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = Math.round(totalmem() / 2 ** 30);
  return `${model}, ${cores.length} cores, ${memGiB} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** Rounds for display: three significant decimals at most. */
export function fixed(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(3);
}
