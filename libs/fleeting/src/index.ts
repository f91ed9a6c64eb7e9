export { FleetingError, isRetryableCode } from './errors';
export type { FleetingErrorCode, FleetingErrorJson, FleetingErrorOptions } from './errors';
export { buildConnectInfo } from './port/build-connect-info';
export type { DiscoveredInstance } from './port/build-connect-info';
export { DEFAULT_PROTOCOL_PORTS, redactConnectInfo } from './port/connector-config';
export type {
  ConnectInfo,
  ConnectorConfig,
  ConnectorProtocol,
  InstanceArch,
  InstanceOs,
} from './port/connector-config';
export type {
  CallOptions,
  DecreaseFailure,
  DecreaseResult,
  IncreaseResult,
  InspectableGroup,
  InstanceGroup,
  RemovalHoldGroup,
  StrayAwareGroup,
} from './port/instance-group';
export { supportsInspect, supportsRemovalHolds, supportsStrays } from './port/instance-group';
export type { InstanceFacts, LostReason, StrayInstance } from './port/instance-facts';
export type {
  InterruptionMessage,
  InterruptionNotice,
  InterruptionSource,
} from './port/interruption-notice';
export type { InstanceState, InstanceStatus, RemovalHold } from './port/instance-state';
export type { ProviderCapability, ProviderInfo } from './port/provider-info';
export { classifySshError } from './ssh/classify-ssh-error';
export type { SshPhase } from './ssh/classify-ssh-error';
export { dial } from './ssh/dial';
export { generateEd25519KeyPair } from './ssh/generate-key-pair';
export type { Ed25519KeyPair } from './ssh/generate-key-pair';
export type { DialOptions } from './ssh/dial';
export type {
  OutputSink,
  RemoteCommand,
  RemoteSignal,
  RunOptions,
  RunResult,
} from './ssh/run-types';
export { SshConnection } from './ssh/ssh-connection';
