/**
 * smol-toml, loaded through its CommonJS build: the package's typings are ES-module only, which
 * this CommonJS workspace can reference for types but not import directly under `module: node16`.
 */
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the file comment
const smolToml = require('smol-toml') as typeof SmolToml;

/** smol-toml's `parse`. */
export const parseToml: typeof SmolToml.parse = smolToml.parse;

/** True for smol-toml's syntax error, which carries 1-based `line` and `column`. */
export function isTomlError(error: unknown): error is SmolToml.TomlError {
  return error instanceof smolToml.TomlError;
}
