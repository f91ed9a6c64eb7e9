/** One variable as the job's shell sees it: payload variables and the runner's own. */
export interface ShellVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean;
  /** The value goes to a file; the variable holds the file's path. */
  readonly file?: boolean;
  /** The value is used as is, with no `$VAR` expansion. */
  readonly raw?: boolean;
}

const specialNames = new Set([
  '*',
  '#',
  '$',
  '@',
  '!',
  '?',
  '-',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]);

/**
 * Expands `$NAME` and `${NAME}` in `value` the way GitLab Runner does (Go's `os.Expand` with
 * the job's variables as the mapping): an unknown name becomes empty, `$$` stays `$`, a bad
 * `${…` is dropped, and a `$` before anything else is kept.
 */
export function expandValue(value: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar < 0 || dollar === value.length - 1) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, dollar);
    const { name, width } = shellName(value, dollar + 1);
    if (name === '' && width > 0) {
      // Bad syntax such as `${` or `${}`: Go drops those characters.
    } else if (name === '') {
      out += '$';
    } else {
      // GitLab Runner maps `$$` to a literal `$` so users can escape one.
      out += name === '$' ? '$' : (lookup(name) ?? '');
    }
    i = dollar + 1 + width;
  }
  return out;
}

/** The variable name after a `$` at `start`, and how many characters it spans (Go's getShellName). */
function shellName(text: string, start: number): { name: string; width: number } {
  const first = text[start] ?? '';
  if (first === '{') {
    const second = text[start + 1] ?? '';
    if (specialNames.has(second) && text[start + 2] === '}') {
      return { name: second, width: 3 };
    }
    const close = text.indexOf('}', start + 1);
    if (close < 0) {
      return { name: '', width: 1 };
    }
    if (close === start + 1) {
      return { name: '', width: 2 };
    }
    return { name: text.slice(start + 1, close), width: close - start + 1 };
  }
  if (specialNames.has(first)) {
    return { name: first, width: 1 };
  }
  let end = start;
  while (end < text.length && /[A-Za-z0-9_]/.test(text[end] ?? '')) {
    end += 1;
  }
  return { name: text.slice(start, end), width: end - start };
}

/**
 * Expands every non-raw variable against the whole list (the last definition of a name wins;
 * a file variable stands for its path, as GitLab Runner does since 15.7). One pass, against
 * the unexpanded values, as GitLab Runner's `JobVariables.Expand` does.
 */
export function expandVariables(
  variables: readonly ShellVariable[],
  filePathOf: (key: string) => string,
): ShellVariable[] {
  const byName = new Map<string, ShellVariable>();
  for (const variable of variables) {
    byName.set(variable.key, variable);
  }
  const lookup = (name: string): string | undefined => {
    const found = byName.get(name);
    if (found === undefined) {
      return undefined;
    }
    return found.file === true ? filePathOf(found.key) : found.value;
  };
  return variables.map(variable =>
    variable.raw === true ? variable : { ...variable, value: expandValue(variable.value, lookup) },
  );
}
