/** Placeholder until the runner API client lands. */
export const gitlabApiVersion = 'v4';
