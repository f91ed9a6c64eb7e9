/** The emulator's version, reported by the launcher. */
export const emulatorAwsVersion = '0.1.0';
