import type { Clock } from '../clock';
import { GitlabEmulatorError } from '../errors';

/**
 * An injected failure: a fixed status (5xx, 429 …), a connection destroyed mid-request, or a
 * redirect (GitLab's 307 of an artifact upload to object storage).
 */
export interface FaultInput {
  /** Only requests with this method (any when absent). */
  readonly method?: string;
  /** Path glob: `*` matches within one segment, `**` across segments, e.g. `/api/v4/jobs/*`. */
  readonly path: string;
  readonly kind: 'status' | 'drop' | 'redirect';
  /** For `status`: the HTTP status to answer (e.g. 502, 503, 429); for `redirect` 3xx (307). */
  readonly status?: number;
  /**
   * For `redirect`: the `Location`; the request's own path and query on the emulator's second
   * listener (`redirectUrl`) unless given.
   */
  readonly location?: string;
  /** For `status`: a `Retry-After` header in whole seconds. */
  readonly retryAfterSec?: number;
  /**
   * For `drop`: `request` destroys the socket before the handler runs; `response` lets the
   * handler run (state changes happen) and destroys the socket instead of answering.
   */
  readonly dropAt?: 'request' | 'response';
  /** The fault applies to this many matching requests, then ends. */
  readonly count?: number;
  /** The fault applies for this long from creation (on the emulator's clock), then ends. */
  readonly durationMs?: number;
}

/** A fault window as stored and reported. */
export interface FaultRule extends FaultInput {
  readonly id: number;
  readonly createdAtMs: number;
  hits: number;
}

/** Per-token request budget in fixed windows, answering 429 + `Retry-After` when spent. */
export interface RateLimitInput {
  readonly method?: string;
  readonly path: string;
  readonly limit: number;
  readonly windowMs: number;
  /** GitLab sends 60. */
  readonly retryAfterSec?: number;
}

/** A rate limit as stored and reported. */
export interface RateLimitRule extends RateLimitInput {
  readonly id: number;
  limited: number;
}

/** The decision for one request. */
export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSec: number | undefined }
  | { readonly kind: 'drop'; readonly dropAt: 'request' | 'response' }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string | undefined }
  | { readonly kind: 'rate_limit'; readonly retryAfterSec: number };

/** Turns a path glob into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

interface Compiled<T> {
  readonly rule: T;
  readonly pattern: RegExp;
}

/** The admin-configured fault windows and rate limits, evaluated on the injected clock. */
export class FaultRules {
  private nextId = 1;
  private faults: Compiled<FaultRule>[] = [];
  private limits: Compiled<RateLimitRule>[] = [];
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(private readonly clock: Clock) {}

  addFault(input: FaultInput): FaultRule {
    if (
      input.kind === 'status' &&
      (input.status === undefined || input.status < 100 || input.status > 599)
    ) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not add fault: status must be 100-599',
      );
    }
    if (
      input.kind === 'redirect' &&
      input.status !== undefined &&
      (input.status < 300 || input.status > 399)
    ) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not add fault: a redirect status must be 300-399',
      );
    }
    if (input.count === undefined && input.durationMs === undefined) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not add fault: count or durationMs needed',
      );
    }
    const rule: FaultRule = { ...input, id: this.nextId++, createdAtMs: this.clock.now(), hits: 0 };
    this.faults.push({ rule, pattern: globToRegExp(input.path) });
    return rule;
  }

  addRateLimit(input: RateLimitInput): RateLimitRule {
    if (!(input.limit >= 0) || !(input.windowMs > 0)) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not add rate limit: limit and windowMs needed',
      );
    }
    const rule: RateLimitRule = { ...input, id: this.nextId++, limited: 0 };
    this.limits.push({ rule, pattern: globToRegExp(input.path) });
    return rule;
  }

  remove(id: number): void {
    this.faults = this.faults.filter(f => f.rule.id !== id);
    this.limits = this.limits.filter(l => l.rule.id !== id);
  }

  clear(): void {
    this.faults = [];
    this.limits = [];
    this.windows.clear();
  }

  list(): { faults: FaultRule[]; rateLimits: RateLimitRule[] } {
    return { faults: this.faults.map(f => f.rule), rateLimits: this.limits.map(l => l.rule) };
  }

  /** Decides what happens to a request; counts it against matching faults and limits. */
  decide(method: string, path: string, token: string | undefined): FaultDecision {
    const nowMs = this.clock.now();
    for (const { rule, pattern } of this.faults) {
      if (!this.isLive(rule, nowMs) || !matches(rule, pattern, method, path)) {
        continue;
      }
      rule.hits++;
      if (rule.kind === 'drop') {
        return { kind: 'drop', dropAt: rule.dropAt ?? 'request' };
      }
      if (rule.kind === 'redirect') {
        return { kind: 'redirect', status: rule.status ?? 307, location: rule.location };
      }
      return { kind: 'status', status: rule.status ?? 500, retryAfterSec: rule.retryAfterSec };
    }
    for (const { rule, pattern } of this.limits) {
      if (!matches(rule, pattern, method, path)) {
        continue;
      }
      const key = `${rule.id}:${token ?? ''}`;
      let window = this.windows.get(key);
      if (window === undefined || nowMs - window.startMs >= rule.windowMs) {
        window = { startMs: nowMs, count: 0 };
        this.windows.set(key, window);
      }
      window.count++;
      if (window.count > rule.limit) {
        rule.limited++;
        return { kind: 'rate_limit', retryAfterSec: rule.retryAfterSec ?? 60 };
      }
    }
    return { kind: 'none' };
  }

  private isLive(rule: FaultRule, nowMs: number): boolean {
    if (rule.count !== undefined && rule.hits >= rule.count) {
      return false;
    }
    return rule.durationMs === undefined || nowMs < rule.createdAtMs + rule.durationMs;
  }
}

function matches(
  rule: { readonly method?: string },
  pattern: RegExp,
  method: string,
  path: string,
): boolean {
  return (rule.method === undefined || rule.method.toUpperCase() === method) && pattern.test(path);
}
