/** Builders of config.toml text for tests: a minimal valid file with chosen keys replaced. */

/** TOML key → TOML literal as written (`'"aws"'`, `'3'`); undefined removes a base key. */
export type TomlSection = Readonly<Record<string, string | undefined>>;

/** Overrides of {@link configText}, each merged over the minimal file's section. */
export interface ConfigTextParts {
  readonly global?: TomlSection;
  readonly runner?: TomlSection;
  readonly autoscaler?: TomlSection;
  readonly pluginConfig?: TomlSection;
  /** Raw TOML appended after `[runners.autoscaler.plugin_config]` (policies, connector, …). */
  readonly tail?: string;
}

/** A 32-byte payload key (base64) that tests pass in their env. */
export const testEncryptionKeyBase64 = Buffer.alloc(32, 7).toString('base64');

/** An env holding only the required payload key. */
export const testEnv: Readonly<Record<string, string>> = {
  TASKFLEET_PAYLOAD_ENCRYPTION_KEY: testEncryptionKeyBase64,
};

/** The runner token of the minimal file; tests check it never leaks. */
export const testRunnerToken = 'glrt-fixture-token-0123456789';

function render(header: string, base: TomlSection, overrides: TomlSection = {}): string {
  const merged = { ...base, ...overrides };
  const lines = Object.entries(merged)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key} = ${value}`);
  return [header, ...lines].filter(line => line !== '').join('\n');
}

/** Renders the minimal valid config with `parts` merged in. */
export function configText(parts: ConfigTextParts = {}): string {
  return [
    render('', { concurrent: '4' }, parts.global),
    render(
      '[[runners]]',
      {
        url: '"https://gitlab.example.com"',
        token: JSON.stringify(testRunnerToken),
        executor: '"instance"',
      },
      parts.runner,
    ),
    render('[runners.autoscaler]', { plugin: '"aws"' }, parts.autoscaler),
    render('[runners.autoscaler.plugin_config]', { name: '"test-asg"' }, parts.pluginConfig),
    parts.tail ?? '',
  ].join('\n');
}
