import { decryptPayload, encryptPayload } from '@taskfleet/job-queue';
import type { EncryptedPayload } from '@taskfleet/job-queue';
import type { Cluster, Redis } from 'ioredis';

import { ExecutorError } from '../errors';
import { ADVANCE_JOB, DELIVER_JOB, RELEASE_JOB, RENEW_JOB, TAKE_JOB } from './job-record-scripts';
import type { ReportTarget } from './report-target';

/**
 * Where a job stands: `claimed` (taken, script not started), `started` (the script may have
 * run), `finished` (final state in the outbox, not yet delivered), `delivered` (GitLab has it).
 */
export type JobStage = 'claimed' | 'started' | 'finished' | 'delivered';

/** The final state of a job and the part of its log GitLab has not stored yet. */
export interface OutboxEntry {
  readonly state: 'success' | 'failed';
  readonly failureReason?: string;
  readonly exitCode?: number;
  /** Over the whole log; absent when the log continues one whose head is not held here. */
  readonly checksum?: string;
  readonly bytesize?: number;
  /**
   * Absolute offset of the first byte of `log` (0 when the whole log is held), or null: append
   * `log` at whatever length GitLab has stored (a takeover's closing lines).
   */
  readonly logFromOffset: number | null;
  /** The log from `logFromOffset` on. */
  readonly log: Buffer;
  /**
   * Bytes GitLab had acknowledged when the outbox was written: sending resumes there, and the
   * held bytes before it answer a 412 or a lower 416. Absent: `logFromOffset` (nothing held before).
   */
  readonly logSentBytes?: number;
  /** Epoch ms after which re-sending stops (an hour after the job finished by default). */
  readonly deadlineAtMs: number;
}

/**
 * The largest log an outbox holds whole (from byte 0), so a 412 can be answered by re-sending it,
 * also by another executor; a bigger log keeps only its unacknowledged tail there.
 */
export const outboxWholeLogMaxBytes = 1024 * 1024;

/** Result of take: refused while another owner's lease is live. */
export type TakeResult =
  | { readonly taken: false; readonly owner: string; readonly stage: JobStage | undefined }
  | {
      readonly taken: true;
      readonly stage: JobStage;
      readonly previousOwner: string | undefined;
      readonly target: ReportTarget | undefined;
      readonly outbox: OutboxEntry | undefined;
    };

/** Options of JobRecords. */
export interface JobRecordsOptions {
  readonly redis: Redis | Cluster;
  /** The registry's hash-tagged base key, so records live in the runner's Cluster slot. */
  readonly baseKey: string;
  /** Key for the secrets a record holds (the payload key: the job token is inside). */
  readonly payloadKey: Buffer;
  /** How long a record outlives its last change; longer than any redelivery can come. */
  readonly ttlMs?: number;
}

const defaultTtlMs = 7 * 24 * 3600_000;

type ScriptFn = (recordKey: string, openKey: string, ...args: string[]) => Promise<unknown>;

const SCRIPT_NAMES = new Map<string, string>([
  [TAKE_JOB, 'tfJobTake'],
  [RENEW_JOB, 'tfJobRenew'],
  [ADVANCE_JOB, 'tfJobAdvance'],
  [DELIVER_JOB, 'tfJobDeliver'],
  [RELEASE_JOB, 'tfJobRelease'],
]);

/** Defines the script on the client once (ioredis then sends EVALSHA) and returns its name. */
function defineJobScripts(redis: Redis | Cluster, lua: string): string {
  const name = SCRIPT_NAMES.get(lua) ?? 'tfJobUnknown';
  if ((redis as unknown as Record<string, unknown>)[name] === undefined) {
    redis.defineCommand(name, { numberOfKeys: 2, lua });
  }
  return name;
}

interface OutboxJson extends Omit<OutboxEntry, 'log'> {
  readonly log: string;
}

const STAGES: ReadonlySet<string> = new Set(['claimed', 'started', 'finished', 'delivered']);

function stageOrUndefined(value: unknown): JobStage | undefined {
  return typeof value === 'string' && STAGES.has(value) ? (value as JobStage) : undefined;
}

/**
 * The durable progress of every job of one runner (`B:job:<id>`): who runs it under a lease,
 * how far it got, its report target and its final-state outbox, all secrets encrypted. Every
 * change is one Lua script fenced by the owner, so a run that lost its lease changes nothing.
 */
export class JobRecords {
  private readonly ttlMs: number;

  constructor(private readonly options: JobRecordsOptions) {
    this.ttlMs = options.ttlMs ?? defaultTtlMs;
  }

  /** The record key of one job. */
  keyOf(jobId: number): string {
    return `${this.options.baseKey}:job:${jobId}`;
  }

  /** The index of jobs whose final state is not yet delivered. */
  get openKey(): string {
    return `${this.options.baseKey}:jobs-open`;
  }

  /** Takes the job for `owner` for `leaseMs`, creating its record (with `target`) if new. */
  async take(
    jobId: number,
    owner: string,
    nowMs: number,
    leaseMs: number,
    target: ReportTarget | undefined,
  ): Promise<TakeResult> {
    const r = await this.run(TAKE_JOB, jobId, [
      owner,
      nowMs,
      leaseMs,
      this.ttlMs,
      jobId,
      target === undefined ? '' : this.seal(target),
    ]);
    if (r.taken !== true) {
      return { taken: false, owner: String(r.owner), stage: stageOrUndefined(r.stage) };
    }
    return {
      taken: true,
      stage: stageOrUndefined(r.stage) ?? 'claimed',
      previousOwner: typeof r.previousOwner === 'string' ? r.previousOwner : undefined,
      target:
        typeof r.target === 'string' && r.target !== '' ? this.openTarget(r.target) : undefined,
      outbox: typeof r.outbox === 'string' ? this.openOutbox(r.outbox) : undefined,
    };
  }

  /** Extends the owner's lease; false when another owner has taken the job over. */
  async renew(jobId: number, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const r = await this.run(RENEW_JOB, jobId, [owner, nowMs, leaseMs, jobId]);
    return r.renewed === true;
  }

  /** claimed → started, only while `owner` holds the job: false means do not run the script. */
  async markStarted(jobId: number, owner: string, nowMs: number): Promise<boolean> {
    const r = await this.run(ADVANCE_JOB, jobId, [owner, nowMs, 'claimed', 'started', '', jobId]);
    return r.advanced === true;
  }

  /** Stores the final state in the outbox (claimed | started | finished → finished) for `owner`. */
  async markFinished(
    jobId: number,
    owner: string,
    nowMs: number,
    outbox: OutboxEntry,
  ): Promise<boolean> {
    const sealed = encryptPayload(
      JSON.stringify({ ...outbox, log: outbox.log.toString('base64') } satisfies OutboxJson),
      this.options.payloadKey,
    );
    const r = await this.run(ADVANCE_JOB, jobId, [
      owner,
      nowMs,
      'claimed,started,finished',
      'finished',
      JSON.stringify(sealed),
      jobId,
    ]);
    return r.advanced === true;
  }

  /** The final state is with GitLab (or GitLab no longer has the job): drops the secrets. */
  async markDelivered(jobId: number, nowMs: number): Promise<void> {
    await this.run(DELIVER_JOB, jobId, [nowMs, jobId]);
  }

  /** Gives up the lease at once, so another executor can take the job without waiting. */
  async release(jobId: number, owner: string): Promise<void> {
    await this.run(RELEASE_JOB, jobId, [owner, jobId]);
  }

  /** Where the job stands, or undefined when no executor ever took it. */
  async stageOf(jobId: number): Promise<JobStage | undefined> {
    return stageOrUndefined(await this.options.redis.hget(this.keyOf(jobId), 'stage'));
  }

  /** Up to `limit` undelivered jobs whose owner's lease ran out by `nowMs`, oldest first. */
  async orphanedJobIds(nowMs: number, limit: number): Promise<number[]> {
    const ids = await this.options.redis.zrangebyscore(
      this.openKey,
      '-inf',
      nowMs,
      'LIMIT',
      0,
      limit,
    );
    return ids.map(Number).filter(id => Number.isSafeInteger(id));
  }

  private async run(
    lua: string,
    jobId: number,
    args: readonly (string | number)[],
  ): Promise<Record<string, unknown>> {
    const fn = (this.options.redis as unknown as Record<string, ScriptFn>)[
      defineJobScripts(this.options.redis, lua)
    ];
    let raw: unknown;
    try {
      raw = await fn?.call(
        this.options.redis,
        this.keyOf(jobId),
        this.openKey,
        ...args.map(String),
      );
    } catch (cause) {
      throw new ExecutorError('job_record_unavailable', 'could not update job record', { cause });
    }
    return JSON.parse(String(raw)) as Record<string, unknown>;
  }

  private seal(value: unknown): string {
    return JSON.stringify(encryptPayload(JSON.stringify(value), this.options.payloadKey));
  }

  private open(sealed: string): unknown {
    try {
      return JSON.parse(
        decryptPayload(JSON.parse(sealed) as EncryptedPayload, this.options.payloadKey),
      );
    } catch (cause) {
      throw new ExecutorError('job_record_unreadable', 'could not decrypt job record', { cause });
    }
  }

  private openTarget(sealed: string): ReportTarget {
    return this.open(sealed) as ReportTarget;
  }

  private openOutbox(sealed: string): OutboxEntry {
    const json = this.open(sealed) as OutboxJson;
    return { ...json, log: Buffer.from(json.log, 'base64') };
  }
}
