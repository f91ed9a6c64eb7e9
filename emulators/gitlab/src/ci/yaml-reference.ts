import type { CollectionTag } from 'yaml';

/** A `!reference [job, key, ...]` tag, kept as a marker until references are resolved. */
export class YamlReference {
  constructor(readonly path: readonly unknown[]) {}

  /** The tag as the user wrote it, for error messages. */
  toString(): string {
    return `!reference [${this.path.map(part => JSON.stringify(part)).join(', ')}]`;
  }
}

/** The `yaml` package custom tag that turns `!reference` sequences into {@link YamlReference}. */
export const referenceTag: CollectionTag = {
  tag: '!reference',
  collection: 'seq',
  identify: value => value instanceof YamlReference,
  resolve: seq => new YamlReference(seq.toJSON() as unknown[]),
};
