import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GitlabClient, TraceWriter, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import { pino } from 'pino';

import { adminCall, startEmulatorsProcess } from '../support/emulators-process';
import { fixed } from '../support/measure';
import type { Figure } from '../support/report';

const mib = 1024 * 1024;
const secret = 'bench-masked-value-0123456789';
const chunkBytes = 64 * 1024;
const totalBytes = 256 * mib;
const outputLimitBytes = 32 * mib;

/**
 * A 64 KiB chunk of build-log lines: one carries the masked value, and the chunk ends with the
 * value's first half, so the masker must hold it back for the next chunk.
 */
function logChunk(index: number): string {
  const line = `[${index}] compiling src/module-${index % 97}.ts with flags -O2 -Wall -Wextra\n`;
  let text = `token in use: ${secret}\n`;
  while (text.length + line.length < chunkBytes) {
    text += line;
  }
  return text + secret.slice(0, 10);
}

/**
 * The trace path of one job: 256 MiB of output, masked, through the real TraceWriter to the
 * GitLab emulator (in its own process) with a 32 MiB output limit. Reports masking throughput and
 * how much this process's memory grew (target: flat for any log size).
 */
export async function traceWriterSuite(): Promise<Figure[]> {
  const emulators = await startEmulatorsProcess();
  const { url, admin } = emulators.endpoints.gitlab;
  const sourceDir = await mkdtemp(join(tmpdir(), 'bench-trace-'));
  const logger = pino({ level: 'silent' });
  try {
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), 'job:\n  script: [echo hi]\n');
    const project = await adminCall<{ id: number }>(admin, '/projects', {
      path: 'bench/trace',
      sourceDir,
    });
    await adminCall(admin, `/projects/${project.id}/variables`, {
      key: 'SECRET',
      value: secret,
      masked: true,
    });
    const runner = await adminCall<{ token: string }>(admin, '/runners', { description: 'bench' });
    await adminCall(admin, `/projects/${project.id}/pipelines`, {});
    const client = new GitlabClient({
      url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
      systemId: 's_0123456789ab',
      clock: systemClock,
    });
    const requested = await client.requestJob({ token: runner.token });
    if (requested.kind !== 'job') {
      throw new Error(`bench: expected a job, got ${requested.kind}`);
    }
    const job = requested.job;
    await client.acceptJob(job.id, job.token);
    const writer = new TraceWriter({
      client,
      jobId: job.id,
      jobToken: job.token,
      logger,
      clock: systemClock,
      maskedValues: [secret],
      outputLimitBytes,
      updateIntervalMs: 100,
    });
    writer.start();
    const heapBeforeBytes = retainedHeapBytes();
    const rssBeforeBytes = process.memoryUsage().rss;
    let peakRssBytes = rssBeforeBytes;
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let written = 0, index = 0; written < totalBytes; index += 1) {
      const chunk = logChunk(index);
      written += chunk.length;
      if (!writer.write(chunk)) {
        await writer.waitForDrain();
      }
      if (index % 256 === 0) {
        peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
      }
    }
    const heapAtLimitBytes = retainedHeapBytes();
    const summary = await writer.finish(60_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const suite = 'trace writer (256 MiB written, 32 MiB limit, masked)';
    return [
      {
        suite,
        name: 'throughput',
        value: fixed(totalBytes / mib / seconds),
        unit: 'MiB/s',
        target: '',
      },
      {
        suite,
        name: 'CPU per MiB written',
        value: fixed((cpu.user + cpu.system) / 1000 / (totalBytes / mib)),
        unit: 'ms',
        target: '',
      },
      {
        suite,
        name: 'peak RSS growth (garbage included)',
        value: fixed((peakRssBytes - rssBeforeBytes) / mib),
        unit: 'MiB',
        target: '',
      },
      {
        suite,
        name: 'retained heap growth (after GC, before finish)',
        value: fixed((heapAtLimitBytes - heapBeforeBytes) / mib),
        unit: 'MiB',
        target: 'flat for any log size',
      },
      {
        suite,
        name: 'bytes sent',
        value: fixed(summary.sentBytes / mib),
        unit: 'MiB',
        target: '',
      },
    ];
  } finally {
    await emulators.stop();
    await rm(sourceDir, { recursive: true, force: true });
  }
}

/** Heap in use after a full collection; needs `node --expose-gc` (NaN without it). */
function retainedHeapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    return Number.NaN;
  }
  gc();
  return process.memoryUsage().heapUsed;
}
