// The Kubernetes termination message: what `kubectl describe pod` shows under "Last State".
// The kubelet keeps at most 4096 bytes, so the fields are budgeted: the fix and the target must
// survive a huge detail (a server body, a long chain dump), which gets whatever room is left.

import { describeCause } from '../causes.js';
import { reachableTargets, verdictSentence } from '../verdict.js';
import type { RunReport } from './types.js';
import { formatDuration, singleLine, truncateUtf8 } from './text.js';

/** The kubelet's limit for /dev/termination-log. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

// Per-field byte budgets; `seen` (the detail) takes what remains of the 4096.
const BUDGET = { header: 600, target: 400, cause: 300, fix: 1200, go: 600, mustBlock: 600 } as const;

function field(label: string, value: string, maxBytes: number): string {
  return truncateUtf8(`${label}: ${singleLine(value)}`, maxBytes);
}

/** "gomodprobe: WORD: why (exit N)": the verdict, in the words every output shares (src/verdict.ts). */
function headerLine(report: RunReport): string {
  const took = report.reason === 'passed' ? ` in ${formatDuration(report.durationMs)}` : '';
  return `gomodprobe: ${verdictSentence(report)}${took} (exit ${report.exitCode})`;
}

/**
 * One short paragraph, at most 4096 bytes of UTF-8: the failed stage, the target, the cause,
 * what was seen and the fix; a single line when the run passed. Pure: the caller scrubs secrets.
 */
export function formatTerminationMessage(report: RunReport): string {
  const reachable = reachableTargets(report);
  const lines = [truncateUtf8(singleLine(headerLine(report)), BUDGET.header)];
  const failure = report.failure;
  // The failure of a stage that failed as --expect said it would is not news; anything else is.
  const expectedFailure = report.expect?.met === true;
  let detail: string | undefined;
  if (failure && !expectedFailure && report.reason !== 'internal') {
    lines.push(field('target', failure.target, BUDGET.target));
    lines.push(field('cause', `${failure.cause} (${describeCause(failure.cause)})`, BUDGET.cause));
    detail = failure.detail;
    lines.push(field('fix', failure.hint, BUDGET.fix));
    if (failure.goError) lines.push(field('go would say', failure.goError, BUDGET.go));
  }
  if (reachable.length > 0) {
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
