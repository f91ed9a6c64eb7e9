/** The emulator's version, reported by the launcher. */
export const emulatorAwsVersion = '0.1.0';

export { startAwsEmulator } from './emulator';
export type { AwsEmulator, AwsEmulatorOptions, AwsEmulatorState } from './emulator';
export { createManualClock, createRealClock, isManualClock } from './clock';
export type { Clock, ManualClock, TimerHandle } from './clock';
export { AwsApiError, EmulatorError } from './errors';
export type { AwsFaultType, EmulatorErrorCode } from './errors';
export type { CallRecord } from './model/call-log';
export type { BootSettings } from './model/faults';
export { PUSHED_KEY_LIFETIME_MS } from './instance-connect/pushed-keys';
export type {
  BootMode,
  InstanceHost,
  InstanceLaunchSpec,
  InstanceProcess,
} from './instances/instance-host';
export { InstanceHostError, createSshdInstanceHost } from './instances/index';
export type { SshdInstanceHostOptions } from './instances/index';
