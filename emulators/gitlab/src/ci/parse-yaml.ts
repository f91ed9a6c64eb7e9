import { parseAllDocuments, type ScalarTag, type Tags } from 'yaml';
import { referenceTag } from './yaml-reference';

// Psych reads only yes/true/on and no/false/off (any case) as booleans; YAML 1.1's y/n stay text.
const psychBooleans: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    identify: value => value === true,
    test: /^(?:yes|true|on)$/i,
    resolve: () => true,
  },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    identify: value => value === false,
    test: /^(?:no|false|off)$/i,
    resolve: () => false,
  },
];

function ciTags(tags: Tags): Tags {
  const others = tags.filter(
    tag => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:bool',
  );
  return [...psychBooleans, ...others, referenceTag];
}

/** The result of parsing one YAML file: its value, or the parser's first complaint. */
export type ParsedYaml = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses YAML the way GitLab's Psych loader reads `.gitlab-ci.yml`: YAML 1.1 scalars, anchors,
 * aliases and `<<` merge keys, duplicate keys allowed (last wins), and the `!reference` tag.
 */
export function parseCiYaml(source: string): ParsedYaml {
  const docs = parseAllDocuments(source, {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    customTags: ciTags,
  });
  const list = [...docs];
  const header = list.length > 1 ? (list[0]?.toJS() as unknown) : undefined;
  if (typeof header === 'object' && header !== null && 'spec' in header) {
    // TODO(when-a-test-needs-it): `spec:inputs` headers and `$[[ inputs.* ]]` interpolation are not modelled.
    return { ok: false, message: 'spec:inputs headers are not supported by the emulator' };
  }
  // Like Psych's load, only the first document counts when there is no `spec` header.
  const doc = list[0];
  if (!doc) {
    return { ok: true, value: null };
  }
  const first = doc.errors[0];
  if (first) {
    const position = first.linePos?.[0];
    const where = position ? ` at line ${position.line} column ${position.col}` : '';
    const reason = (first.message.split('\n')[0] ?? 'error').replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    // GitLab shows Psych's message, which names the file "<unknown>" and ends with the position.
    return { ok: false, message: `(<unknown>): ${reason}${where}` };
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) as unknown };
}
