// --must-block: targets the egress policy must NOT let go reach (e.g. proxy.golang.org:443 when only
// the internal proxy is allowed). Each target is connected to as go would fetch https://HOST:PORT:
// go's proxy decision for that URL (HTTPS_PROXY / NO_PROXY, src/net/http/transport.go's
// ProxyFromEnvironment) picks a direct connect or a CONNECT tunnel through the egress proxy, with
// the same resolver and dialer as the stages (src/net/hop.ts). A connection or tunnel that opens is
// reachable; a refused, dropped or proxy-denied one is blocked. A target name that does not resolve
// proves nothing about the policy (the name may simply be wrong), so it counts as blocked only with
// --must-block-unresolvable-ok.

import { DnsError, TcpError } from '../net/errors.js';
import { connectHop, hopForURL, resolveHop, type HopTarget } from '../net/hop.js';
import { joinHostPort } from '../net/netip.js';
import type { NetServices } from '../net/services.js';
import type { MustBlockTarget } from '../options.js';
import { redactURL } from '../goenv/redact.js';
import type { MustBlockResult } from '../report/types.js';

export interface MustBlockOptions {
  /** A target name that does not resolve counts as blocked. */
  readonly unresolvableOk: boolean;
}

export async function checkMustBlock(targets: readonly MustBlockTarget[], net: NetServices, signal: AbortSignal, opts: MustBlockOptions): Promise<MustBlockResult[]> {
  return Promise.all(targets.map((t) => checkOne(t, net, signal, opts)));
}

async function checkOne(t: MustBlockTarget, net: NetServices, signal: AbortSignal, opts: MustBlockOptions): Promise<MustBlockResult> {
  const target = joinHostPort(t.host, t.port);
  const hop = hopForURL(new URL(`https://${target}`), net.proxyEnv);
  const via = viaText(hop);
  const proxied = Boolean(hop.proxy.proxy);
  let lookup;
  try {
    lookup = await resolveHop(net, hop, signal);
  } catch (err) {
    if (!(err instanceof DnsError)) throw err;
    // Through a proxy, the name resolved here is the proxy's: if go cannot find its proxy it reaches nothing.
    if (proxied) return { target, blocked: true, detail: `${via}: the proxy's name does not resolve (${err.code}): ${err.goError}` };
    if (opts.unresolvableOk) return { target, blocked: true, detail: `does not resolve (${err.code}), counted as blocked (--must-block-unresolvable-ok): ${err.goError}` };
    return {
      target,
      blocked: false,
      unresolved: true,
      detail: `does not resolve here (${err.code}): ${err.goError}; nothing was connected, so the policy was not tested. ` +
        'Check the name, or pass --must-block-unresolvable-ok when a name that does not resolve counts as blocked (a policy that blocks DNS)',
    };
  }
  try {
    const tcp = await connectHop(net, hop, lookup, signal);
    tcp.socket.destroy();
    const ok = tcp.attempts.find((a) => a.chosen) ?? tcp.attempts.find((a) => a.ok);
    const where = ok ? joinHostPort(ok.address, ok.port) : '?';
    return {
      target,
      blocked: false,
      detail: tcp.tunnel
        ? `${via} answered CONNECT ${tcp.tunnel.authority} with ${tcp.tunnel.status} ${tcp.tunnel.statusText}: the egress proxy lets go through to it`
        : `TCP connect to ${where} succeeded in ${ok?.latencyMs ?? '?'} ms: the egress policy lets it through`,
    };
  } catch (err) {
    if (!(err instanceof TcpError)) throw err;
    return { target, blocked: true, detail: `${proxied ? `${via}: ` : ''}connect failed (${err.code}): ${err.goError}` };
  }
}

function viaText(hop: HopTarget): string {
  return hop.proxy.proxy ? `through ${redactURL(hop.proxy.proxy.href)} (${hop.proxy.variable ?? 'proxy'})` : 'direct';
}
