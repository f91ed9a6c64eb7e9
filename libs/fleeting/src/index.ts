/** Placeholder until the instance-group port lands. */
export const fleetingPortVersion = 1;
