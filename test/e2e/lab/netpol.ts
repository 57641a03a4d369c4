// Kubernetes NetworkPolicy (egress) -> the lab's nftables allow-list, so the e2e suite enforces exactly
// the manifests in k8s/netpol-test/policies/ that a real cluster would, rendered by kustomize with a
// suite.env that describes the lab (LAB_SUITE_VALUES) as a user describes a cluster. The lab's
// endpoints carry the labels and namespaces a cluster's would (kube-dns in kube-system).

import { parseAllDocuments } from 'yaml';
import type { AllowPolicy, Match, Proto } from './nft.js';
import { renderNetpolSuite } from '../../ship/k8s.js';
import { HOST_IPS, HOST_NAMES, type LabHost } from './topology.js';

export type Labels = Readonly<Record<string, string>>;

export interface Endpoint {
  readonly host: LabHost;
  readonly namespace: string;
  readonly labels: Labels;
}

export interface PodIdentity {
  readonly namespace: string;
  readonly labels: Labels;
}

const nsLabels = (ns: string): Labels => ({ 'kubernetes.io/metadata.name': ns });

/** Where the lab's servers would run in a cluster, and with which labels. */
export const LAB_ENDPOINTS: readonly Endpoint[] = [
  { host: 'dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  { host: 'proxy', namespace: 'gomodprobe-lab', labels: { 'gomodprobe.dev/lab-role': 'proxy' } },
  { host: 'sum', namespace: 'gomodprobe-lab', labels: { 'gomodprobe.dev/lab-role': 'sum' } },
  { host: 'storage', namespace: 'gomodprobe-lab', labels: { 'gomodprobe.dev/lab-role': 'storage' } },
  { host: 'egress', namespace: 'gomodprobe-lab', labels: { 'gomodprobe.dev/lab-role': 'egress-proxy' } },
];

export const PROBE_NAMESPACE = 'gomodprobe-netpol-test';

/** The pod a policy file is written for: its namespace, labelled with the policy's podSelector.matchLabels. */
export function podSelectedBy(policy: NetworkPolicyFile): PodIdentity {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(policy.doc.spec?.podSelector?.matchLabels ?? {})) labels[k] = String(v);
  return { namespace: policy.namespace, labels: { 'app.kubernetes.io/name': 'gomodprobe', ...labels } };
}

/** The probe pod a policy file is written for: it selects pods labelled gomodprobe.dev/policy=<name>. */
export function probePod(policyName: string): PodIdentity {
  return { namespace: PROBE_NAMESPACE, labels: { 'app.kubernetes.io/name': 'gomodprobe', 'gomodprobe.dev/policy': policyName } };
}

export class NetpolError extends Error {
  readonly code = 'e2e.netpol_unsupported';
}

interface Selector {
  readonly matchLabels?: Record<string, unknown>;
  readonly matchExpressions?: readonly { key?: unknown; operator?: unknown; values?: unknown }[];
}

/** metav1.LabelSelector semantics: every matchLabels pair and every expression must hold; {} matches all. */
export function selectorMatches(sel: Selector | undefined | null, labels: Labels): boolean {
  if (sel === undefined || sel === null) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== String(v)) return false;
  for (const e of sel.matchExpressions ?? []) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new NetpolError(`unsupported selector operator ${String(e.operator)}`);
    }
  }
  return true;
}

interface PolicyDoc {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; annotations?: Record<string, unknown> };
  spec?: {
    podSelector?: Selector;
    policyTypes?: unknown[];
    egress?: { to?: Peer[]; ports?: PortSpec[] }[];
    ingress?: unknown;
  };
}

interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr?: unknown; except?: unknown[] };
}

interface PortSpec {
  protocol?: unknown;
  port?: unknown;
  endPort?: unknown;
}

export interface NetworkPolicyFile {
  readonly file: string;
  readonly name: string;
  readonly namespace: string;
  /** The gomodprobe.dev/expect annotation: what the probe must say under this policy. */
  readonly expect: string | undefined;
  readonly doc: PolicyDoc;
}

export function parsePolicies(text: string, file: string): NetworkPolicyFile[] {
  const out: NetworkPolicyFile[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length > 0) throw new NetpolError(`${file}: ${d.errors[0]!.message}`);
    const doc = d.toJS() as PolicyDoc | null;
    if (!doc) continue;
    if (doc.kind !== 'NetworkPolicy') throw new NetpolError(`${file}: kind ${String(doc.kind)} is not NetworkPolicy`);
    const expect = doc.metadata?.annotations?.['gomodprobe.dev/expect'];
    out.push({
      file,
      name: String(doc.metadata?.name ?? ''),
      namespace: String(doc.metadata?.namespace ?? 'default'),
      expect: typeof expect === 'string' ? expect : undefined,
      doc,
    });
  }
  return out;
}

function isEgressPolicy(doc: PolicyDoc): boolean {
  const types = doc.spec?.policyTypes;
  // Without policyTypes, Egress applies only when egress rules are present (the API server's default).
  if (!Array.isArray(types)) return Array.isArray(doc.spec?.egress);
  return types.includes('Egress');
}

function ports(specs: readonly PortSpec[] | undefined): { proto: Proto; ports?: Match['ports'] }[] {
  if (!specs || specs.length === 0) return [{ proto: 'any' }];
  return specs.map((p) => {
    const protocol = p.protocol === undefined ? 'TCP' : String(p.protocol);
    if (protocol !== 'TCP' && protocol !== 'UDP') throw new NetpolError(`protocol ${protocol} is not emulated`);
    const proto: Proto = protocol === 'TCP' ? 'tcp' : 'udp';
    if (p.port === undefined) return { proto };
    if (typeof p.port !== 'number') throw new NetpolError(`named port ${String(p.port)} is not emulated (use a number)`);
    const end = p.endPort;
    return { proto, ports: [typeof end === 'number' ? { from: p.port, to: end } : p.port] };
  });
}

function peerHosts(peer: Peer, policyNamespace: string, endpoints: readonly Endpoint[]): Match['to'] {
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) throw new NetpolError('ipBlock cannot be combined with selectors');
    const cidr = String(peer.ipBlock.cidr ?? '');
    const except = (peer.ipBlock.except ?? []).map(String);
    if (except.length > 0) throw new NetpolError('ipBlock.except is not emulated');
    return [{ cidr }];
  }
  return endpoints
    .filter((e) =>
      peer.namespaceSelector !== undefined
        ? selectorMatches(peer.namespaceSelector, nsLabels(e.namespace))
        : e.namespace === policyNamespace,
    )
    .filter((e) => selectorMatches(peer.podSelector, e.labels))
    .map((e) => e.host);
}

/** nft matches IPv4 and IPv6 destinations apart: an IPv6 ipBlock becomes a match of its own (selected lab hosts stay IPv4). */
function byFamily(to: Match['to']): Pick<Match, 'to' | 'family'>[] {
  if (to === undefined) return [{}];
  const v6 = to.filter((t) => typeof t !== 'string' && t.cidr.includes(':'));
  const v4 = to.filter((t) => !v6.includes(t));
  return [...(v4.length > 0 ? [{ to: v4 }] : []), ...(v6.length > 0 ? [{ to: v6, family: 'ipv6' as const }] : [])];
}

/**
 * The egress allow-list a CNI enforces for `pod`: the union of the egress rules of every policy that
 * selects it; undefined when none does (then egress is unrestricted).
 */
export function egressFor(policies: readonly NetworkPolicyFile[], pod: PodIdentity, endpoints: readonly Endpoint[] = LAB_ENDPOINTS): AllowPolicy | undefined {
  const selecting = policies.filter((p) => p.namespace === pod.namespace && isEgressPolicy(p.doc) && selectorMatches(p.doc.spec?.podSelector ?? {}, pod.labels));
  if (selecting.length === 0) return undefined;
  const allow: Match[] = [];
  for (const p of selecting) {
    for (const rule of p.doc.spec?.egress ?? []) {
      const to = rule.to === undefined || rule.to.length === 0 ? undefined : rule.to.flatMap((peer) => peerHosts(peer, p.namespace, endpoints) ?? []);
      // A rule whose peers select nothing allows nothing (an empty `to` list would mean "everywhere").
      if (to !== undefined && to.length === 0) continue;
      for (const group of byFamily(to)) {
        for (const pp of ports(rule.ports)) allow.push({ ...group, proto: pp.proto, ...(pp.ports ? { ports: pp.ports } : {}) });
      }
    }
  }
  return { kind: 'allow', name: `NetworkPolicy ${selecting.map((p) => p.name).join(' + ')}`, allow };
}

/**
 * The suite.env values that describe the lab to k8s/netpol-test: its DNS pods by namespace and label,
 * and the GOPROXY, checksum database and storage hosts by address, as a user describes a cluster.
 */
export const LAB_SUITE_VALUES: Readonly<Record<string, string>> = Object.freeze({
  DNS_NAMESPACE: 'kube-system',
  DNS_POD_LABEL: 'kube-dns',
  GOPROXY_CIDR: `${HOST_IPS.proxy}/32`,
  SUMDB_CIDR: `${HOST_IPS.sum}/32`,
  STORAGE_CIDR: `${HOST_IPS.storage}/32`,
  STORAGE_HOST: HOST_NAMES.storage,
});

/** k8s/netpol-test's policies as kustomize renders them for the lab (LAB_SUITE_VALUES), named by their file. */
export function labSuitePolicies(values: Readonly<Record<string, string>> = LAB_SUITE_VALUES): NetworkPolicyFile[] {
  return renderNetpolSuite(values)
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => {
      const doc = o as unknown as PolicyDoc;
      const expect = doc.metadata?.annotations?.['gomodprobe.dev/expect'];
      return {
        file: `${String(doc.metadata?.name ?? '').replace(/^gomodprobe-/, '')}.yaml`,
        name: String(doc.metadata?.name ?? ''),
        namespace: String(doc.metadata?.namespace ?? 'default'),
        expect: typeof expect === 'string' ? expect : undefined,
        doc,
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}
