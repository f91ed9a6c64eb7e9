import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { ManualClock } from '../clock';
import {
  startGitlabEmulator,
  type GitlabEmulator,
  type GitlabEmulatorOptions,
} from '../start-emulator';

/** The runner info a two-phase, graceful-cancel runner (gitlab-runner 19.4) sends. */
export const modernInfo = {
  name: 'gitlab-runner',
  version: '19.4.0',
  features: { two_phase_job_commit: true, cancel_gracefully: true, trace_checksum: true },
  config: { gpus: '' },
};

/** A job a unit test wants in its pipeline; all jobs share one stage unless `stage` says otherwise. */
export interface JobSpec {
  readonly name: string;
  readonly stage?: 'build' | 'test';
  readonly tags?: readonly string[];
  readonly manual?: boolean;
}

/** A started emulator with a manual clock and one project. */
export interface Harness {
  readonly emulator: GitlabEmulator;
  readonly clock: ManualClock;
  readonly projectId: number;
  /** Commits a `.gitlab-ci.yml` with these jobs and creates a pipeline; returns ids in spec order. */
  pipeline(specs?: readonly JobSpec[]): Promise<number[]>;
  /** Commits a literal `.gitlab-ci.yml` and creates a pipeline; returns the named jobs' ids. */
  pipelineYaml(yaml: string, names: readonly string[]): Promise<number[]>;
  close(): Promise<void>;
}

/** The `.gitlab-ci.yml` for a list of job specs. */
export function ciYaml(specs: readonly JobSpec[]): string {
  const jobs = specs.map(spec => ({
    [spec.name]: {
      stage: spec.stage ?? 'test',
      script: [`echo ${spec.name}`],
      ...(spec.tags === undefined ? {} : { tags: spec.tags }),
      ...(spec.manual === true ? { when: 'manual' } : {}),
    },
  }));
  return stringify(Object.assign({ stages: ['build', 'test'] }, ...jobs));
}

/** Starts an emulator (real CI and git modules) for a unit test of the runner API. */
export async function startHarness(options: GitlabEmulatorOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const emulator = await startGitlabEmulator({
    clock,
    longPollTimeoutMs: 0,
    ackTimeoutMs: 10_000,
    ...options,
  });
  const sourceDir = await mkdtemp(join(tmpdir(), 'gitlab-harness-src-'));
  await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml([{ name: 'test' }]));
  const project = await emulator.admin.createProject({ path: 'acme/widgets', sourceDir });
  const commitAndRun = async (yaml: string, names: readonly string[]): Promise<number[]> => {
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), yaml);
    await emulator.admin.commitToProject(project.id, { sourceDir });
    const view = await emulator.admin.createPipeline(project.id);
    return names.map(name => {
      const job = view.jobs.find(j => j.name === name);
      if (job === undefined) {
        throw new Error(`no job ${name}`);
      }
      return job.id;
    });
  };
  return {
    emulator,
    clock,
    projectId: project.id,
    pipeline: async (specs = [{ name: 'test' }]) =>
      commitAndRun(
        ciYaml(specs),
        specs.map(spec => spec.name),
      ),
    pipelineYaml: commitAndRun,
    close: async () => {
      await emulator.close();
      await rm(sourceDir, { recursive: true, force: true });
    },
  };
}

/** Response JSON as tests read it: any shape, checked by the test's own expectations. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Sends a JSON request to the emulator and returns status, headers and body text. */
export async function call(
  url: string,
  init: {
    method?: string;
    json?: unknown;
    body?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Json }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | Buffer | undefined = init.body;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url, { method: init.method ?? 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: (): Json => JSON.parse(text),
  };
}

/** `POST /jobs/request` as gitlab-runner sends it. */
export function requestJob(
  emulator: GitlabEmulator,
  token: string,
  lastUpdate?: string,
  info: unknown = modernInfo,
) {
  return call(`${emulator.url}/api/v4/jobs/request`, {
    json: {
      token,
      info,
      system_id: 's_0123456789ab',
      ...(lastUpdate === undefined ? {} : { last_update: lastUpdate }),
    },
    headers: { 'RUNNER-TOKEN': token, Accept: 'application/json' },
  });
}

/** `PUT /jobs/:id` with a job token. */
export function updateJob(
  emulator: GitlabEmulator,
  jobId: number,
  token: string,
  body: Record<string, unknown>,
) {
  return call(`${emulator.url}/api/v4/jobs/${jobId}`, {
    method: 'PUT',
    json: { info: modernInfo, token, output: {}, ...body },
    headers: { 'JOB-TOKEN': token },
  });
}

/** `PATCH /jobs/:id/trace` with an inclusive `Content-Range`. */
export function patchTrace(
  emulator: GitlabEmulator,
  jobId: number,
  token: string,
  start: number,
  text: string,
) {
  const bytes = Buffer.from(text);
  return call(`${emulator.url}/api/v4/jobs/${jobId}/trace?debug_trace=false`, {
    method: 'PATCH',
    body: bytes,
    headers: {
      'JOB-TOKEN': token,
      'Content-Type': 'text/plain',
      'Content-Range': `${start}-${start + bytes.length - 1}`,
    },
  });
}

/** Takes a job with a fresh runner and acks it; returns the runner token, job id and job token. */
export async function takeAndAck(
  h: Harness,
  runnerToken: string,
): Promise<{ jobId: number; jobToken: string }> {
  const got = await requestJob(h.emulator, runnerToken);
  if (got.status !== 201) {
    throw new Error(`expected 201, got ${got.status}`);
  }
  const payload = got.json() as { id: number; token: string };
  const ack = await updateJob(h.emulator, payload.id, payload.token, { state: 'running' });
  if (ack.status !== 200) {
    throw new Error(`ack failed with ${ack.status}`);
  }
  return { jobId: payload.id, jobToken: payload.token };
}

/** Lets the event loop run until `condition` holds (bounded), e.g. until a request is held. */
export async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) {
    await new Promise(resolve => setImmediate(resolve));
  }
  if (!condition()) {
    throw new Error('condition not reached');
  }
}
