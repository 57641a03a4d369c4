// The human view (--format pretty): stages as they start and end, findings, then a summary a
// person can act on. Formatting for humans lives only here, never in the JSON path.
// Values reaching this module are already scrubbed of secrets; text from the wire is stripped
// of control characters so a hostile server cannot drive the terminal.

import { describeCause } from '../causes.js';
import { verdictHeadline, verdictWord } from '../verdict.js';
import type { Finding, StageResult } from '../stages/outcome.js';
import type { EgressDestination } from '../egress.js';
import type { RunReport, RunStart } from './types.js';
import { formatDuration, singleLine, stripControl, truncateUtf8 } from './text.js';

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** 10 redraws a second at most, and at most a minute of them per stage. */
export const SPINNER_INTERVAL_MS = 100;
export const SPINNER_MAX_REDRAWS = 600;
/** Long details (server bodies) are cut in the human view; report.json keeps them whole. */
const MAX_DETAIL_LINES = 12;
const MAX_DETAIL_BYTES = 2000;

const CLEAR_LINE = '\r\x1b[2K';

export interface Palette {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function palette(color: boolean): Palette {
  const sgr = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { ok: sgr(32, 39), bad: sgr(31, 39), warn: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

export function formatStageStarted(stage: string, targets: readonly string[], maxWidth: number): string {
  const list = targets.map(singleLine).join(', ');
  const line = list ? `▸ ${stage}  ${list}` : `▸ ${stage}`;
  return [...line].length > maxWidth ? `${[...line].slice(0, Math.max(maxWidth - 1, 1)).join('')}…` : line;
}

function formatFinding(f: Finding, p: Palette): string {
  const mark = f.severity === 'warn' ? p.warn('!') : p.dim('·');
  const target = f.target ? ` (${singleLine(f.target)})` : '';
  const lines = [`    ${mark} ${singleLine(f.code)}: ${singleLine(f.message)}${target}`];
  if (f.hint) lines.push(`      ${p.dim('→')} ${singleLine(f.hint)}`);
  return lines.join('\n');
}

/** The run's header: what it checks (GOPROXY, GOSUMDB, the modules, how each first hop is reached). */
export function formatRunStart(start: RunStart, p: Palette): string {
  const more = start.moduleCount > start.modules.length ? ` (+${start.moduleCount - start.modules.length} more)` : '';
  const from = (source: string): string => (source === 'env' ? '' : p.dim(` (${source === 'default' ? "go's default" : source})`));
  const lines = [
    `  GOPROXY=${singleLine(start.goproxy.value)}${from(start.goproxy.source)}`,
    `  GOSUMDB=${singleLine(start.gosumdb.value)}${from(start.gosumdb.source)}`,
    `  modules  ${start.modules.map(singleLine).join(', ') || 'none'}${more}`,
    ...start.hops.map((h) => `  ${p.dim('dials')}    ${singleLine(h.origin)} ${singleLine(h.via)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** "✓ dns  12 ms", "✗ tcp  5.0 s  tcp.timeout", "– proxy  skipped  1 ms", then findings. */
export function formatStageFinished(result: StageResult, p: Palette): string {
  const took = formatDuration(result.durationMs);
  let head: string;
  if (result.status === 'pass') head = `${p.ok('✓')} ${result.stage}  ${took}`;
  else if (result.status === 'skip') head = p.dim(`– ${result.stage}  skipped  ${took}`);
  else head = `${p.bad('✗')} ${result.stage}  ${took}  ${p.bad(singleLine(result.failure?.cause ?? 'failed'))}`;
  return [head, ...result.findings.map((f) => formatFinding(f, p))].join('\n');
}

/** A multi-line value under a label, continuation lines aligned with the first. */
function labelled(label: string, value: string, p: Palette, indent = 11): string {
  const text = truncateUtf8(stripControl(value).trim(), MAX_DETAIL_BYTES);
  let lines = text.split('\n');
  if (lines.length > MAX_DETAIL_LINES) lines = [...lines.slice(0, MAX_DETAIL_LINES), '…'];
  // A label as wide as the column still gets a space after it ("reachable 127.0.0.1:5399").
  const width = Math.max(indent - 2, label.length + 1);
  const pad = ' '.repeat(width + 2);
  const first = `  ${p.dim(label.padEnd(width))}${lines[0] ?? ''}`;
  return [first, ...lines.slice(1).map((l) => `${pad}${l}`)].join('\n');
}

export interface SummaryContext {
  /** Output files written, in order. */
  readonly written: readonly string[];
  readonly warnings: readonly string[];
}

/** The closing block: verdict, failed stage, target, cause, what was seen, the fix, exit code, outputs. */
export function formatSummary(report: RunReport, ctx: SummaryContext, p: Palette): string {
  const lines: string[] = [''];
  const exit = `(exit ${report.exitCode})`;
  const f = report.failure;
  const reachable = (report.mustBlock ?? []).filter((m) => !m.blocked);
  // The word and the exit code are the verdict's (src/verdict.ts); only the wording is the view's own.
  const word = verdictWord(report.verdict);
  const paint = report.verdict === 'pass' ? p.ok : p.bad;
  const what =
    report.reason === 'passed' ? 'go mod download should work from here'
    : report.reason === 'expect_met' ? `expectation met (${report.expect?.expected})`
    : report.reason === 'stage_failed' && f ? `stage ${f.stage}`
    : singleLine(verdictHeadline(report));
  const took = report.verdict === 'error' ? '' : `  ${formatDuration(report.durationMs)}`;
  lines.push(`${paint(p.bold(word))}  ${what}${took}  ${exit}`);
  if (report.expect) {
    const got = report.expect.firstFailedStage ?? 'none';
    lines.push(labelled('expect', `${report.expect.expected}: ${report.expect.met ? 'met' : 'not met'} (first failed stage: ${got})`, p));
  }
  if (f) {
    lines.push(labelled('target', f.target, p));
    lines.push(labelled('cause', `${f.cause} — ${describeCause(f.cause)}`, p));
    lines.push(labelled('seen', f.detail, p));
    lines.push(labelled('fix', f.hint, p));
    if (f.goError) lines.push(labelled('go says', f.goError, p));
    if (f.goWouldWait) lines.push(labelled('go waits', f.goWouldWait, p));
  }
  for (const m of reachable) lines.push(labelled('reachable', `${m.target} must be blocked: ${m.detail}`, p));
  if (report.egress && report.egress.length > 0) lines.push(formatEgress(report.egress, p));
  if (ctx.written.length > 0) lines.push(labelled('reports', ctx.written.join(', '), p));
  for (const w of ctx.warnings) lines.push(`  ${p.warn('warning')}  ${singleLine(w)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The egress table, one line per destination in go's order: reached (✓), failed (✗) or not dialed in
 * this run (·), protocol, host:port, always/fallback, why, and the addresses (or the proxy it goes through).
 */
export function formatEgress(egress: readonly EgressDestination[], p: Palette): string {
  const rows = egress.map((d) => {
    const mark = d.reached ? p.ok('✓') : d.dialed ? p.bad('✗') : p.dim('·');
    const at = d.host.includes(':') ? `[${d.host}]:${d.port}` : `${d.host}:${d.port}`;
    const where = d.via ? `via ${d.via}` : d.addresses.filter((a) => a !== d.host).join(' ');
    const state = d.failure ? p.bad(d.failure.cause) : d.dialed ? where : p.dim('not dialed');
    return { mark, cells: [d.protocol, singleLine(at), d.needed, singleLine(d.why.map((w) => w.text).join('; '))], state: singleLine(state) };
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r.cells[i]!.length)));
  const pad = ' '.repeat(11);
  const body = rows.map((r) => `${r.mark} ${r.cells.slice(0, 3).map((c, i) => c.padEnd(widths[i]!)).join('  ')}  ${r.cells[3]}${r.state ? `  ${p.dim(r.state)}` : ''}`);
  return [`  ${p.dim('egress'.padEnd(9))}${body[0] ?? ''}`, ...body.slice(1).map((l) => `${pad}${l}`)].join('\n');
}

/**
 * A log line (JSON) at warn or above, shown briefly in the human view. Lines carrying an `event`
 * are the reporter's own (stage and run results), which the view already shows in full.
 */
export function formatLogLine(jsonLine: string, p: Palette): string | undefined {
  try {
    const entry = JSON.parse(jsonLine) as { msg?: unknown; event?: unknown; stage?: unknown };
    if (typeof entry.msg !== 'string' || entry.event !== undefined) return undefined;
    const where = typeof entry.stage === 'string' ? `${entry.stage}: ` : '';
    return `    ${p.warn('!')} ${singleLine(`${where}${entry.msg}`)}`;
  } catch {
    return undefined;
  }
}

export interface HumanViewOptions {
  readonly write: (text: string) => void;
  /** Redraw a spinner on the current line (only on a terminal). */
  readonly tty: boolean;
  readonly color: boolean;
  /** Terminal width, so the spinner line never wraps (a wrapped line cannot be redrawn). */
  readonly columns?: number;
}

export class HumanView {
  readonly #opts: HumanViewOptions;
  readonly #p: Palette;
  #timer: NodeJS.Timeout | undefined;
  #spinnerLine = '';
  #frame = 0;
  #redraws = 0;

  constructor(opts: HumanViewOptions) {
    this.#opts = opts;
    this.#p = palette(opts.color);
  }

  runStarted(start: RunStart): void {
    this.#stopSpinner();
    this.#opts.write(formatRunStart(start, this.#p));
  }

  stageStarted(stage: string, targets: readonly string[]): void {
    this.#stopSpinner();
    const width = Math.max((this.#opts.columns ?? 80) - 3, 20);
    const line = formatStageStarted(stage, targets, width);
    // Without a terminal there is no line to redraw: each stage is printed once, when it ends.
    if (!this.#opts.tty) return;
    this.#spinnerLine = line;
    this.#frame = 0;
    this.#redraws = 0;
    this.#draw();
    this.#timer = setInterval(() => this.#tick(), SPINNER_INTERVAL_MS);
    this.#timer.unref(); // the spinner never keeps the process alive
  }

  stageFinished(result: StageResult): void {
    this.#stopSpinner();
    this.#opts.write(`${formatStageFinished(result, this.#p)}\n`);
  }

  logLine(jsonLine: string): void {
    const text = formatLogLine(jsonLine, this.#p);
    if (text === undefined) return;
    if (this.#spinnerLine) {
      // Print above the spinner line, then redraw it.
      this.#opts.write(`${CLEAR_LINE}${text}\n`);
      this.#draw();
    } else {
      this.#opts.write(`${text}\n`);
    }
  }

  summary(report: RunReport, ctx: SummaryContext): void {
    this.#stopSpinner();
    this.#opts.write(formatSummary(report, ctx, this.#p));
  }

  /** Clears the spinner (if any) and stops its timer. */
  close(): void {
    this.#stopSpinner();
  }

  get redraws(): number {
    return this.#redraws;
  }

  #draw(): void {
    const frame = SPINNER_FRAMES[this.#frame % SPINNER_FRAMES.length]!;
    this.#opts.write(`${CLEAR_LINE}${this.#spinnerLine} ${this.#p.dim(frame)}`);
  }

  #tick(): void {
    this.#frame++;
    this.#redraws++;
    this.#draw();
    if (this.#redraws >= SPINNER_MAX_REDRAWS) {
      // Keep the line, stop redrawing: the stage is slow, the terminal need not hear about it.
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #stopSpinner(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#spinnerLine) this.#opts.write(CLEAR_LINE);
    this.#spinnerLine = '';
  }
}
