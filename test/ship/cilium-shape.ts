// The shape of a CiliumNetworkPolicy (cilium.io/v2) as Cilium's CRD schema declares it, for the fields a
// policy gomodprobe emits can use: unknown keys (the API server drops or rejects them), the patterns of
// FQDN selectors, ports as strings in range, the protocol enum, and Cilium's rule that toFQDNs combines
// with toPorts only. Written from the CRD's openAPIV3Schema; no Cilium package runs on Node 20.

import { isIPv4, isIPv6 } from 'node:net';

type Obj = Record<string, unknown>;

const SPEC_KEYS = ['endpointSelector', 'nodeSelector', 'ingress', 'ingressDeny', 'egress', 'egressDeny', 'labels', 'description', 'enableDefaultDeny', 'log'];
const EGRESS_KEYS = ['toEndpoints', 'toRequires', 'toCIDR', 'toCIDRSet', 'toEntities', 'toServices', 'toFQDNs', 'toGroups', 'toNodes', 'toPorts', 'icmps', 'authentication'];
const L3_KEYS = EGRESS_KEYS.filter((k) => k !== 'toPorts' && k !== 'toFQDNs' && k !== 'icmps' && k !== 'authentication');
const PORT_RULE_KEYS = ['ports', 'rules', 'listener', 'originatingTLS', 'serverNames', 'terminatingTLS'];
const PORT_KEYS = ['port', 'endPort', 'protocol'];
const L7_KEYS = ['http', 'kafka', 'dns', 'l7proto', 'l7'];
const FQDN_KEYS = ['matchName', 'matchPattern'];
const SELECTOR_KEYS = ['matchLabels', 'matchExpressions'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPv6', 'VRRP', 'IGMP', 'ANY'];
const MATCH_NAME = /^([-a-zA-Z0-9_]+[.]?)+$/;
const MATCH_PATTERN = /^([-a-zA-Z0-9_*]+[.]?)+$/;
const PORT = /^(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})$/;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function ciliumShapeErrors(doc: Obj): string[] {
  const errors: string[] = [];
  const keys = (o: Obj, allowed: readonly string[], at: string): void => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) errors.push(`${at}.${k}: unknown field`);
  };
  const list = (v: unknown, at: string): unknown[] => {
    if (!Array.isArray(v)) {
      errors.push(`${at}: must be a list`);
      return [];
    }
    return v;
  };
  const selector = (v: unknown, at: string): void => {
    if (!isObj(v)) return void errors.push(`${at}: must be an object`);
    keys(v, SELECTOR_KEYS, at);
    if (v['matchLabels'] !== undefined) {
      if (!isObj(v['matchLabels'])) errors.push(`${at}.matchLabels: must be a map`);
      else for (const [k, val] of Object.entries(v['matchLabels'])) if (typeof val !== 'string') errors.push(`${at}.matchLabels.${k}: must be a string`);
    }
  };
  const fqdn = (v: unknown, at: string): void => {
    if (!isObj(v)) return void errors.push(`${at}: must be an object`);
    keys(v, FQDN_KEYS, at);
    const name = v['matchName'];
    const pattern = v['matchPattern'];
    if (name === undefined && pattern === undefined) errors.push(`${at}: needs matchName or matchPattern`);
    if (name !== undefined && (typeof name !== 'string' || name.length > 255 || !MATCH_NAME.test(name))) errors.push(`${at}.matchName: ${JSON.stringify(name)} does not match ${MATCH_NAME}`);
    if (pattern !== undefined && (typeof pattern !== 'string' || pattern.length > 255 || !MATCH_PATTERN.test(pattern))) errors.push(`${at}.matchPattern: ${JSON.stringify(pattern)} does not match ${MATCH_PATTERN}`);
  };

  if (doc['apiVersion'] !== 'cilium.io/v2') errors.push(`apiVersion: ${JSON.stringify(doc['apiVersion'])} is not cilium.io/v2`);
  if (doc['kind'] !== 'CiliumNetworkPolicy') errors.push(`kind: ${JSON.stringify(doc['kind'])} is not CiliumNetworkPolicy`);
  const meta = doc['metadata'];
  if (!isObj(meta) || typeof meta['name'] !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta['name'])) errors.push('metadata.name: missing or not a DNS subdomain');
  const spec = doc['spec'];
  if (!isObj(spec)) return [...errors, 'spec: must be an object'];
  keys(spec, SPEC_KEYS, 'spec');
  if (spec['endpointSelector'] === undefined && spec['nodeSelector'] === undefined) errors.push('spec: needs endpointSelector or nodeSelector');
  if (spec['endpointSelector'] !== undefined) selector(spec['endpointSelector'], 'spec.endpointSelector');
  list(spec['egress'], 'spec.egress').forEach((rule, i) => {
    const at = `spec.egress[${i}]`;
    if (!isObj(rule)) return void errors.push(`${at}: must be an object`);
    keys(rule, EGRESS_KEYS, at);
    if (rule['toFQDNs'] !== undefined) {
      list(rule['toFQDNs'], `${at}.toFQDNs`).forEach((f, j) => fqdn(f, `${at}.toFQDNs[${j}]`));
      const other = L3_KEYS.filter((k) => rule[k] !== undefined);
      if (other.length > 0) errors.push(`${at}: toFQDNs can only be combined with toPorts, not ${other.join(', ')}`);
    }
    if (rule['toEndpoints'] !== undefined) list(rule['toEndpoints'], `${at}.toEndpoints`).forEach((s, j) => selector(s, `${at}.toEndpoints[${j}]`));
    if (rule['toCIDR'] !== undefined) {
      list(rule['toCIDR'], `${at}.toCIDR`).forEach((c, j) => {
        const [addr, bits, ...rest] = String(c).split('/');
        const max = isIPv4(addr ?? '') ? 32 : isIPv6(addr ?? '') ? 128 : -1;
        if (typeof c !== 'string' || max < 0 || rest.length > 0 || (bits !== undefined && !(Number(bits) >= 0 && Number(bits) <= max))) errors.push(`${at}.toCIDR[${j}]: ${JSON.stringify(c)} is not a CIDR`);
      });
    }
    if (rule['toPorts'] !== undefined) {
      list(rule['toPorts'], `${at}.toPorts`).forEach((pr, j) => {
        const pat = `${at}.toPorts[${j}]`;
        if (!isObj(pr)) return void errors.push(`${pat}: must be an object`);
        keys(pr, PORT_RULE_KEYS, pat);
        list(pr['ports'], `${pat}.ports`).forEach((p, k) => {
          const ppat = `${pat}.ports[${k}]`;
          if (!isObj(p)) return void errors.push(`${ppat}: must be an object`);
          keys(p, PORT_KEYS, ppat);
          if (typeof p['port'] !== 'string' || !PORT.test(p['port'])) errors.push(`${ppat}.port: ${JSON.stringify(p['port'])} must be a port number as a string`);
          if (p['protocol'] !== undefined && !PROTOCOLS.includes(String(p['protocol']))) errors.push(`${ppat}.protocol: ${JSON.stringify(p['protocol'])} is not one of ${PROTOCOLS.join(', ')}`);
        });
        if (pr['rules'] !== undefined) {
          if (!isObj(pr['rules'])) return void errors.push(`${pat}.rules: must be an object`);
          keys(pr['rules'], L7_KEYS, `${pat}.rules`);
          if (pr['rules']['dns'] !== undefined) list(pr['rules']['dns'], `${pat}.rules.dns`).forEach((d, k) => fqdn(d, `${pat}.rules.dns[${k}]`));
        }
      });
    }
  });
  return errors;
}
