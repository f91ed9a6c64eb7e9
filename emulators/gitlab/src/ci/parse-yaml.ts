import { parseDocument } from 'yaml';
import { referenceTag } from './yaml-reference';

/** The result of parsing one YAML file: its value, or the parser's first complaint. */
export type ParsedYaml = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses YAML the way GitLab's Psych loader reads `.gitlab-ci.yml`: YAML 1.1 scalars, anchors,
 * aliases and `<<` merge keys, duplicate keys allowed (last wins), and the `!reference` tag.
 */
export function parseCiYaml(source: string): ParsedYaml {
  const doc = parseDocument(source, {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    customTags: [referenceTag],
    prettyErrors: false,
  });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0];
    const where = line ? ` at line ${line.line} column ${line.col}` : '';
    const reason =
      first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'error';
    // GitLab shows Psych's message, which starts with the file name it does not know.
    return { ok: false, message: `(<unknown>): ${reason}${where}` };
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) as unknown };
}
