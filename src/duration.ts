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

/**
 * A duration the way go's time.Duration.String writes it, for whole milliseconds: "500ms", "5s", "1.5s",
 * "1m0s", "1h2m3s" (what --timeout and --deadline accept back).
 */
export function formatGoDuration(ms: number): string {
  const total = Math.round(ms);
  if (total === 0) return '0s';
  if (Math.abs(total) < 1000) return `${total}ms`;
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = (rest / 1000).toFixed(3).replace(/\.?0+$/, '');
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${sec}s`;
}
