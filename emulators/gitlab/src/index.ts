/** The emulator's version, reported by the launcher. */
export const emulatorGitlabVersion = '0.1.0';
