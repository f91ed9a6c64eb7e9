import { GitlabEmulatorError } from '../errors';
import { newQueueValue, newRunnerToken } from './tokens';

/** `instance_type` runners serve every project; `project_type` runners only theirs. */
export type RunnerType = 'instance_type' | 'project_type';

/** What the admin API accepts when creating a runner (as `POST /user/runners` does). */
export interface CreateRunnerInput {
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly runUntagged?: boolean;
  readonly paused?: boolean;
  readonly locked?: boolean;
  readonly runnerType?: RunnerType;
  readonly projectIds?: readonly number[];
  readonly maximumTimeoutSec?: number;
  /** RFC 3339 expiry of the authentication token; absent = never expires. */
  readonly tokenExpiresAt?: string | null;
}

/** One runner manager (a host sharing the runner's token), keyed by `system_id`. */
export interface RunnerManager {
  readonly systemId: string;
  contactedAtMs: number;
  /** `info.features` from the manager's latest verify/request/update call. */
  features: Record<string, unknown>;
  info: Record<string, unknown>;
}

/** The server-side record of a runner. */
export interface RunnerRecord {
  readonly id: number;
  token: string;
  description: string;
  tags: string[];
  runUntagged: boolean;
  paused: boolean;
  locked: boolean;
  readonly runnerType: RunnerType;
  projectIds: number[];
  maximumTimeoutSec: number | undefined;
  tokenExpiresAt: string | null;
  /** How long a token lives (from creation to expiry), for the reset endpoint's new expiry. */
  readonly tokenLifetimeMs: number | undefined;
  /** GitLab's `runner:build_queue:<token>` value, echoed as `X-GitLab-Last-Update`. */
  queueValue: string;
  contactedAtMs: number | undefined;
  readonly managers: Map<string, RunnerManager>;
}

/** The system id GitLab records for runners that send none. */
export const legacySystemId = '<legacy>';

/** All runners, with the long-poll wake-ups that follow their queue values. */
export class RunnerRegistry {
  private nextId = 1;
  private readonly runners = new Map<number, RunnerRecord>();
  private readonly waiters = new Map<number, Set<() => void>>();

  create(input: CreateRunnerInput, nowMs: number): RunnerRecord {
    const runnerType = input.runnerType ?? 'instance_type';
    if (runnerType === 'project_type' && (input.projectIds ?? []).length === 0) {
      throw new GitlabEmulatorError('invalid_request', 'could not create runner: no project');
    }
    // GitLab's own validation: a runner must be able to pick some job.
    if (input.runUntagged === false && (input.tags ?? []).length === 0) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not create runner: tags list can not be empty when runner is not allowed to pick untagged jobs',
      );
    }
    const runner: RunnerRecord = {
      id: this.nextId++,
      token: newRunnerToken(),
      description: input.description ?? '',
      tags: [...(input.tags ?? [])],
      runUntagged: input.runUntagged ?? true,
      paused: input.paused ?? false,
      locked: input.locked ?? false,
      runnerType,
      projectIds: [...(input.projectIds ?? [])],
      maximumTimeoutSec: input.maximumTimeoutSec,
      tokenExpiresAt: input.tokenExpiresAt ?? null,
      tokenLifetimeMs:
        input.tokenExpiresAt == null ? undefined : Date.parse(input.tokenExpiresAt) - nowMs,
      queueValue: newQueueValue(),
      contactedAtMs: undefined,
      managers: new Map(),
    };
    this.runners.set(runner.id, runner);
    return runner;
  }

  get(id: number): RunnerRecord {
    const runner = this.runners.get(id);
    if (runner === undefined) {
      throw new GitlabEmulatorError('not_found', 'could not find runner');
    }
    return runner;
  }

  delete(id: number): void {
    this.get(id);
    this.runners.delete(id);
    this.bump(id);
  }

  /** The runner owning `token`, unless the token is unknown or expired at `nowMs`. */
  authenticate(token: unknown, nowMs: number): RunnerRecord | undefined {
    if (typeof token !== 'string' || token === '') {
      return undefined;
    }
    for (const runner of this.runners.values()) {
      if (runner.token !== token) {
        continue;
      }
      const expired = runner.tokenExpiresAt !== null && Date.parse(runner.tokenExpiresAt) <= nowMs;
      return expired ? undefined : runner;
    }
    return undefined;
  }

  /** Gives the runner a new token (the old one stops working), keeping its token lifetime. */
  resetToken(runner: RunnerRecord, nowMs: number): void {
    runner.token = newRunnerToken();
    if (runner.tokenLifetimeMs !== undefined) {
      runner.tokenExpiresAt = new Date(nowMs + runner.tokenLifetimeMs).toISOString();
    }
  }

  /** The runner with this id, if it still exists. */
  find(id: number | undefined): RunnerRecord | undefined {
    return id === undefined ? undefined : this.runners.get(id);
  }

  all(): RunnerRecord[] {
    return [...this.runners.values()];
  }

  /** Records a contact (heartbeat) of the runner's manager for `systemId`. */
  heartbeat(runner: RunnerRecord, systemId: unknown, info: unknown, nowMs: number): RunnerManager {
    const id = typeof systemId === 'string' && systemId !== '' ? systemId : legacySystemId;
    const infoObject = isObject(info) ? info : {};
    const features = isObject(infoObject.features) ? infoObject.features : {};
    let manager = runner.managers.get(id);
    if (manager === undefined) {
      manager = { systemId: id, contactedAtMs: nowMs, features, info: infoObject };
      runner.managers.set(id, manager);
    }
    manager.contactedAtMs = nowMs;
    if (isObject(info)) {
      manager.info = infoObject;
      manager.features = features;
    }
    runner.contactedAtMs = nowMs;
    return manager;
  }

  /** Changes the runner's queue value and wakes its held long polls, as a new job would. */
  bump(runnerId: number): void {
    const runner = this.runners.get(runnerId);
    if (runner !== undefined) {
      runner.queueValue = newQueueValue();
    }
    const waiting = this.waiters.get(runnerId);
    if (waiting !== undefined) {
      this.waiters.delete(runnerId);
      for (const wake of waiting) {
        wake();
      }
    }
  }

  /** Registers a long-poll wake-up for the runner; the returned function unregisters it. */
  onQueueChange(runnerId: number, wake: () => void): () => void {
    let set = this.waiters.get(runnerId);
    if (set === undefined) {
      set = new Set();
      this.waiters.set(runnerId, set);
    }
    set.add(wake);
    return () => {
      this.waiters.get(runnerId)?.delete(wake);
    };
  }

  /** Wakes every held long poll, e.g. when the emulator shuts down. */
  wakeAll(): void {
    for (const id of [...this.waiters.keys()]) {
      const waiting = this.waiters.get(id);
      this.waiters.delete(id);
      for (const wake of waiting ?? []) {
        wake();
      }
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
