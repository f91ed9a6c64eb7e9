// ANSI sequences GitLab's log viewer understands, as GitLab Runner writes them.
/** Resets colour and bold. */
export const ansiReset = '\u001b[0;m';
/** Bold green: echoed commands and "Job succeeded". */
export const ansiBoldGreen = '\u001b[32;1m';
/** Bold cyan: stage headers. */
export const ansiBoldCyan = '\u001b[36;1m';
/** Bold red: "ERROR: Job failed". */
export const ansiBoldRed = '\u001b[31;1m';
/** Yellow: warnings. */
export const ansiYellow = '\u001b[0;33m';
/** Clears the rest of the line; ends every section marker. */
export const ansiClearLine = '\u001b[0K';

/** The stage names GitLab Runner uses as section names in the log. */
export type SectionName =
  | 'prepare_executor'
  | 'prepare_script'
  | 'get_sources'
  | 'step_script'
  | 'after_script'
  | 'cleanup_file_variables'
  | `step_${string}`;

/** Options of a section start marker. */
export interface SectionOptions {
  readonly collapsed?: boolean;
}

/** The marker that opens a collapsible section at `nowMs` (unix seconds in the log). */
export function sectionStart(name: string, nowMs: number, options: SectionOptions = {}): string {
  const flags = options.collapsed === true ? '[collapsed=true]' : '';
  return `section_start:${unixSeconds(nowMs)}:${name}${flags}\r${ansiClearLine}`;
}

/** The marker that closes the section `name` at `nowMs`. */
export function sectionEnd(name: string, nowMs: number): string {
  return `section_end:${unixSeconds(nowMs)}:${name}\r${ansiClearLine}`;
}

/** A section start followed by its bold cyan header line, as GitLab Runner opens each stage. */
export function sectionHeader(name: string, title: string, nowMs: number): string {
  return `${sectionStart(name, nowMs)}${ansiClearLine}${ansiBoldCyan}${title}${ansiReset}\n`;
}

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
