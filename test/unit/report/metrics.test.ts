import { describe, expect, it } from 'vitest';
import { formatMetrics } from '../../../src/report/metrics.js';
import { failedRun, passedRun, stage, tlsFailure } from './fixtures.js';

// A strict reader of the Prometheus text exposition format 0.0.4: it throws on anything the
// textfile collector would reject (bad names, escapes, values, duplicates, split families).
interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!FLOAT.test(text)) throw new Error(`bad value ${JSON.stringify(text)}`);
  return Number(text);
}

function parseSample(line: string): ParsedSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`bad sample line ${line}`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!ln) throw new Error(`bad label name in ${line}`);
      i += ln[0].length;
      if (line.slice(i, i + 2) !== '="') throw new Error(`expected =" in ${line}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value in ${line}`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i + 1];
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new Error(`bad escape \\${e} in ${line}`);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++;
      if (ln[0] in labels) throw new Error(`duplicate label ${ln[0]}`);
      labels[ln[0]] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } in ${line}`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`expected a space before the value in ${line}`);
  const rest = line.slice(i + 1).split(' ');
  if (rest.length > 2) throw new Error(`trailing garbage in ${line}`);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) throw new Error(`bad timestamp in ${line}`);
  return { name, labels, value: parseValue(rest[0]!) };
}

function parseExposition(text: string): ParsedSample[] {
  if (!text.endsWith('\n')) throw new Error('must end with a newline');
  const samples: ParsedSample[] = [];
  const typed = new Set<string>();
  const helped = new Set<string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name ${name}`);
      if (kind === 'TYPE') {
        if (typed.has(name)) throw new Error(`second TYPE for ${name}`);
        if (samples.some((s) => s.name === name)) throw new Error(`TYPE after samples for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type ${rest}`);
        typed.add(name);
      } else {
        if (helped.has(name)) throw new Error(`second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad HELP escape in ${line}`);
        helped.add(name);
      }
      continue;
    }
    const s = parseSample(line);
    if (s.name !== current) {
      if (current !== undefined) finished.add(current);
      if (finished.has(s.name)) throw new Error(`family ${s.name} is split`);
      current = s.name;
    }
    const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    if (series.has(key)) throw new Error(`duplicate series ${key}`);
    series.add(key);
    samples.push(s);
  }
  return samples;
}

function find(samples: ParsedSample[], name: string, labels: Record<string, string> = {}): ParsedSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

describe('formatMetrics', () => {
  it('produces valid exposition text with HELP and TYPE for every family', () => {
    const text = formatMetrics(failedRun());
    const samples = parseExposition(text);
    for (const name of new Set(samples.map((s) => s.name))) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
  });

  it('describes a failed run', () => {
    const samples = parseExposition(formatMetrics(failedRun()));
    expect(find(samples, 'gomodprobe_run_success')[0]?.value).toBe(0);
    expect(find(samples, 'gomodprobe_exit_code')[0]?.value).toBe(12);
    expect(find(samples, 'gomodprobe_run_duration_seconds')[0]?.value).toBe(1.5);
    expect(find(samples, 'gomodprobe_last_run_timestamp_seconds')[0]?.value).toBe(Date.parse('2025-01-01T00:00:01.500Z') / 1000);
    expect(find(samples, 'gomodprobe_stage_success', { stage: 'tls' })[0]?.value).toBe(0);
    expect(find(samples, 'gomodprobe_stage_success', { stage: 'dns' })[0]?.value).toBe(1);
    expect(find(samples, 'gomodprobe_stage_success', { stage: 'proxy' })).toEqual([]);
    expect(find(samples, 'gomodprobe_stage_duration_seconds', { stage: 'tls' })[0]?.value).toBe(0.08);
    expect(find(samples, 'gomodprobe_stage_wait_seconds', { stage: 'tls' })[0]?.value).toBe(0);
    expect(find(samples, 'gomodprobe_stage_findings', { stage: 'dns', severity: 'info' })[0]?.value).toBe(1);
    expect(find(samples, 'gomodprobe_failure_info')).toEqual([
      { name: 'gomodprobe_failure_info', labels: { stage: 'tls', cause: 'tls.unknown_authority', target: 'proxy.golang.org:443' }, value: 1 },
    ]);
    expect(find(samples, 'gomodprobe_cert_not_after_timestamp_seconds')[0]).toEqual({
      name: 'gomodprobe_cert_not_after_timestamp_seconds',
      labels: { target: 'proxy.golang.org:443', subject: 'CN=proxy.golang.org', sha256: 'aa'.repeat(32) },
      value: Date.parse('2026-03-01T00:00:00.000Z') / 1000,
    });
  });

  it('counts as stage duration the work of the stage, and its waits for work started earlier apart', () => {
    const run = passedRun();
    const stages = [...run.stages.filter((st) => st.stage !== 'redirect'), stage({ stage: 'redirect', durationMs: 300, waitMs: 280 })];
    const samples = parseExposition(formatMetrics({ ...run, stages }));
    expect(find(samples, 'gomodprobe_stage_duration_seconds', { stage: 'redirect' })[0]?.value).toBe(0.02);
    expect(find(samples, 'gomodprobe_stage_wait_seconds', { stage: 'redirect' })[0]?.value).toBe(0.28);
  });

  it('gives every stage exactly one status, not_run included', () => {
    const samples = parseExposition(formatMetrics(failedRun()));
    const ones = find(samples, 'gomodprobe_stage_status').filter((s) => s.value === 1);
    expect(Object.fromEntries(ones.map((s) => [s.labels.stage, s.labels.status]))).toEqual({
      config: 'pass', dns: 'pass', tcp: 'pass', tls: 'fail', proxy: 'not_run', sumdb: 'not_run', redirect: 'not_run',
    });
    expect(find(samples, 'gomodprobe_stage_status')).toHaveLength(7 * 4);
  });

  it('describes a passed run with must-block targets and an expectation', () => {
    const samples = parseExposition(
      formatMetrics(
        passedRun({
          mustBlock: [
            { target: 'github.com:443', blocked: true, detail: 'timeout' },
            { target: 'evil:443', blocked: false, detail: 'connected' },
          ],
          expect: { expected: 'none', firstFailedStage: null, met: true },
        }),
      ),
    );
    expect(find(samples, 'gomodprobe_run_success')[0]?.value).toBe(1);
    expect(find(samples, 'gomodprobe_failure_info')).toEqual([]);
    expect(find(samples, 'gomodprobe_must_block_blocked', { target: 'evil:443' })[0]?.value).toBe(0);
    expect(find(samples, 'gomodprobe_must_block_blocked', { target: 'github.com:443' })[0]?.value).toBe(1);
    expect(find(samples, 'gomodprobe_expect_met', { expected: 'none' })[0]?.value).toBe(1);
    expect(find(samples, 'gomodprobe_stage_success', { stage: 'redirect' })[0]?.value).toBe(1);
  });

  it('escapes hostile label values so they still parse', () => {
    const target = 'https://h/"quoted"\\back\\slash\nnew€😀';
    const failure = { ...tlsFailure, target };
    const certs = [
      { target, subject: 'CN="x\\y"', issuer: 'i', sha256: 'bb', notAfter: 'not a date', isLeaf: true },
      { target, subject: 'CN="x\\y"', issuer: 'i', sha256: 'bb', notAfter: '2030-01-01T00:00:00Z', isLeaf: true },
      { target, subject: 'CN="x\\y"', issuer: 'i', sha256: 'bb', notAfter: '2030-01-01T00:00:00Z', isLeaf: true },
    ];
    const samples = parseExposition(formatMetrics(failedRun({ failure, certificates: certs })));
    // Newlines become spaces (a label is one line); quotes and backslashes survive the round trip.
    expect(find(samples, 'gomodprobe_failure_info')[0]?.labels.target).toBe('https://h/"quoted"\\back\\slash new€😀');
    // The unparsable date is left out; the duplicate is written once.
    expect(find(samples, 'gomodprobe_cert_not_after_timestamp_seconds')).toHaveLength(1);
  });

  it('cuts very long label values', () => {
    const failure = { ...tlsFailure, target: 'x'.repeat(10_000) };
    const samples = parseExposition(formatMetrics(failedRun({ failure })));
    expect(find(samples, 'gomodprobe_failure_info')[0]?.labels.target?.length).toBeLessThanOrEqual(256);
  });

  it('writes non-finite values in the format spelling', () => {
    const samples = parseExposition(formatMetrics(failedRun({ durationMs: NaN })));
    expect(find(samples, 'gomodprobe_run_duration_seconds')[0]?.value).toBeNaN();
  });

  it('reports why a run could not run', () => {
    const samples = parseExposition(
      formatMetrics(failedRun({ verdict: 'error', exitCode: 1, error: { code: 'internal', message: 'boom' } })),
    );
    expect(find(samples, 'gomodprobe_error_info', { code: 'internal' })[0]?.value).toBe(1);
  });
});
