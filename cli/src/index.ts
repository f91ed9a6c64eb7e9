/** Placeholder until the taskfleet command lands. */
export const cliName = 'taskfleet';
