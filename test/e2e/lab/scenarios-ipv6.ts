// The IPv6 and dual-stack scenarios: pods with an IPv6 address (2001:db8::/32) beside their IPv4 one, or
// instead of it, and the hosts of the lab that have AAAA records (dual.lab.test and its storage). What go
// does is from src/net/dial.go (dialParallel: the first address's family first, the other 300 ms later),
// src/net/addrselect.go (RFC 6724 order: IPv6 first when the pod has a route to it) and
// x/net/http/httpproxy (NO_PROXY CIDRs match IP-literal hosts only).

import { POLICIES, type EgressPolicy } from './nft.js';
import type { Scenario } from './scenarios.js';
import { GOPROXY_PATHS } from './servers.js';
import { EGRESS_PROXY_PORT, HOST_IPS, HOST_IPS6, HOST_NAMES, SERVICES_CIDR6 } from './topology.js';

const dual = `https://${HOST_NAMES.dual}`;
const dualLiteral = `https://[${HOST_IPS6.dual}]`;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const DUAL_HOSTS = ['dual', 'dualStorage'] as const;
const DROP_DUAL_IPV6: EgressPolicy = {
  kind: 'deny',
  name: 'drop TCP to the dual-stack hosts over IPv6 (IPv4 allowed)',
  rules: [{ to: DUAL_HOSTS, family: 'ipv6', proto: 'tcp', verdict: 'drop' }],
};
const DROP_DUAL_IPV4: EgressPolicy = {
  kind: 'deny',
  name: 'drop TCP to the dual-stack hosts over IPv4 (IPv6 allowed)',
  rules: [{ to: DUAL_HOSTS, family: 'ipv4', proto: 'tcp', verdict: 'drop' }],
};

export const IPV6_SCENARIOS: readonly Scenario[] = [
  {
    id: 'ipv6-only',
    title: 'IPv6-only pod (DNS over IPv6, dual-stack GOPROXY)',
    pod: 'ipv6-only',
    env: () => ({ GOPROXY: dual }),
    // No IPv4 source address: RFC 6724 rule 1 sorts the AAAA answer first, and go never needs the A one.
    expect: { pass: true },
  },
  {
    id: 'ipv6-only-ipv4-host',
    title: 'IPv6-only pod, GOPROXY host with an A record only (no DNS64/NAT64)',
    pod: 'ipv6-only',
    expect: {
      pass: false,
      stage: 'tcp',
      cause: 'tcp.unreachable',
      hint: /NAT64/,
      goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: connect: network is unreachable`),
    },
  },
  {
    id: 'ipv6-only-dns-dropped',
    title: 'IPv6-only pod, DNS over IPv6 dropped',
    pod: 'ipv6-only',
    env: () => ({ GOPROXY: dual }),
    policy: { kind: 'deny', name: 'drop DNS to the cluster DNS over IPv6', rules: [{ to: ['dns'], family: 'ipv6', proto: 'any', ports: [53], verdict: 'drop' }] },
    expect: {
      pass: false,
      stage: 'dns',
      cause: 'dns.timeout',
      hint: new RegExp(esc(HOST_IPS6.dns)),
      goError: new RegExp(`lookup dual\\.lab\\.test.* on \\[${esc(HOST_IPS6.dns)}\\]:53: read udp \\[[0-9a-f:]+\\]:\\d+->\\[${esc(HOST_IPS6.dns)}\\]:53: i/o timeout`),
    },
  },
  {
    id: 'ipv6-only-dropped',
    title: 'IPv6-only pod, 443 to the GOPROXY host dropped (an egress policy written for IPv4 only)',
    pod: 'ipv6-only',
    env: () => ({ GOPROXY: dual }),
    policy: { kind: 'deny', name: 'drop TCP 443 to the dual-stack GOPROXY host over IPv6', rules: [{ to: ['dual'], family: 'ipv6', proto: 'tcp', ports: [443], verdict: 'drop' }] },
    blackholed: true,
    expect: {
      pass: false,
      stage: 'tcp',
      cause: 'tcp.timeout',
      hint: /over IPv6 .*per address family.*\/128/,
      goError: new RegExp(`dial tcp \\[${esc(HOST_IPS6.dual)}\\]:443: (i/o timeout|connect: connection timed out)`),
    },
  },
  {
    id: 'dual-ipv6-dropped',
    title: 'dual-stack pod, IPv6 path dropped (go falls back to IPv4 after 300 ms)',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: dual }),
    policy: DROP_DUAL_IPV6,
    // The GOPROXY host at the tcp stage, the storage host behind the zip redirect at the redirect stage.
    findings: ['tcp:tcp.family_fallback', 'redirect:tcp.family_fallback'],
    expect: { pass: true },
  },
  {
    id: 'dual-ipv4-dropped',
    title: 'dual-stack pod, IPv4 path dropped (go uses IPv6 first)',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: dual }),
    policy: DROP_DUAL_IPV4,
    findings: ['tcp:tcp.family_unreachable', 'redirect:tcp.family_unreachable'],
    expect: { pass: true },
  },
  {
    id: 'dual-both-rejected',
    title: 'dual-stack pod, both families rejected (go reports the IPv6 address it tried first)',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: dual }),
    policy: { kind: 'deny', name: 'reject TCP 443 to the dual-stack GOPROXY host, both families', rules: [
      { to: ['dual'], family: 'ipv4', proto: 'tcp', ports: [443], verdict: 'reject' },
      { to: ['dual'], family: 'ipv6', proto: 'tcp', ports: [443], verdict: 'reject' },
    ] },
    // dialParallel returns the primary racer's error: the first address of go's order, the IPv6 one.
    expect: { pass: false, stage: 'tcp', cause: 'tcp.refused', hint: /refuses connections/, goError: new RegExp(`dial tcp \\[${esc(HOST_IPS6.dual)}\\]:443: connect: connection refused`) },
  },
  {
    id: 'goproxy-ipv6-literal',
    title: 'GOPROXY as an IPv6 literal (no SNI, IP SAN)',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: dualLiteral }),
    expect: { pass: true },
  },
  {
    id: 'redirect-ipv6-literal',
    title: 'zip redirect to an IPv6-literal storage URL',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: `${dual}${GOPROXY_PATHS.ipv6LiteralRedirect}` }),
    expect: { pass: true },
  },
  {
    id: 'redirect-ipv6-literal-rejected',
    title: 'zip redirect to an IPv6-literal storage URL, rejected (RST)',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: `${dual}${GOPROXY_PATHS.ipv6LiteralRedirect}` }),
    policy: { kind: 'deny', name: 'reject TCP to the storage host over IPv6', rules: [{ to: ['dualStorage'], family: 'ipv6', proto: 'tcp', verdict: 'reject' }] },
    expect: {
      pass: false,
      stage: 'redirect',
      cause: 'redirect.tcp.refused',
      hint: new RegExp(esc(`[${HOST_IPS6.dualStorage}]:443`)),
      goError: new RegExp(`Get "https://\\[${esc(HOST_IPS6.dualStorage)}\\]/bucket/.*": dial tcp \\[${esc(HOST_IPS6.dualStorage)}\\]:443: connect: connection refused`),
    },
  },
  {
    id: 'gosumdb-ipv6-literal',
    title: 'GOSUMDB with its URL at an IPv6 literal (the proxy does not serve the checksum database)',
    pod: 'dual-stack',
    env: (c) => ({ GOPROXY: `${dual}${GOPROXY_PATHS.noSumdb}`, GOSUMDB: `${c.sumdbKey} ${dualLiteral}/sumdb/${c.sumdbName}` }),
    expect: { pass: true },
  },
  {
    id: 'egress-proxy-ipv6',
    title: 'HTTPS_PROXY at an IPv6 literal (direct 443 dropped)',
    pod: 'dual-stack',
    env: () => ({ HTTPS_PROXY: `http://[${HOST_IPS6.egress6}]:${EGRESS_PROXY_PORT}` }),
    policy: POLICIES.onlyViaEgressProxy,
    expect: { pass: true },
  },
  {
    id: 'egress-proxy-ipv6-unbracketed',
    title: 'HTTPS_PROXY=<IPv6>:<port> without brackets, GODEBUG=urlstrictcolons=0 (go dials [addr]:port)',
    pod: 'dual-stack',
    // go 1.26+ refuses such a host in an http URL and then ignores the proxy (direct, dropped here),
    // unless GODEBUG=urlstrictcolons=0; older gos do not know the setting and always read it this way.
    env: () => ({ HTTPS_PROXY: `${HOST_IPS6.egress6}:${EGRESS_PROXY_PORT}`, GODEBUG: 'urlstrictcolons=0' }),
    policy: POLICIES.onlyViaEgressProxy,
    expect: { pass: true },
  },
  {
    id: 'egress-proxy-ipv6-unbracketed-strict',
    title: 'HTTPS_PROXY=<IPv6>:<port> without brackets (go 1.26+ ignores it and goes direct, rejected here)',
    pod: 'dual-stack',
    env: () => ({ HTTPS_PROXY: `${HOST_IPS6.egress6}:${EGRESS_PROXY_PORT}` }),
    policy: { kind: 'deny', name: 'reject direct TCP to the lab hosts (RST)', rules: [{ to: ['proxy', 'sum', 'storage'], proto: 'tcp', verdict: 'reject' }] },
    expect: { pass: true },
    // net/url's urlstrictcolons (go 1.26): "parse "2001:db8:1::13:3128": first path segment in URL
    // cannot contain colon", then "http://2001:…" fails too, so httpproxy ignores the variable.
    byGo: {
      27: { pass: false, stage: 'tcp', cause: 'tcp.refused', hint: /refuses connections/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: connect: connection refused`) },
    },
  },
  {
    id: 'egress-proxy-to-ipv6-literal',
    title: 'HTTPS_PROXY, GOPROXY at an IPv6 literal: CONNECT [2001:db8:1::50]:443 (direct 443 dropped)',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: `${dualLiteral}${GOPROXY_PATHS.ipv6LiteralRedirect}`, HTTPS_PROXY: `http://${HOST_NAMES.egress}:${EGRESS_PROXY_PORT}` }),
    policy: { kind: 'deny', name: 'drop direct TCP to the dual-stack hosts, both families', rules: [
      { to: DUAL_HOSTS, family: 'ipv4', proto: 'tcp', verdict: 'drop' },
      { to: DUAL_HOSTS, family: 'ipv6', proto: 'tcp', verdict: 'drop' },
    ] },
    expect: { pass: true },
  },
  {
    id: 'no-proxy-ipv6-cidr',
    title: 'NO_PROXY with an IPv6 CIDR: IPv6-literal GOPROXY and storage go direct (the egress proxy rejects)',
    pod: 'dual-stack',
    env: () => ({
      GOPROXY: `${dualLiteral}${GOPROXY_PATHS.ipv6LiteralRedirect}`,
      HTTPS_PROXY: `http://${HOST_NAMES.egress}:${EGRESS_PROXY_PORT}`,
      NO_PROXY: SERVICES_CIDR6,
    }),
    policy: { kind: 'deny', name: 'reject TCP to the egress proxy', rules: [{ to: ['egress'], proto: 'tcp', verdict: 'reject' }] },
    expect: { pass: true },
  },
];
