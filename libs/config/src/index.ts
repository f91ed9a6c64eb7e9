/** Placeholder until the config.toml reader lands. */
export const configSchemaVersion = 1;
