// The policy renderers on egress lists no lab produces easily: IPv6 (/128), a name that did not resolve,
// origins behind an egress proxy, a fallback this run did not take, an IP-literal destination. Each
// rendering must stay valid for the Kubernetes API (and Cilium's CRD shape) whatever the list holds.

import { describe, expect, it } from 'vitest';
import type { EgressDestination } from '../../../src/egress.js';
import { policyPlan, renderNetworkPolicy } from '../../../src/report/networkpolicy.js';
import type { RunReport } from '../../../src/report/types.js';
import { parseYamlObjects, schemaErrors, unknownFields } from '../../ship/k8s.js';
import { ciliumShapeErrors } from '../../ship/cilium-shape.js';

const dest = (d: Partial<EgressDestination> & Pick<EgressDestination, 'host'>): EgressDestination => ({
  port: 443, protocol: 'tcp', addresses: [], why: [{ kind: 'goproxy', text: 'GOPROXY entry 1' }], needed: 'always', dialed: true, reached: true, stage: 'tcp', ...d,
});
const dns = (host: string, protocol: 'udp' | 'tcp'): EgressDestination =>
  dest({ host, port: 53, protocol, addresses: [host], why: [{ kind: 'dns-server', text: 'DNS server' }], needed: protocol === 'udp' ? 'always' : 'fallback', dialed: protocol === 'udp', stage: 'dns' });
const report = (egress: EgressDestination[], verdict: RunReport['verdict'] = 'pass'): RunReport =>
  ({ tool: { name: 'gomodprobe', version: 't' }, finishedAt: '2026-01-01T00:00:00.000Z', verdict, egress, ...(verdict === 'fail' ? { failure: { stage: 'redirect', cause: 'redirect.tcp.timeout' } } : {}) }) as unknown as RunReport;

type NP = { spec: { egress: { to: { ipBlock?: { cidr: string } }[]; ports: { protocol: string; port: number }[] }[] } };

describe('--emit-networkpolicy renderers', () => {
  const mixed = [
    dns('10.96.0.10', 'udp'),
    dns('10.96.0.10', 'tcp'),
    dns('fd00::a', 'udp'),
    dest({ host: 'proxy.example', addresses: ['192.0.2.10', '2001:db8::10'] }),
    dest({ host: 'sum.example', addresses: [], dialed: true, reached: false, failure: { layer: 'dns', cause: 'dns.nxdomain' }, why: [{ kind: 'sumdb', text: 'checksum database sum.example' }], stage: 'sumdb' }),
    dest({ host: '198.51.100.7', port: 8443, addresses: ['198.51.100.7'], why: [{ kind: 'redirect', text: 'redirect of m@v1.0.0 from proxy.example' }], stage: 'redirect' }),
    dest({ host: 'later.example', needed: 'fallback', dialed: false, reached: false, why: [{ kind: 'goproxy', text: 'GOPROXY entry 2 (https://later.example)' }], stage: 'proxy' }),
  ];

  it('kubernetes: /32 and /128 per address, the DNS servers of both families, no rule for a name that did not resolve, comments for what is left out', async () => {
    const text = renderNetworkPolicy(report(mixed, 'fail'), 'kubernetes');
    const [np] = parseYamlObjects(text);
    expect(await schemaErrors(np!)).toBeUndefined();
    expect(unknownFields(np!)).toEqual([]);
    const rules = (np as unknown as NP).spec.egress;
    expect(rules[0]!.to.slice(1)).toEqual([{ ipBlock: { cidr: '10.96.0.10/32' } }, { ipBlock: { cidr: 'fd00::a/128' } }]);
    expect(rules.slice(1).map((r) => `${r.to.map((t) => t.ipBlock?.cidr).join(',')} ${r.ports.map((p) => `${p.protocol}/${p.port}`).join(',')}`)).toEqual([
      '192.0.2.10/32,2001:db8::10/128 TCP/443',
      '198.51.100.7/32 TCP/8443',
    ]);
    expect(text).toContain('# sum.example did not resolve in this run: no address to allow');
    expect(text).toContain('# Not allowed: later.example:443, GOPROXY entry 2 (https://later.example): go dials it only on a fallback, and this run did not.');
    expect(text).toContain('failed at redirect: redirect.tcp.timeout');
    expect(text).toContain('The run did not pass');
  });

  it('cilium: the nameservers by address beside kube-dns, names (toFQDNs) for names, toCIDR for an address, and nothing for what was not dialed', () => {
    const [cnp] = parseYamlObjects(renderNetworkPolicy(report(mixed), 'cilium'));
    expect(ciliumShapeErrors(cnp!)).toEqual([]);
    const rules = (cnp as unknown as { spec: { egress: Record<string, unknown>[] } }).spec.egress.slice(1);
    expect(rules.map((r) => JSON.stringify(r['toFQDNs'] ?? r['toCIDR']))).toEqual([
      '["10.96.0.10/32","fd00::a/128"]',
      '[{"matchName":"proxy.example"}]',
      '[{"matchName":"sum.example"}]',
      '["198.51.100.7/32"]',
    ]);
  });

  it('behind an egress proxy allows only the proxy; a comment cannot be ended by a why text with a newline', async () => {
    const proxied = [
      dns('10.96.0.10', 'udp'),
      dest({ host: 'egress.example', port: 3128, addresses: ['192.0.2.3'], why: [{ kind: 'egress-proxy', text: 'egress proxy (HTTPS_PROXY)\napiVersion: evil' }] }),
      dest({ host: 'proxy.example', via: 'egress.example:3128' }),
      dest({ host: 'storage.example', via: 'egress.example:3128', stage: 'redirect' }),
    ];
    expect(policyPlan(proxied).allow.map((d) => d.host)).toEqual(['egress.example']);
    const text = renderNetworkPolicy(report(proxied), 'kubernetes');
    const [np, ...more] = parseYamlObjects(text);
    expect(more).toEqual([]);
    expect(await schemaErrors(np!)).toBeUndefined();
    expect((np as unknown as NP).spec.egress.slice(1).map((r) => r.ports[0]!.port)).toEqual([3128]);
    expect(text).not.toMatch(/^apiVersion: evil/m);
  });

  it('with no DNS server and nothing dialed still renders a valid policy that allows DNS only', async () => {
    const [np] = parseYamlObjects(renderNetworkPolicy(report([]), 'kubernetes'));
    expect(await schemaErrors(np!)).toBeUndefined();
    expect((np as unknown as NP).spec.egress.map((r) => r.ports.map((p) => p.port))).toEqual([[53, 53]]);
  });
});
