import { shellQuote } from './bash-quote';

// GitLab Runner's colour for echoed commands, as printf escapes the shell expands.
const echoFormat = String.raw`'\033[32;1m%s\033[0;m\n'`;

/** The text GitLab Runner echoes for `command`: its first line, plus a marker if it had more. */
export function echoedCommand(command: string): string {
  const trimmed = command.trim();
  const newline = trimmed.indexOf('\n');
  if (newline < 0) {
    return `$ ${trimmed}`;
  }
  return `$ ${trimmed.slice(0, newline).trimEnd()} # collapsed multi-line command`;
}

/**
 * The user commands of one step: each echoed as `$ command` in green, then run. The whole list
 * runs under `eval` with stdin from /dev/null: the script itself arrives on the shell's stdin,
 * which a command reading stdin must neither see nor consume, and bash has read the eval'd
 * text completely before it runs any of it.
 */
export function stageBody(commands: readonly string[]): string {
  const lines: string[] = [];
  for (const command of commands) {
    if (command.trim() === '') {
      continue;
    }
    lines.push(`printf ${echoFormat} ${shellQuote(echoedCommand(command))}`, command);
  }
  if (lines.length === 0) {
    return ':';
  }
  return `eval ${shellQuote(lines.join('\n'))} </dev/null`;
}
