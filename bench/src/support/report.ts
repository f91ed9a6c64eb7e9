/** One measured figure, compared with the architecture's target when there is one. */
export interface Figure {
  readonly suite: string;
  readonly name: string;
  readonly value: string;
  readonly unit: string;
  /** The target from architecture.md, as text (e.g. `≤ 20 ms CPU`); empty when none. */
  readonly target: string;
}

/** Formats figures as a Markdown table, the form RESULTS.md keeps them in. */
export function markdownTable(figures: readonly Figure[]): string {
  const rows = figures.map(f => `| ${f.suite} | ${f.name} | ${f.value} ${f.unit} | ${f.target} |`);
  return ['| suite | figure | value | target |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
