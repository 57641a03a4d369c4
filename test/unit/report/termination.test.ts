import { describe, expect, it } from 'vitest';
import { formatTerminationMessage, TERMINATION_MESSAGE_MAX_BYTES } from '../../../src/report/termination.js';
import { failedRun, passedRun, tlsFailure } from './fixtures.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('formatTerminationMessage', () => {
  it('names the failed stage, target, cause, what was seen and the fix', () => {
    const msg = formatTerminationMessage(failedRun());
    expect(msg.split('\n')).toEqual([
      'gomodprobe: FAIL at stage tls: tls.unknown_authority (exit 12)',
      'target: proxy.golang.org:443',
      'cause: tls.unknown_authority (the certificate chain does not lead to a trusted root)',
      `seen: ${tlsFailure.detail}`,
      `fix: ${tlsFailure.hint}`,
      `go would say: ${tlsFailure.goError}`,
    ]);
  });

  it('stays within 4096 bytes with a huge detail, and keeps the fix and the target', () => {
    const huge = 'é€😀<body>'.repeat(20_000);
    const failure = { ...tlsFailure, detail: huge, goError: huge, target: `h${'x'.repeat(5000)}:443` };
    const msg = formatTerminationMessage(failedRun({ failure }));
    expect(bytes(msg)).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX_BYTES);
    expect(msg).toContain(`fix: ${tlsFailure.hint}`);
    expect(msg).toMatch(/^target: hxxx/m);
    expect(msg).toMatch(/^seen: é€😀<body>/m);
    // Truncation never splits a character.
    expect(Buffer.from(msg, 'utf8').toString('utf8')).toBe(msg);
    expect(msg).not.toContain('\uFFFD');
  });

  it('stays within 4096 bytes when every field is huge', () => {
    const big = '€'.repeat(10_000);
    const failure = { ...tlsFailure, detail: big, hint: big, target: big, goError: big };
    const msg = formatTerminationMessage(
      failedRun({ failure, mustBlock: [{ target: big, blocked: false, detail: big }], expect: undefined }),
    );
    expect(bytes(msg)).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX_BYTES);
    expect(msg.split('\n')[0]).toMatch(/^gomodprobe: FAIL at stage tls/);
  });

  it('removes control characters and terminal escapes from fields', () => {
    const failure = { ...tlsFailure, detail: 'line1\r\nline2\x1b[2J\x07\x00end' };
    const seen = formatTerminationMessage(failedRun({ failure })).split('\n').find((l) => l.startsWith('seen: '));
    expect(seen).toBe('seen: line1 line2 end');
  });

  it('is one line when the run passed', () => {
    const msg = formatTerminationMessage(passedRun());
    expect(msg).toBe('gomodprobe: PASS: 6/7 stages passed, 1 skipped in 1.5 s (exit 0)');
  });

  it('states the expectation', () => {
    const met = formatTerminationMessage(
      failedRun({ verdict: 'pass', exitCode: 0, reason: 'expect_met', expect: { expected: 'tls', firstFailedStage: 'tls', met: true } }),
    );
    expect(met).toBe('gomodprobe: PASS: expected tls, first failed stage tls: tls.unknown_authority at proxy.golang.org:443 (exit 0)');
    const notMet = formatTerminationMessage(
      passedRun({ verdict: 'fail', exitCode: 3, reason: 'expect_not_met', expect: { expected: 'tcp', firstFailedStage: null, met: false } }),
    );
    expect(notMet).toBe('gomodprobe: FAIL: expected tcp, but the first failed stage was none (all stages passed) (exit 3)');
  });

  it('lists must-block targets that were reachable', () => {
    const msg = formatTerminationMessage(
      passedRun({
        verdict: 'fail',
        exitCode: 4,
        reason: 'must_block_reachable',
        mustBlock: [
          { target: 'github.com:443', blocked: false, detail: 'connected' },
          { target: 'evil.example:443', blocked: true, detail: 'timed out' },
        ],
      }),
    );
    expect(msg.split('\n')).toEqual([
      'gomodprobe: FAIL: 1 must-block target(s) reachable: github.com:443 (exit 4)',
      'reachable but must be blocked: github.com:443',
    ]);
  });

  it('reports a run that could not run', () => {
    const { failure: _f, ...rest } = failedRun();
    const msg = formatTerminationMessage({
      ...rest,
      verdict: 'error',
      exitCode: 2,
      reason: 'config',
      stages: [],
      error: { code: 'config.bad_flag', message: '--timeout: not a duration' },
    });
    expect(msg).toBe('gomodprobe: ERROR config.bad_flag: --timeout: not a duration (exit 2)');
  });
});
