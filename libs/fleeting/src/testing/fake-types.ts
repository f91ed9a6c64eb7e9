import type { ConnectorConfig } from '../port/connector-config';

/** How the in-memory fake group behaves. */
export interface FakeInstanceGroupOptions {
  /** The group's size limit; increases beyond it are cut and report `capacity_exceeded`. */
  readonly maxSize?: number;
  /** Time from `increase` until an instance is `running`. */
  readonly bootDelayMs?: number;
  /** Time from `decrease` until a `deleting` instance is gone. */
  readonly deleteDelayMs?: number;
  /** The clock in ms; defaults to the fake's own, moved only by `tick()`. */
  readonly now?: () => number;
  /** Connector settings, as the scaler passes them to a real provider. */
  readonly settings?: ConnectorConfig;
  readonly providerId?: string;
  /**
   * What every instance id starts with, before 12 hex digits of its number; default `i-fake`.
   * `i-0` plus hex (e.g. `i-0b`) gives ids of EC2's own shape, as EC2 event parsers demand.
   */
  readonly idPrefix?: string;
}

/** One member of the fake group. */
export interface FakeInstance {
  readonly id: string;
  readonly address: string;
  readonly createdAtMs: number;
  deletingSinceMs?: number;
  /** A removal the fake cloud started and holds: it goes ahead at `deadlineMs` or on release. */
  hold?: { timeoutMs: number; deadlineMs: number; extensions: number };
  failsBoot: boolean;
  unhealthy: boolean;
}

/** An instance with the pool's tags outside the group, and when its end was asked for. */
export interface FakeStray {
  readonly createdAtMs: number;
  endingSinceMs?: number;
}
