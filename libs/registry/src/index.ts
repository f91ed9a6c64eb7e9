export { RegistryError } from './errors';
export type { RegistryErrorCode, RegistryErrorOptions } from './errors';
export { InstanceHealth } from './instance-health';
export type { InstanceHealthContext, LostReport } from './instance-health';
export { FleetLedger, LEDGER_RETENTION_MS } from './fleet-ledger';
export type {
  GoneReason,
  GoneResult,
  OrphanSighting,
  TakeOrphanInput,
  TakeOrphanResult,
} from './fleet-ledger';
export { runnerBaseKey } from './keys';
export { readLeaderLease } from './lease-reader';
export type { LeaseView } from './lease-reader';
export { Registry, createRegistry } from './registry';
export type { DrainOptions, RegistryOptions } from './registry';
export { SlotGrantWatch } from './slot-grants';
export type { SlotGrantWatchOptions } from './slot-grants';
export { acceptsClaims } from './snapshot';
export { INSTANCE_STATES } from './types';
export type {
  ClearResult,
  DrainResult,
  FailureResult,
  InstanceAddresses,
  InstanceRecord,
  InstanceState,
  IntakeCounts,
  LeaseResult,
  RegisterInstanceInput,
  RegisterResult,
  RegistrySnapshot,
  ReleaseResult,
  ReserveInput,
  ReserveMode,
  ReserveResult,
  SlotClaim,
  TerminationIntent,
} from './types';
