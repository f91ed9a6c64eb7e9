#!/usr/bin/env node
// Runs taskfleet's benchmarks and prints a Markdown table for bench/RESULTS.md.
import { parseArgs } from 'node:util';

import { jobPathSuite } from './suites/job-path';
import { plannerSuite } from './suites/planner';
import { redisCostSuite } from './suites/redis-cost';
import { registryCallsSuite } from './suites/registry-calls';
import { scalerTickSuite } from './suites/scaler-tick';
import { traceWriterSuite } from './suites/trace-writer';
import { machineLine } from './support/measure';
import { markdownTable } from './support/report';
import type { Figure } from './support/report';

const suites: Record<string, (redisUrl: string) => Promise<Figure[]>> = {
  planner: () => plannerSuite(),
  'scaler-tick': scalerTickSuite,
  'trace-writer': () => traceWriterSuite(),
  'job-path': () => jobPathSuite(),
  'redis-cost': () => redisCostSuite(),
  'registry-calls': () => registryCallsSuite(),
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
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
      figures.push(...(await run(values['redis-url'])));
    }
  }
  process.stdout.write(`Machine: ${machineLine()}\n\n${markdownTable(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
