// The Kubernetes termination message: what `kubectl describe pod` shows under "Last State".
// The kubelet keeps at most 4096 bytes, so the fields are budgeted: the fix and the target must
// survive a huge detail (a server body, a long chain dump), which gets whatever room is left.

import { describeCause, STAGE_NAMES } from '../causes.js';
import type { RunReport } from './types.js';
import { formatDuration, singleLine, truncateUtf8 } from './text.js';

/** The kubelet's limit for /dev/termination-log. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

// Per-field byte budgets; `seen` (the detail) takes what remains of the 4096.
const BUDGET = { header: 600, target: 400, cause: 300, fix: 1200, go: 600, mustBlock: 600 } as const;

function field(label: string, value: string, maxBytes: number): string {
  return truncateUtf8(`${label}: ${singleLine(value)}`, maxBytes);
}

function headerLine(report: RunReport, reachable: readonly string[]): string {
  const exit = `(exit ${report.exitCode})`;
  const failure = report.failure;
  if (report.verdict === 'error') {
    const err = report.error;
    if (err) return `gomodprobe: ERROR ${err.code}: ${err.message} ${exit}`;
    // The config stage failed (a value go rejects, an unreadable input file): the lines below name it.
    return failure ? `gomodprobe: ERROR at stage ${failure.stage}: ${failure.cause} ${exit}` : `gomodprobe: ERROR ${exit}`;
  }
  if (report.expect) {
    const got = report.expect.firstFailedStage ?? 'none (all stages passed)';
    if (report.expect.met) {
      const how = failure ? `: ${failure.cause} at ${failure.target}` : '';
      return `gomodprobe: PASS: expected ${report.expect.expected}, first failed stage ${got}${how} ${exit}`;
    }
    return `gomodprobe: FAIL: expected ${report.expect.expected}, but the first failed stage was ${got} ${exit}`;
  }
  if (failure) return `gomodprobe: FAIL at stage ${failure.stage}: ${failure.cause} ${exit}`;
  if (reachable.length > 0) return `gomodprobe: FAIL: ${reachable.length} must-block target(s) reachable ${exit}`;
  if (report.verdict === 'pass') {
    const passed = report.stages.filter((s) => s.status === 'pass').length;
    const skipped = report.stages.filter((s) => s.status === 'skip').length;
    const skippedText = skipped > 0 ? `, ${skipped} skipped` : '';
    return `gomodprobe: PASS: ${passed}/${STAGE_NAMES.length} stages passed${skippedText} in ${formatDuration(report.durationMs)} ${exit}`;
  }
  return `gomodprobe: FAIL ${exit}`;
}

/**
 * One short paragraph, at most 4096 bytes of UTF-8: the failed stage, the target, the cause,
 * what was seen and the fix; a single line when the run passed. Pure: the caller scrubs secrets.
 */
export function formatTerminationMessage(report: RunReport): string {
  const reachable = (report.mustBlock ?? []).filter((m) => !m.blocked).map((m) => m.target);
  const lines = [truncateUtf8(singleLine(headerLine(report, reachable)), BUDGET.header)];
  const failure = report.failure;
  const expectedFailure = report.expect?.met === true;
  let detail: string | undefined;
  if (failure && !expectedFailure && (report.verdict !== 'error' || !report.error)) {
    lines.push(field('target', failure.target, BUDGET.target));
    lines.push(field('cause', `${failure.cause} (${describeCause(failure.cause)})`, BUDGET.cause));
    detail = failure.detail;
    lines.push(field('fix', failure.hint, BUDGET.fix));
    if (failure.goError) lines.push(field('go would say', failure.goError, BUDGET.go));
  }
  if (reachable.length > 0 && !expectedFailure) {
    lines.push(field('reachable but must be blocked', reachable.join(', '), BUDGET.mustBlock));
  }
  if (detail !== undefined) {
    const used = lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8') + 1, 0);
    const room = TERMINATION_MESSAGE_MAX_BYTES - used - 1;
    // "seen" goes right after "cause", where a reader looks for it.
    if (room > 16) lines.splice(3, 0, field('seen', detail, room));
  }
  return truncateUtf8(lines.join('\n'), TERMINATION_MESSAGE_MAX_BYTES);
}
