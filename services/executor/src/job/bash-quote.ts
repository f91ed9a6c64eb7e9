/** Quotes `text` as one word for bash or POSIX sh; every byte (quotes, `$`, backticks, newlines) stays literal. */
export function shellQuote(text: string): string {
  // Single quotes suspend every expansion; a quote inside is closed, escaped and reopened.
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A shell line that prints `text` and a newline literally (printf is a builtin in bash and sh). */
export function printLine(text: string): string {
  return `printf '%s\\n' ${shellQuote(text)}`;
}

/** Matches a name the shell accepts in `export NAME=…`. */
export const shellNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
