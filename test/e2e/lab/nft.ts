// NetworkPolicy emulation with nftables, enforced where a CNI enforces it: in the services namespace, on
// packets arriving from one pod's veth (an input hook at the far end of the pod's link). A drop there is
// silent for the pod (its SYNs and DNS queries just vanish); a drop in the pod's own output chain would not
// be (EPERM at once), so it would test the wrong thing.

import { parseCIDR } from '../../../src/net/netip.js';
import { HOST_IPS, HOST_IPS6, type LabHost } from './topology.js';

export type LabHost6 = keyof typeof HOST_IPS6;

export type Verdict = 'drop' | 'reject';
export type Proto = 'tcp' | 'udp' | 'any';

/** Traffic from the pod to these destinations; an empty `to` means every destination. */
export interface Match {
  readonly to?: readonly (LabHost | LabHost6 | { readonly cidr: string })[];
  /** Which addresses of the `to` hosts: IPv4 (the default) or IPv6 (2001:db8::/32 only). */
  readonly family?: 'ipv4' | 'ipv6';
  readonly proto?: Proto;
  readonly ports?: readonly (number | { readonly from: number; readonly to: number })[];
  /** Only packets longer than this (IP header included): a box acting on go's large ClientHello. */
  readonly longerThan?: number;
}

/** Deny-list: each match gets the verdict, everything else passes (a firewall rule set). */
export interface DenyPolicy {
  readonly kind: 'deny';
  readonly name: string;
  readonly rules: readonly (Match & { readonly verdict: Verdict })[];
}

/** Allow-list: only the matches pass, everything else is dropped (Kubernetes NetworkPolicy egress). */
export interface AllowPolicy {
  readonly kind: 'allow';
  readonly name: string;
  readonly allow: readonly Match[];
}

export type EgressPolicy = DenyPolicy | AllowPolicy;

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

function address(to: LabHost | LabHost6 | { readonly cidr: string }, family: 'ipv4' | 'ipv6'): string {
  if (typeof to === 'string') {
    const ip = family === 'ipv6' ? (HOST_IPS6 as Readonly<Record<string, string>>)[to] : (HOST_IPS as Readonly<Record<string, string>>)[to];
    if (!ip) throw new RangeError(`lab host ${to} has no ${family} address`);
    return ip;
  }
  if (family === 'ipv6') {
    // Only the documentation prefix: a lab policy never names an address that could be routed somewhere.
    const net = to.cidr.includes(':') ? parseCIDR(to.cidr.includes('/') ? to.cidr : `${to.cidr}/128`) : undefined;
    if (!net || net.mask.length !== 16 || net.ip[0] !== 0x20 || net.ip[1] !== 0x01 || net.ip[2] !== 0x0d || net.ip[3] !== 0xb8) {
      throw new RangeError(`not an IPv6 address or CIDR inside 2001:db8::/32: ${to.cidr}`);
    }
    return to.cidr;
  }
  const m = CIDR_RE.exec(to.cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[6] !== undefined && Number(m[6]) > 32)) {
    throw new RangeError(`not an IPv4 address or CIDR: ${to.cidr}`);
  }
  return to.cidr;
}

function portText(p: number | { readonly from: number; readonly to: number }): string {
  const check = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RangeError(`bad port ${n}`);
    return n;
  };
  return typeof p === 'number' ? String(check(p)) : `${check(p.from)}-${check(p.to)}`;
}

/** The nft match expression of one rule (without a verdict). */
export function matchExpr(m: Match): string {
  const parts: string[] = [];
  const family = m.family ?? 'ipv4';
  if (m.to && m.to.length > 0) parts.push(`${family === 'ipv6' ? 'ip6' : 'ip'} daddr { ${[...new Set(m.to.map((t) => address(t, family)))].join(', ')} }`);
  else if (m.family) parts.push(`meta nfproto ${family}`);
  const ports = m.ports && m.ports.length > 0 ? `{ ${m.ports.map(portText).join(', ')} }` : undefined;
  const proto = m.proto ?? 'any';
  if (proto === 'any') {
    if (ports) parts.push(`meta l4proto { tcp, udp } th dport ${ports}`);
  } else {
    parts.push(ports ? `${proto} dport ${ports}` : `meta l4proto ${proto}`);
  }
  if (m.longerThan !== undefined) {
    if (!Number.isInteger(m.longerThan) || m.longerThan < 0 || m.longerThan > 65535) throw new RangeError(`bad length ${m.longerThan}`);
    parts.push(`meta length > ${m.longerThan}`);
  }
  return parts.join(' ');
}

function verdictText(v: Verdict, proto: Proto): string[] {
  if (v === 'drop') return ['drop'];
  // A reject answers like a closed port: RST for TCP, ICMP port unreachable for the rest.
  if (proto === 'tcp') return ['reject with tcp reset'];
  if (proto === 'udp') return ['reject'];
  return ['meta l4proto tcp reject with tcp reset', 'reject'];
}

export function tableName(podIndex: number): string {
  return `gmp_pod${podIndex}`;
}

/** The nft script for one pod's policy: a table of its own, so it is removed without touching other pods. */
export function renderPolicy(policy: EgressPolicy, pod: { readonly index: number; readonly hostIf: string }): string {
  if (!/^[A-Za-z0-9]{1,15}$/.test(pod.hostIf)) throw new RangeError(`bad interface name ${pod.hostIf}`);
  const lines: string[] = [];
  if (policy.kind === 'deny') {
    for (const r of policy.rules) {
      const match = matchExpr(r);
      for (const v of verdictText(r.verdict, r.proto ?? 'any')) lines.push(`${match} ${v}`.trim());
    }
  } else {
    // Replies to the pod leave through this namespace's output path, so only new flows from the pod are judged.
    for (const a of policy.allow) lines.push(`${matchExpr(a)} accept`.trim());
    lines.push('drop');
  }
  const table = tableName(pod.index);
  return [
    `# ${policy.name.replace(/[\r\n]/g, ' ')}`,
    `table inet ${table} {`,
    '  chain egress {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname != "${pod.hostIf}" accept`,
    ...lines.map((l) => `    ${l}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

export const POLICIES = Object.freeze({
  dnsDropped: { kind: 'deny', name: 'drop DNS (UDP and TCP 53) to the cluster DNS', rules: [{ to: ['dns'], proto: 'any', ports: [53], verdict: 'drop' }] },
  dnsRejected: { kind: 'deny', name: 'reject DNS to the cluster DNS (ICMP port unreachable, TCP reset)', rules: [{ to: ['dns'], proto: 'any', ports: [53], verdict: 'reject' }] },
  dnsTcpDropped: { kind: 'deny', name: 'drop DNS over TCP only (UDP 53 allowed)', rules: [{ to: ['dns'], proto: 'tcp', ports: [53], verdict: 'drop' }] },
  proxyDropped: { kind: 'deny', name: 'drop TCP 443 to the GOPROXY host', rules: [{ to: ['proxy'], proto: 'tcp', ports: [443], verdict: 'drop' }] },
  proxyRejected: { kind: 'deny', name: 'reject TCP 443 to the GOPROXY host (RST)', rules: [{ to: ['proxy'], proto: 'tcp', ports: [443], verdict: 'reject' }] },
  // go 1.24+'s ClientHello (1.5 KB) is the first client packet to 443 over 1000 bytes; go 1.23's is ~300.
  helloDropped: { kind: 'deny', name: 'drop client packets over 1000 bytes to TCP 443 on the GOPROXY host', rules: [{ to: ['proxy'], proto: 'tcp', ports: [443], longerThan: 1000, verdict: 'drop' }] },
  helloRejected: { kind: 'deny', name: 'reset client packets over 1000 bytes to TCP 443 on the GOPROXY host', rules: [{ to: ['proxy'], proto: 'tcp', ports: [443], longerThan: 1000, verdict: 'reject' }] },
  sumDropped: { kind: 'deny', name: 'drop everything to the checksum database host', rules: [{ to: ['sum'], verdict: 'drop' }] },
  storageRejected: { kind: 'deny', name: 'reject everything to the object storage host', rules: [{ to: ['storage'], verdict: 'reject' }] },
  storageDropped: { kind: 'deny', name: 'drop everything to the object storage host', rules: [{ to: ['storage'], verdict: 'drop' }] },
  onlyViaEgressProxy: {
    kind: 'deny',
    name: 'drop direct TCP to every lab host but the egress proxies',
    rules: [{ to: ['proxy', 'sum', 'storage', 'expired', 'wrongname', 'nochain', 'mbox', 'dead'], proto: 'tcp', verdict: 'drop' }],
  },
} satisfies Record<string, EgressPolicy>);
