// Go-style durations ("5s", "1m30s", "250ms"), the syntax Go users already type for timeouts.

import { ParseError } from './errors.js';

const UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration into milliseconds. Bare numbers are rejected: "5" is ambiguous. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s.length === 0) throw new ParseError('duration.invalid', 'empty duration');
  if (s.length > 64) throw new ParseError('duration.invalid', 'duration too long');
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let pos = 0;
  let total = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      const bare = /^\d+(\.\d+)?$/.test(s);
      throw new ParseError(
        'duration.invalid',
        bare ? `missing unit in duration "${s}" (write e.g. ${s}s)` : `invalid duration "${s}"`,
      );
    }
    total += Number(m[1]) * UNITS_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (!Number.isFinite(total) || total > 24 * 3_600_000) {
    throw new ParseError('duration.invalid', `duration "${s}" is out of range (max 24h)`);
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}
