import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatRunStart,
  formatStageFinished,
  formatStageStarted,
  formatSummary,
  HumanView,
  palette,
  SPINNER_MAX_REDRAWS,
} from '../../../src/report/human.js';
import { failedRun, passedRun, stage, tlsFailure } from './fixtures.js';

const plain = palette(false);
const ANSI = /\x1b\[/;

describe('human view formatting', () => {
  it('starts with what the run checks: GOPROXY, GOSUMDB, the modules, how each first hop is reached', () => {
    const text = formatRunStart({
      goproxy: { value: 'https://proxy.golang.org,direct', source: 'default' },
      gosumdb: { value: 'sum.golang.org', source: 'env' },
      moduleCount: 12,
      modules: ['rsc.io/quote@v1.5.2', 'golang.org/x/text@latest'],
      hops: [{ origin: 'https://proxy.golang.org:443', via: 'via http://egress:3128 (HTTPS_PROXY)' }],
    }, plain);
    expect(text.split('\n')).toEqual([
      "  GOPROXY=https://proxy.golang.org,direct (go's default)",
      '  GOSUMDB=sum.golang.org',
      '  modules  rsc.io/quote@v1.5.2, golang.org/x/text@latest (+10 more)',
      '  dials    https://proxy.golang.org:443 via http://egress:3128 (HTTPS_PROXY)',
      '',
    ]);
  });

  it('prints stage starts and ends', () => {
    expect(formatStageStarted('dns', ['proxy.golang.org', 'sum.golang.org'], 80)).toBe('▸ dns  proxy.golang.org, sum.golang.org');
    expect(formatStageStarted('dns', ['x'.repeat(200)], 40)).toHaveLength(40);
    expect(formatStageFinished(stage({ stage: 'dns', durationMs: 12.4 }), plain)).toBe('✓ dns  12 ms');
    expect(
      formatStageFinished(
        stage({ stage: 'tcp', status: 'fail', durationMs: 5000, failure: { ...tlsFailure, stage: 'tcp', cause: 'tcp.timeout' } }),
        plain,
      ),
    ).toBe('✗ tcp  5.0 s  tcp.timeout');
    expect(formatStageFinished(stage({ stage: 'redirect', status: 'skip', durationMs: 0 }), plain)).toBe('– redirect  skipped  0 ms');
  });

  it('indents findings under their stage', () => {
    const text = formatStageFinished(
      stage({
        stage: 'config',
        findings: [{ code: 'config.gosumdb_off', severity: 'warn', message: 'GOSUMDB=off', target: 'GOSUMDB', hint: 'unset GOSUMDB' }],
      }),
      plain,
    );
    expect(text.split('\n')).toEqual(['✓ config  12 ms', '    ! config.gosumdb_off: GOSUMDB=off (GOSUMDB)', '      → unset GOSUMDB']);
  });

  it('summarises a failure: verdict, stage, target, cause, what was seen, the fix, exit code, reports', () => {
    const text = formatSummary(failedRun(), { written: ['/r/report.json', '/r/metrics.prom'], warnings: ['junit: disk full'] }, plain);
    expect(text).toContain('FAIL  stage tls  1.5 s  (exit 12)');
    expect(text).toContain('  target   proxy.golang.org:443');
    expect(text).toContain('  cause    tls.unknown_authority — the certificate chain does not lead to a trusted root');
    expect(text).toContain(`  seen     ${tlsFailure.detail}`);
    expect(text).toContain(`  fix      ${tlsFailure.hint}`);
    expect(text).toContain('  reports  /r/report.json, /r/metrics.prom');
    expect(text).toContain('  warning  junit: disk full');
    expect(text).not.toMatch(ANSI);
  });

  it('keeps wire text from driving the terminal, and cuts long details', () => {
    const detail = `evil\x1b]0;pwned\x07\x1b[2J${'\nline'.repeat(100)}`;
    const text = formatSummary(failedRun({ failure: { ...tlsFailure, detail } }), { written: [], warnings: [] }, palette(true));
    expect(text).not.toContain('\x1b]');
    expect(text).not.toContain('\x1b[2J');
    expect(text).not.toContain('\x07');
    expect(text.split('\n').filter((l) => l.trim() === 'line').length).toBeLessThan(20);
  });

  it('summarises a pass', () => {
    const text = formatSummary(passedRun(), { written: [], warnings: [] }, plain);
    expect(text.trim()).toBe('PASS  go mod download should work from here  1.5 s  (exit 0)');
  });

  it('uses colours only when asked', () => {
    expect(formatStageFinished(stage({ stage: 'dns' }), palette(true))).toMatch(ANSI);
    expect(formatStageFinished(stage({ stage: 'dns' }), palette(false))).not.toMatch(ANSI);
  });
});

describe('HumanView', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('draws no spinner when stdout is not a terminal, and prints each stage once', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const view = new HumanView({ write: (t) => out.push(t), tty: false, color: false });
    view.stageStarted('dns', ['proxy.golang.org']);
    vi.advanceTimersByTime(5000);
    view.stageFinished(stage({ stage: 'dns' }));
    expect(out.join('')).toBe('✓ dns  12 ms\n');
  });

  it('bounds spinner redraws and clears the line when the stage ends', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const view = new HumanView({ write: (t) => out.push(t), tty: true, color: false });
    view.stageStarted('tcp', ['proxy.golang.org:443']);
    vi.advanceTimersByTime(60 * 60_000);
    expect(view.redraws).toBe(SPINNER_MAX_REDRAWS);
    expect(out.length).toBeLessThanOrEqual(SPINNER_MAX_REDRAWS + 1);
    out.length = 0;
    view.stageFinished(stage({ stage: 'tcp' }));
    expect(out.join('')).toBe('\r\x1b[2K✓ tcp  12 ms\n');
    out.length = 0;
    vi.advanceTimersByTime(10_000);
    expect(out).toEqual([]);
  });

  it('prints warnings above the spinner, and clears it on close', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const view = new HumanView({ write: (t) => out.push(t), tty: true, color: false });
    view.stageStarted('tls', []);
    view.logLine(JSON.stringify({ level: 'warn', stage: 'tls', msg: 'slow handshake' }));
    // The reporter's own lines (with an event) are not repeated.
    view.logLine(JSON.stringify({ level: 'error', event: 'stage.finished', msg: 'stage fail' }));
    view.close();
    expect(out.join('')).toBe('\r\x1b[2K▸ tls ⠋\r\x1b[2K    ! tls: slow handshake\n\r\x1b[2K▸ tls ⠋\r\x1b[2K');
    out.length = 0;
    vi.advanceTimersByTime(10_000);
    expect(out).toEqual([]);
  });
});
