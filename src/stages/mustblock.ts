// --must-block: targets the egress policy must NOT let through (e.g. direct proxy.golang.org:443 when
// only the internal proxy is allowed). Checked with the same resolver and dialer as the stages, directly
// (no proxy): a name that does not resolve or a connection that fails counts as blocked.

import { dialHost, DialError } from '../net/dialer.js';
import { joinHostPort } from '../net/netip.js';
import { DnsLookupError } from '../net/resolver.js';
import type { NetServices } from '../net/services.js';
import type { MustBlockTarget } from '../options.js';
import type { MustBlockResult } from '../report/types.js';
import { timeoutSignal } from '../signals.js';

export async function checkMustBlock(targets: readonly MustBlockTarget[], net: NetServices, signal: AbortSignal): Promise<MustBlockResult[]> {
  return Promise.all(
    targets.map(async (t): Promise<MustBlockResult> => {
      const target = joinHostPort(t.host, t.port);
      const op = timeoutSignal(signal, net.timeoutMs);
      let addresses: readonly string[];
      try {
        addresses = (await net.resolver.lookup(t.host, { signal: op })).addresses;
      } catch (err) {
        if (err instanceof DnsLookupError) return { target, blocked: true, detail: `does not resolve (${err.code}): ${err.goError}` };
        throw err;
      }
      try {
        const { socket, attempts } = await dialHost(addresses, t.port, { signal: timeoutSignal(signal, net.timeoutMs), budgetMs: net.timeoutMs });
        socket.destroy();
        const ok = attempts.find((a) => a.ok);
        return { target, blocked: false, detail: `TCP connect to ${joinHostPort(ok?.address ?? addresses[0]!, t.port)} succeeded in ${ok?.latencyMs ?? '?'} ms: the egress policy lets it through` };
      } catch (err) {
        if (err instanceof DialError) return { target, blocked: true, detail: `connect failed (${err.code}): ${err.goError}` };
        throw err;
      }
    }),
  );
}
