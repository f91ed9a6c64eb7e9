export type { LauncherErrorCode } from './errors';
export { LauncherError } from './errors';
export type { LauncherOptions } from './launcher-options';
export { launcherCommand } from './launcher-options';
export type {
  EmulatorUrls,
  LauncherInstanceHost,
  RunningEmulators,
  StartEmulatorsOptions,
} from './start-emulators';
export { startEmulators } from './start-emulators';
export type { StopSignalMeaning } from './repeat-signal';
export { StopSignalTracker, sameStopWindowMs } from './repeat-signal';
