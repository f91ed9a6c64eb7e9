// The executor's job run end to end: a real pipeline on the GitLab emulator, run over SSH on a
// real sshd instance from the AWS emulator, with real git fetching the project.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { runJob } from '@taskfleet/executor';
import { dial } from '@taskfleet/fleeting';
import type { SshConnection } from '@taskfleet/fleeting';
import {
  GitlabClient,
  TraceWriter,
  buildRunnerInfo,
  effectiveFailureReason,
  sendFinalUpdate,
  systemClock,
} from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { pino } from 'pino';

// Tests may reach into the emulator's source; product code never does.
import { createSshdInstanceHost } from '../../emulators/aws/src/instances';
import type { SshdInstanceHost, SshdInstanceProcess } from '../../emulators/aws/src/instances';
import { ed25519TestKey } from './support/ssh-key';

jest.setTimeout(90_000);

const logger = pino({ level: 'silent' });
const secret = 'dEploy-s3cr3t-4711';
const loginKey = ed25519TestKey();

const ciYaml = `
variables:
  GREETING: hello
passes:
  before_script:
    - export FROM_BEFORE=carried
    - mkdir -p work && cd work
  script:
    - echo "$GREETING from $(basename "$PWD") $FROM_BEFORE"
    - cat ../README.md
    - git -C .. rev-parse HEAD
    - echo "deploy token is $DEPLOY_TOKEN"
    - stat -c 'mode %a' "$KUBECONFIG"
    - cat "$KUBECONFIG"
    - echo "project dir $CI_PROJECT_DIR"
  after_script:
    - echo "after status $CI_JOB_STATUS in $(basename "$PWD")"
fails:
  script:
    - echo before-failure
    - exit 3
    - echo never-printed
  after_script:
    - echo "after status $CI_JOB_STATUS"
`;

describe('executor: a job from the GitLab emulator run over SSH on a real sshd instance', () => {
  let emulator: GitlabEmulator;
  let host: SshdInstanceHost;
  let instance: SshdInstanceProcess;
  let connection: SshConnection;
  let sourceDir: string;
  let client: GitlabClient;
  let runnerToken: string;
  let sha: string;

  beforeAll(async () => {
    emulator = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
    cleanups.push(() => emulator.close());
    sourceDir = await mkdtemp(join(tmpdir(), 'executor-job-run-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    await writeFile(join(sourceDir, 'README.md'), 'widgets readme\n');
    const project = await emulator.admin.createProject({ path: 'acme/widgets', sourceDir });
    sha = project.sha;
    emulator.admin.setVariable(project.id, { key: 'DEPLOY_TOKEN', value: secret, masked: true });
    emulator.admin.setVariable(project.id, {
      key: 'KUBECONFIG',
      value: 'kind: Config\n',
      file: true,
    });
    runnerToken = emulator.admin.createRunner({ description: 'executor-it' }).token;
    client = new GitlabClient({
      url: emulator.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
      systemId: 's_0123456789ab',
    });
    await emulator.admin.createPipeline(project.id);

    const stateRoot = `/var/tmp/taskfleet-executor-job-run-${process.pid}`;
    cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
    host = createSshdInstanceHost({ stateRoot });
    cleanups.push(() => host.close());
    instance = await host.launch({
      instanceId: `i-e${process.pid.toString(16).padStart(8, '0')}00000001`,
      osUser: 'ec2-user',
      authorizedKeys: [loginKey.public],
      sshPort: 22,
      bootMode: 'ok',
    });
    connection = await dial(
      {
        id: instance.instanceId,
        internalAddr: instance.privateIp,
        os: 'linux',
        arch: 'amd64',
        protocol: 'ssh',
        protocolPort: instance.sshPort,
        username: instance.osUser,
        key: Buffer.from(loginKey.private),
      },
      { connectTimeoutMs: 10_000, keepaliveIntervalMs: 1_000 },
    );
    cleanups.push(() => connection.close());
  });

  // Undone last-first, so a beforeAll that failed half-way still cleans up what it made.
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  });

  /**
   * Requests the next job, accepts it, runs it on `slot` and ends it as the executor's job run
   * does: the final update, a graceful cancel as failed/job_canceled, nothing after an abort.
   */
  async function runNext(
    slot: number,
    options: { on?: SshConnection; watch?: (text: string, jobId: number) => void } = {},
  ) {
    const requested = await client.requestJob({ token: runnerToken });
    if (requested.kind !== 'job') {
      throw new Error(`expected a job, got ${requested.kind}`);
    }
    const job: JobPayload = requested.job;
    await client.acceptJob(job.id, job.token);
    const writer = new TraceWriter({
      client,
      jobId: job.id,
      jobToken: job.token,
      logger,
      clock: systemClock,
      maskedValues: job.variables.filter(v => v.masked).map(v => v.value),
      tokenMaskPrefixes: job.features.token_mask_prefixes,
      updateIntervalMs: 200,
      // A quiet job asks GitLab about itself often, so a cancel is seen within a second.
      forceSendIntervalMs: 500,
    });
    writer.start();
    const outcome = await runJob({
      payload: job,
      connection: options.on ?? connection,
      signal: writer.abortSignal,
      cancelSignal: writer.cancelSignal,
      trace: {
        write: chunk => {
          options.watch?.(chunk.toString(), job.id);
          return writer.write(chunk);
        },
        waitForDrain: () => writer.waitForDrain(),
      },
      buildsDir: 'builds',
      slot,
      clock: systemClock,
      runnerDescription: 'executor-it',
    });
    const summary = await writer.finish(20_000);
    if (outcome.outcome === 'canceled' && outcome.aborted === true) {
      // GitLab ended the job itself: nothing more is sent (reference §4.4, abort).
      expect(summary.stopped).toMatchObject({ jobStatus: 'canceled' });
      return {
        job,
        outcome,
        view: emulator.admin.getJob(job.id),
        trace: emulator.admin.getTrace(job.id),
      };
    }
    expect(summary.complete).toBe(true);
    const delivered = await sendFinalUpdate({
      client,
      jobId: job.id,
      jobToken: job.token,
      update:
        outcome.outcome === 'success'
          ? { state: 'success' }
          : {
              state: 'failed',
              // A graceful cancel goes as GitLab Runner sends it: job_canceled, mapped.
              failureReason:
                outcome.outcome === 'canceled'
                  ? effectiveFailureReason('job_canceled', job.features.failure_reasons)
                  : (outcome.failureReason ?? 'script_failure'),
              ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
            },
      output: () => writer.summary(),
      drainTrace: () => writer.drain(),
      deadlineAtMs: Date.now() + 30_000,
      logger,
    });
    expect(delivered.kind).toBe('delivered');
    return {
      job,
      outcome,
      view: emulator.admin.getJob(job.id),
      trace: emulator.admin.getTrace(job.id),
    };
  }

  /** Runs a command on the instance and returns its stdout. */
  async function onInstance(command: string): Promise<string> {
    let out = '';
    await connection.run({
      command,
      onStdout: chunk => {
        out += chunk.toString('utf8');
      },
    });
    return out;
  }

  it('runs both jobs of the pipeline as GitLab Runner would report them', async () => {
    // Both jobs of one project at once on one instance, each in its own slot (B20).
    const [first, second] = await Promise.all([runNext(0), runNext(1)]);
    const byName = new Map([first, second].map(run => [run.job.job_info.name, run]));
    const passes = byName.get('passes');
    const fails = byName.get('fails');
    if (passes === undefined || fails === undefined) {
      throw new Error(`unexpected jobs ${[...byName.keys()].join(', ')}`);
    }

    // The passing job: state, log with echoed commands, the real checkout, and masking.
    expect(passes.outcome).toEqual({ outcome: 'success' });
    expect(passes.view.status).toBe('success');
    const log = passes.trace;
    expect(log).toContain('Running with taskfleet');
    expect(log).toContain(`Checking out ${sha.slice(0, 8)} as detached HEAD (ref is main)...`);
    expect(log).toContain('Skipping Git submodules setup');
    expect(log).toContain(
      '\u001b[32;1m$ echo "$GREETING from $(basename "$PWD") $FROM_BEFORE"\u001b[0;m\n',
    );
    expect(log).toContain('hello from work carried\n');
    expect(log).toContain('widgets readme\n');
    expect(log).toContain(`${sha}\n`);
    expect(log).toContain('deploy token is [MASKED]\n');
    expect(log).not.toContain(secret);
    expect(log).not.toContain(passes.job.token);
    expect(log).toContain('mode 600\n');
    expect(log).toContain('kind: Config\n');
    expect(log).toMatch(/project dir \/.+\/builds\/\d\/acme\/widgets\n/);
    expect(log).toContain('after status success in widgets\n');
    expect(log).toContain('section_start:');
    expect(log).toContain('Job succeeded');

    // The failing job: script_failure with the exit code, after_script ran, nothing after the failure.
    expect(fails.outcome).toEqual({
      outcome: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
    expect(fails.view).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
    expect(fails.trace).toContain('before-failure\n');
    expect(fails.trace).not.toContain('never-printed\n');
    expect(fails.trace).toContain('after status failed\n');
    expect(fails.trace).toContain('ERROR: Job failed: exit code 3');

    // Each slot had its own work tree; no token in .git/config; file variables gone.
    const passDir = `builds/${passes === first ? 0 : 1}/acme/widgets`;
    const failDir = `builds/${fails === first ? 0 : 1}/acme/widgets`;
    expect(
      await onInstance(`test -d ${passDir}/work && test -d ${failDir}/.git && echo both`),
    ).toBe('both\n');
    expect(await onInstance(`test ! -d ${failDir}/work && echo separate`)).toBe('separate\n');
    const gitConfig = await onInstance(`cat ${passDir}/.git/config`);
    expect(gitConfig).toContain('url = http');
    expect(gitConfig).not.toContain(passes.job.token);
    expect(gitConfig).not.toContain('gitlab-ci-token');
    expect(await onInstance(`ls ${passDir}.tmp 2>/dev/null | wc -l`)).toBe('0\n');
  });

  it('fails the job with runner_system_failure when the instance dies under it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'executor-job-lost-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      join(dir, '.gitlab-ci.yml'),
      'sleeper:\n  script:\n    - echo started\n    - sleep 60\n  after_script:\n    - echo after\n',
    );
    const project = await emulator.admin.createProject({ path: 'acme/sleeper', sourceDir: dir });
    await emulator.admin.createPipeline(project.id);
    const doomed = await host.launch({
      instanceId: `i-e${process.pid.toString(16).padStart(8, '0')}00000002`,
      osUser: 'ec2-user',
      authorizedKeys: [loginKey.public],
      sshPort: 22,
      bootMode: 'ok',
    });
    const doomedConnection = await dial(
      {
        id: doomed.instanceId,
        internalAddr: doomed.privateIp,
        os: 'linux',
        arch: 'amd64',
        protocol: 'ssh',
        protocolPort: doomed.sshPort,
        username: doomed.osUser,
        key: Buffer.from(loginKey.private),
      },
      { connectTimeoutMs: 10_000, keepaliveIntervalMs: 500, keepaliveCountMax: 2 },
    );
    cleanups.push(() => doomedConnection.close());
    let seen = '';
    let terminating: Promise<unknown> | undefined;
    const startedAtMs = Date.now();
    const run = await runNext(0, {
      on: doomedConnection,
      watch: text => {
        seen += text;
        if (terminating === undefined && seen.includes('started\n')) {
          terminating = doomed.terminate();
        }
      },
    });
    await terminating;
    expect(Date.now() - startedAtMs).toBeLessThan(30_000);
    expect(run.outcome).toMatchObject({
      outcome: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(run.view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(run.view.exitCode ?? undefined).toBeUndefined();
    expect(run.trace).toContain('started\n');
    expect(run.trace).not.toContain('Running after script');
    expect(run.trace).toContain('ERROR: Job failed (system failure): ');
  });

  it('a job GitLab cancels (forced) ends canceled there, its remote script killed, nothing more sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'executor-job-abort-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      join(dir, '.gitlab-ci.yml'),
      'napper:\n  script:\n    - echo napping\n    - sleep 47\n  after_script:\n    - echo after\n',
    );
    const project = await emulator.admin.createProject({ path: 'acme/napper', sourceDir: dir });
    await emulator.admin.createPipeline(project.id);
    const sleeping = (): boolean =>
      instance.processIds().some(pid => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep\u000047');
        } catch {
          return false;
        }
      });
    let seen = '';
    let watching = false;
    let sawSleep = false;
    const run = await runNext(3, {
      watch: (text, jobId) => {
        seen += text;
        if (!watching && seen.includes('napping\n')) {
          watching = true;
          // Cancel once the remote sleep is seen, so the check below is known to see it.
          void (async () => {
            const until = Date.now() + 5_000;
            while (!sleeping() && Date.now() < until) {
              await new Promise(resolve => setTimeout(resolve, 20));
            }
            sawSleep = sleeping();
            emulator.admin.cancelJob(jobId, 'forced');
          })();
        }
      },
    });
    expect(run.outcome).toEqual({ outcome: 'canceled', aborted: true });
    expect(run.view.status).toBe('canceled');
    // GitLab Runner sends no final state after an abort: GitLab's state stays its own.
    expect(run.view.finalUpdate).toBeUndefined();
    // What the job printed after GitLab's last acknowledgement is not sent either.
    expect(run.trace).not.toContain('Running after script');
    const deadline = Date.now() + 5_000;
    while (sleeping() && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    expect(sawSleep).toBe(true);
    expect(sleeping()).toBe(false);
  });
});
