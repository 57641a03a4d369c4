// What go's dual-stack dialing makes of the addresses that did not connect (net/dial.go's dialParallel and
// dialSerial): judged for the first hops by the tcp stage, for every host met later by the redirect stage.

import { GO_DIAL_TIMEOUT_MS, goPartialDeadline, type DialAttempt } from '../net/dialer.js';
import type { TcpLayerResult } from '../net/hop.js';
import { joinHostPort } from '../net/netip.js';
import { findingHints } from '../hints.js';
import type { Finding } from './outcome.js';

const familyName = (a: DialAttempt): string => (a.family === 6 ? 'IPv6' : 'IPv4');
const describe = (a: DialAttempt): string =>
  `${joinHostPort(a.address, a.port)} ${a.abandoned ? `(no answer in ${Math.round(a.latencyMs)} ms)` : `(${a.cause ?? 'failed'})`}`;

/**
 * What go's dual-stack dialing makes of addresses that did not connect: a fallback family that go reaches
 * only after its delay, a family go does not need today, or some addresses of the family go uses.
 */
export function dialFindings(origin: string, tcp: Pick<TcpLayerResult, 'attempts' | 'goConnectMs'>): Finding[] {
  const chosen = tcp.attempts.find((a) => a.chosen);
  const failed = tcp.attempts.filter((a) => !a.ok);
  if (!chosen || failed.length === 0) return [];
  const list = (as: readonly DialAttempt[]): string => as.map(describe).join(', ');
  if (chosen.race === 'fallback') {
    const primary = failed.filter((a) => a.race === 'primary');
    return [{
      code: 'tcp.family_fallback',
      severity: 'warn',
      target: origin,
      message: `go connects over ${familyName(chosen)} only after its 300 ms fallback delay (at ${tcp.goConnectMs} ms): the ${familyName(primary[0] ?? chosen)} address${primary.length > 1 ? 'es' : ''} it tries first did not connect: ${list(primary)}`,
      hint: findingHints.familyFallback(familyName(primary[0] ?? chosen), primary[0]?.family === 6 ? 'AAAA' : 'A'),
    }];
  }
  const otherFamily = failed.filter((a) => a.family !== chosen.family);
  // No route at all for the other family (ENETUNREACH): a single-stack pod, nothing to fix.
  if (otherFamily.length === failed.length && otherFamily.every((a) => a.errno === 'ENETUNREACH')) return [];
  if (otherFamily.length === failed.length) {
    return [{
      code: 'tcp.family_unreachable',
      severity: 'info',
      target: origin,
      message: `the ${familyName(otherFamily[0]!)} address${otherFamily.length > 1 ? 'es' : ''} did not connect: ${list(otherFamily)}; go connects over ${familyName(chosen)} first and does not need ${otherFamily.length > 1 ? 'them' : 'it'}`,
      hint: findingHints.familyUnreachable(familyName(otherFamily[0]!)),
    }];
  }
  // go's own wait on a dropped address before the one it connects to: its share of the 30 s dial timeout.
  const family = tcp.attempts.filter((a) => a.race === chosen.race);
  const droppedBefore = family.slice(0, family.indexOf(chosen)).filter((a) => a.cause === 'tcp.timeout').length;
  const share = Math.round(goPartialDeadline(0, GO_DIAL_TIMEOUT_MS, family.length) / 100) / 10;
  return [{
    code: 'tcp.some_addresses_failed',
    severity: 'warn',
    target: origin,
    message: `${failed.length} of ${tcp.attempts.length} addresses failed (${list(failed)}); go connects to ${joinHostPort(chosen.address, chosen.port)}, trying the addresses in order` +
      (droppedBefore > 0 ? `: it waits up to ${share} s on each dropped address before it (its share of the 30 s dial timeout), ${droppedBefore} here` : ''),
  }];
}
