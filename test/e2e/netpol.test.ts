// The NetworkPolicy manifests in k8s/netpol-test/policies/ and their translation to the lab's nftables
// rules. Runs without root: the e2e suite (netpol-expect.test.ts) then enforces the same rules for real.

import { describe, expect, it } from 'vitest';
import { egressFor, labSuitePolicies, NetpolError, parsePolicies, podSelectedBy, probePod, selectorMatches, type NetworkPolicyFile } from './lab/netpol.js';
import { renderPolicy, type AllowPolicy, type Match } from './lab/nft.js';
import { HOST_IPS, type LabHost } from './lab/topology.js';

// The policies as kustomize renders them with suite.env describing the lab (its DNS pods, the GOPROXY,
// checksum database and storage addresses), as a user adapts them to a cluster.
const policies = labSuitePolicies();

/** Whether an allow-list lets a new flow from the pod through (the semantics the nft script encodes). */
function allows(p: AllowPolicy | undefined, host: LabHost, proto: 'tcp' | 'udp', port: number): boolean {
  if (!p) return true;
  const hit = (m: Match): boolean =>
    (m.to === undefined || m.to.some((t) => (typeof t === 'string' ? t === host : t.cidr === HOST_IPS[host] || t.cidr === `${HOST_IPS[host]}/32`))) &&
    (m.proto === undefined || m.proto === 'any' || m.proto === proto) &&
    (m.ports === undefined || m.ports.some((q) => (typeof q === 'number' ? q === port : port >= q.from && port <= q.to)));
  return p.allow.some(hit);
}

function policyFor(name: string): AllowPolicy | undefined {
  return egressFor(policies, probePod(name));
}

describe('k8s/netpol-test/policies', () => {
  it('holds one policy per regression case, each with the expectation the probe must meet', () => {
    expect(policies.map((p) => [p.file, p.expect])).toEqual([
      ['allow-go-module-egress.yaml', 'pass'],
      ['allow-proxy-deny-storage.yaml', 'fail:redirect'],
      ['deny-all-egress.yaml', 'fail:dns'],
      ['deny-all-except-dns.yaml', 'fail:tcp'],
    ]);
    for (const p of policies) {
      expect(p.namespace).toBe('gomodprobe-netpol-test');
      // Each selects its own probe pod and no other policy selects that pod.
      const rules = egressFor(policies, podSelectedBy(p));
      expect(rules?.name).toBe(`NetworkPolicy ${p.name}`);
    }
  });

  it('takes its destinations from suite.env: the DNS pods by namespace and label, the hosts by CIDR', () => {
    const custom = labSuitePolicies({ DNS_NAMESPACE: 'dns-system', DNS_POD_LABEL: 'coredns', GOPROXY_CIDR: '10.1.0.0/24', SUMDB_CIDR: '10.2.0.5/32', STORAGE_CIDR: '10.3.0.0/16' });
    const spec = (name: string) => JSON.stringify(custom.find((p) => p.name === `gomodprobe-${name}`)!.doc.spec);
    for (const name of ['deny-all-except-dns', 'allow-proxy-deny-storage', 'allow-go-module-egress']) {
      expect(spec(name)).toContain('{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"dns-system"}},"podSelector":{"matchLabels":{"k8s-app":"coredns"}}}');
    }
    expect(spec('allow-proxy-deny-storage')).toContain('[{"ipBlock":{"cidr":"10.1.0.0/24"}},{"ipBlock":{"cidr":"10.2.0.5/32"}}]');
    expect(spec('allow-proxy-deny-storage')).not.toContain('10.3.0.0/16');
    expect(spec('allow-go-module-egress')).toContain('[{"ipBlock":{"cidr":"10.1.0.0/24"}},{"ipBlock":{"cidr":"10.2.0.5/32"}},{"ipBlock":{"cidr":"10.3.0.0/16"}}]');
    // Nothing of a namespace that only the lab would have.
    expect(JSON.stringify(custom.map((p) => p.doc))).not.toMatch(/gomodprobe-lab|lab-role/);
  });

  it('deny-all-except-dns lets only DNS (UDP and TCP 53 to kube-dns) through', () => {
    const p = policyFor('deny-all-except-dns');
    expect(allows(p, 'dns', 'udp', 53)).toBe(true);
    expect(allows(p, 'dns', 'tcp', 53)).toBe(true);
    expect(allows(p, 'dns', 'tcp', 443)).toBe(false);
    for (const h of ['proxy', 'sum', 'storage', 'egress'] as const) expect(allows(p, h, 'tcp', 443)).toBe(false);
  });

  it('allow-proxy-deny-storage opens the proxy and the checksum database, not the object store', () => {
    const p = policyFor('allow-proxy-deny-storage');
    expect(allows(p, 'dns', 'udp', 53)).toBe(true);
    expect(allows(p, 'proxy', 'tcp', 443)).toBe(true);
    expect(allows(p, 'sum', 'tcp', 443)).toBe(true);
    expect(allows(p, 'proxy', 'tcp', 80)).toBe(false);
    expect(allows(p, 'storage', 'tcp', 443)).toBe(false);
  });

  it('allow-go-module-egress opens all three hosts go dials, and nothing else', () => {
    const p = policyFor('allow-go-module-egress');
    for (const h of ['proxy', 'sum', 'storage'] as const) expect(allows(p, h, 'tcp', 443)).toBe(true);
    expect(allows(p, 'egress', 'tcp', 3128)).toBe(false);
    expect(allows(p, 'dead', 'tcp', 443)).toBe(false);
  });

  it('renders each policy as an nft table that accepts the allowed flows from the pod and drops the rest', () => {
    const script = renderPolicy(policyFor('allow-proxy-deny-storage')!, { index: 7, hostIf: 'gagr1s' });
    expect(script).toContain('table inet gmp_pod7 {');
    expect(script).toContain('type filter hook input priority filter; policy accept;');
    expect(script).toContain('iifname != "gagr1s" accept');
    expect(script).toContain(`ip daddr { ${HOST_IPS.dns} } udp dport { 53 } accept`);
    expect(script).toContain(`ip daddr { ${HOST_IPS.proxy}/32, ${HOST_IPS.sum}/32 } tcp dport { 443 } accept`);
    expect(script).not.toContain(HOST_IPS.storage);
    expect(script.trimEnd().split('\n').slice(-3)[0]!.trim()).toBe('drop');
  });
});

describe('NetworkPolicy semantics of the translator', () => {
  const doc = (yaml: string): NetworkPolicyFile[] => parsePolicies(yaml, 'inline.yaml');
  const head = (extra: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: t
  namespace: gomodprobe-netpol-test
spec:
  podSelector: {}
${extra}`;

  it('leaves egress open for a pod no Egress policy selects (other namespace, other labels, Ingress only)', () => {
    expect(egressFor(policies, { namespace: 'other', labels: { 'gomodprobe.dev/policy': 'deny-all-except-dns' } })).toBeUndefined();
    expect(egressFor(policies, probePod('no-such-policy'))).toBeUndefined();
    expect(egressFor(doc(head('  policyTypes: [Ingress]\n')), probePod('x'))).toBeUndefined();
  });

  it('denies everything for a selected pod with no egress rules, and allows everything for a rule with no peers and no ports', () => {
    const none = egressFor(doc(head('  policyTypes: [Egress]\n')), probePod('x'));
    expect(none?.allow).toEqual([]);
    expect(allows(none, 'proxy', 'tcp', 443)).toBe(false);
    const all = egressFor(doc(head('  policyTypes: [Egress]\n  egress:\n    - {}\n')), probePod('x'));
    expect(allows(all, 'storage', 'udp', 9)).toBe(true);
  });

  it('reads a podSelector-only peer as pods of the policy namespace (none of the lab hosts live there)', () => {
    const p = egressFor(doc(head('  policyTypes: [Egress]\n  egress:\n    - to:\n        - podSelector: {}\n')), probePod('x'));
    expect(p?.allow).toEqual([]);
  });

  it('unions several policies that select the same pod', () => {
    const two = [
      ...doc(head('  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 198.18.0.10/32}}]\n      ports: [{port: 443}]\n')),
      ...doc(head('  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 198.18.0.12/32}}]\n      ports: [{protocol: TCP, port: 400, endPort: 500}]\n')),
    ];
    const p = egressFor(two, probePod('x'));
    expect(allows(p, 'proxy', 'tcp', 443)).toBe(true);
    expect(allows(p, 'storage', 'tcp', 443)).toBe(true);
    expect(allows(p, 'sum', 'tcp', 443)).toBe(false);
    expect(renderPolicy(p!, { index: 0, hostIf: 'x0s' })).toContain('tcp dport { 400-500 } accept');
  });

  it('splits an ipBlock rule by family: IPv6 CIDRs become an ip6 match beside the IPv4 one', () => {
    const p = egressFor(doc(head('  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 198.18.0.50/32}}, {ipBlock: {cidr: "2001:db8:1::50/128"}}]\n      ports: [{port: 443}]\n')), probePod('x'));
    expect(p?.allow).toEqual([
      { to: [{ cidr: '198.18.0.50/32' }], proto: 'tcp', ports: [443] },
      { to: [{ cidr: '2001:db8:1::50/128' }], family: 'ipv6', proto: 'tcp', ports: [443] },
    ]);
    const script = renderPolicy(p!, { index: 3, hostIf: 'x3s' });
    expect(script).toContain('ip daddr { 198.18.0.50/32 } tcp dport { 443 } accept');
    expect(script).toContain('ip6 daddr { 2001:db8:1::50/128 } tcp dport { 443 } accept');
  });

  it('matches label selectors as metav1.LabelSelector does', () => {
    const labels = { a: '1', b: '2' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['0', '1'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Gt' }] }, labels)).toThrow(NetpolError);
  });

  it('refuses what it cannot emulate faithfully instead of guessing', () => {
    const named = doc(head('  policyTypes: [Egress]\n  egress:\n    - ports: [{port: https}]\n'));
    expect(() => egressFor(named, probePod('x'))).toThrow(/named port/);
    const sctp = doc(head('  policyTypes: [Egress]\n  egress:\n    - ports: [{protocol: SCTP, port: 9}]\n'));
    expect(() => egressFor(sctp, probePod('x'))).toThrow(/SCTP/);
    expect(() => parsePolicies('kind: Deployment\n', 'd.yaml')).toThrow(NetpolError);
  });
});
