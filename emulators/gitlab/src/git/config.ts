/** The process environment the git child processes inherit, read once at module load. */
export const gitBaseEnv: Readonly<Record<string, string>> = Object.freeze({
  // git and its helpers (git-upload-pack, git-http-backend) are found through PATH.
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  // Keep the user's and the machine's git configuration (signing, hooks, autocrlf) out of the
  // emulator, so repositories behave the same on every machine.
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
});
