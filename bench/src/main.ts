#!/usr/bin/env node
// Runs taskfleet's benchmarks and prints a Markdown table for bench/RESULTS.md.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { executorRssSuite } from './suites/executor-rss';
import { intakeLatencySuite } from './suites/intake-latency';
import { jobPathSuite } from './suites/job-path';
import { plannerSuite } from './suites/planner';
import { redisCostSuite } from './suites/redis-cost';
import { registryCallsSuite } from './suites/registry-calls';
import { scalerTickSuite } from './suites/scaler-tick';
import { traceWriterSuite } from './suites/trace-writer';
import { warmThroughputSuite } from './suites/warm-throughput';
import { machineLine } from './support/measure';
import { markdownTable } from './support/report';
import type { Figure } from './support/report';

/** What a suite may be given from the command line. */
interface SuiteOptions {
  readonly redisUrl: string;
  /** `--cpu-prof DIR`: the service processes a suite starts write V8 CPU profiles there. */
  readonly cpuProfileDir: string | undefined;
}

const suites: Record<string, (options: SuiteOptions) => Promise<Figure[]>> = {
  planner: () => plannerSuite(),
  'scaler-tick': ({ redisUrl }) => scalerTickSuite(redisUrl),
  'trace-writer': () => traceWriterSuite(),
  'job-path': () => jobPathSuite(),
  'redis-cost': () => redisCostSuite(),
  'registry-calls': () => registryCallsSuite(),
  'intake-latency': intakeLatencySuite,
  'warm-throughput': warmThroughputSuite,
  'executor-rss': executorRssSuite,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
      'cpu-prof': { type: 'string' },
    },
  });
  const names = values.only ?? Object.keys(suites);
  const unknown = names.filter(name => !(name in suites));
  if (unknown.length > 0) {
    throw new Error(
      `unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`,
    );
  }
  const figures: Figure[] = [];
  for (const name of names) {
    const run = suites[name];
    if (run !== undefined) {
      process.stderr.write(`bench: running ${name}\n`);
      const cpuProfileDir =
        values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
      figures.push(...(await run({ redisUrl: values['redis-url'], cpuProfileDir })));
    }
  }
  process.stdout.write(`Machine: ${machineLine()}\n\n${markdownTable(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
