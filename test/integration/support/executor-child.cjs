// One executor as its own process, for the durability and chaos tests: it reads its settings as
// one JSON line on stdin (secrets never in process arguments), runs the built ExecutorWorker and
// can SIGKILL itself at a chosen stage of a chosen job, to crash exactly there.
'use strict';

const { ExecutorWorker } = require('@taskfleet/executor');
const { GitlabClient, buildRunnerInfo, systemClock } = require('@taskfleet/gitlab');
const { AwsInstanceGroup } = require('@taskfleet/provider-aws');
const { createRegistry } = require('@taskfleet/registry');
const { Redis } = require('ioredis');
const { pino } = require('pino');

async function readSettings() {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk.toString('utf8');
    if (text.includes('\n')) {
      break;
    }
  }
  return JSON.parse(text);
}

async function main() {
  const s = await readSettings();
  const logger = pino({ level: s.logLevel ?? 'warn' }, pino.destination(2));
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const registry = createRegistry({
    redis,
    keyPrefix: s.keyPrefix,
    runnerKey: s.runnerKey,
    logger,
  });
  const instances = new AwsInstanceGroup({
    name: s.groupName,
    region: 'us-east-1',
    endpoint: s.awsEndpoint,
    clientOverrides: { maxAttempts: 1, credentials: { accessKeyId: 'c', secretAccessKey: 'c' } },
  });
  await instances.init();
  const client = new GitlabClient({
    url: s.gitlabUrl,
    logger,
    runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    retryPolicy: { maxAttempts: 2, minBackoffMs: 50, maxBackoffMs: 200 },
  });
  const kill = jobId => {
    process.stderr.write(`executor-child: SIGKILL at job ${jobId}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
  const killAt = s.killAt ?? {};
  const worker = new ExecutorWorker({
    redis,
    keyPrefix: s.keyPrefix,
    runnerKey: s.runnerKey,
    registry,
    instances,
    client,
    payloadKey: Buffer.from(s.payloadKeyHex, 'hex'),
    clock: systemClock,
    logger,
    buildsDir: 'builds',
    concurrency: s.concurrency,
    instanceAcquireTimeoutMs: s.instanceAcquireTimeoutMs,
    slotPollIntervalMs: 100,
    traceUpdateIntervalMs: 300,
    finalUpdateDeadlineMs: s.finalUpdateDeadlineMs,
    jobLeaseMs: s.jobLeaseMs,
    lockDurationMs: s.lockDurationMs,
    stalledIntervalMs: s.stalledIntervalMs,
    recoveryIntervalMs: s.recoveryIntervalMs,
    executorId: s.executorId,
    keepaliveIntervalMs: s.keepaliveIntervalMs,
    keepaliveCountMax: s.keepaliveCountMax,
    // As cli/src/wiring/executor.ts wires it.
    reportLostInstance: async (instanceId, jobId, reason) => {
      await registry.health.reportLost(instanceId, jobId, reason);
    },
    ...(s.queuedCheckIntervalMs === undefined
      ? {}
      : { queuedCheckIntervalMs: s.queuedCheckIntervalMs }),
    ...(s.diskPressurePercent === undefined ? {} : { diskPressurePercent: s.diskPressurePercent }),
    ...(s.jobsPerConnection === undefined ? {} : { jobsPerConnection: s.jobsPerConnection }),
    ...(s.connectionIdleTimeMs === undefined
      ? {}
      : { connectionIdleTimeMs: s.connectionIdleTimeMs }),
    ...(s.connectionSweepIntervalMs === undefined
      ? {}
      : { connectionSweepIntervalMs: s.connectionSweepIntervalMs }),
    hooks: {
      beforeStarted: jobId => killAt.beforeStarted === jobId && kill(jobId),
      afterStarted: jobId => killAt.afterStarted === jobId && kill(jobId),
      afterFinished: jobId => killAt.afterFinished === jobId && kill(jobId),
    },
  });
  await worker.start();
  process.stdout.write('ready\n');
  const stop = async () => {
    await worker.close();
    await instances.shutdown();
    await redis.quit();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

main().catch(error => {
  process.stderr.write(`executor-child: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
