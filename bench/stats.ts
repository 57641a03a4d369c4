// Medians and the figure table. Every figure is a median of several runs; a comparison is a ratio of
// medians measured in the same bench run, side by side.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export interface Figure {
  /** Stable key in results.json. */
  readonly id: string;
  readonly title: string;
  readonly value: number;
  readonly unit: 'ms' | 'x' | 'MB' | 'rtt';
  /** The target as text ("<= 1.5x"), or "-" for a figure that is only reported. */
  readonly target: string;
  /** undefined: reported, no target. */
  readonly holds: boolean | undefined;
  /** How the value was obtained (medians, run counts, what was compared). */
  readonly detail: string;
}

export function formatValue(f: Pick<Figure, 'value' | 'unit'>): string {
  if (!Number.isFinite(f.value)) return 'n/a';
  switch (f.unit) {
    case 'x':
      return `${f.value.toFixed(2)}x`;
    case 'ms':
      return f.value < 100 ? `${f.value.toFixed(1)} ms` : `${Math.round(f.value)} ms`;
    case 'MB':
      return `${f.value.toFixed(1)} MB`;
    case 'rtt':
      return `${f.value} RTT`;
  }
}

export function formatTable(figures: readonly Figure[]): string {
  const head = ['figure', 'value', 'target', 'holds?'];
  const rows = figures.map((f) => [f.title, formatValue(f), f.target, f.holds === undefined ? '-' : f.holds ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
