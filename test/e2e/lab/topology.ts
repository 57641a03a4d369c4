// Where everything lives in the lab. Only 198.18.0.0/15 (RFC 2544 benchmarking space): the services
// sit on 198.18.0.0/24 inside the services namespace, each pod gets a /30 out of 198.19.0.0/16.
// IPv6 only from 2001:db8::/32 (documentation space, routed nowhere): the services' IPv6 addresses on
// 2001:db8:1::/64, each dual-stack or IPv6-only pod a /64 out of 2001:db8:2::/48.

export const SERVICES_CIDR = '198.18.0.0/24';

/** One address per lab host, so a policy can drop one host and not another, as a CNI does. */
export const HOST_IPS = Object.freeze({
  dns: '198.18.0.2',
  proxy: '198.18.0.10',
  sum: '198.18.0.11',
  storage: '198.18.0.12',
  egress: '198.18.0.13',
  egressAuth: '198.18.0.14',
  expired: '198.18.0.20',
  wrongname: '198.18.0.21',
  nochain: '198.18.0.22',
  sha1: '198.18.0.23',
  pathlen: '198.18.0.24',
  weakrsa: '198.18.0.25',
  /** crypto/x509 by go version (#13): policies, a weak CA key, chain-level name constraints, name values. */
  policy: '198.18.0.26',
  weakca: '198.18.0.27',
  ncwild: '198.18.0.28',
  anyattr: '198.18.0.29',
  duppolicy: '198.18.0.31',
  ncmany: '198.18.0.32',
  bmp: '198.18.0.33',
  v4mapped: '198.18.0.34',
  mbox: '198.18.0.30',
  dead: '198.18.0.40',
  dual: '198.18.0.50',
  dualStorage: '198.18.0.52',
  auth: '198.18.0.15',
  vanity: '198.18.0.16',
  /** The git server (#16): go-import pages and git http-backend; gitrepo serves the same repositories. */
  git: '198.18.0.70',
  gitrepo: '198.18.0.71',
});

export const SERVICES_CIDR6 = '2001:db8:1::/64';

/**
 * The hosts that also have an IPv6 address (an AAAA record beside their A record, or the address alone).
 * The hosts of the IPv4 scenarios have none, so those scenarios see the lab they always saw.
 */
export const HOST_IPS6 = Object.freeze({
  dns: '2001:db8:1::2',
  dual: '2001:db8:1::50',
  dualStorage: '2001:db8:1::52',
  /** An egress proxy reachable over IPv6 only (no DNS name: HTTPS_PROXY names it by its literal). */
  egress6: '2001:db8:1::13',
});

export type LabHost = keyof typeof HOST_IPS;

/** The cluster DNS names of the lab hosts (dnsmasq answers these and NXDOMAIN for the rest of the zone). */
export const HOST_NAMES: Readonly<Record<Exclude<LabHost, 'dns'>, string>> = Object.freeze({
  proxy: 'proxy.lab.test',
  sum: 'sum.lab.test',
  storage: 'storage.lab.test',
  egress: 'egress.lab.test',
  egressAuth: 'egress-auth.lab.test',
  expired: 'expired.lab.test',
  wrongname: 'wrongname.lab.test',
  nochain: 'nochain.lab.test',
  sha1: 'sha1.lab.test',
  pathlen: 'pathlen.lab.test',
  weakrsa: 'weakrsa.lab.test',
  policy: 'policy.lab.test',
  weakca: 'weakca.lab.test',
  ncwild: 'ncwild.lab.test',
  anyattr: 'anyattr.lab.test',
  duppolicy: 'duppolicy.lab.test',
  ncmany: 'ncmany.lab.test',
  bmp: 'bmp.lab.test',
  v4mapped: 'v4mapped.lab.test',
  mbox: 'mbox.lab.test',
  dead: 'dead.lab.test',
  dual: 'dual.lab.test',
  dualStorage: 'dualstore.lab.test',
  auth: 'auth.lab.test',
  vanity: 'vanity.lab.test',
  git: 'git.lab.test',
  gitrepo: 'gitrepo.lab.test',
});

export const EGRESS_PROXY_PORT = 3128;
/** auth.lab.test serves the module proxy behind Basic auth on 443 and on this port (host:port GOPROXYs). */
export const AUTH_ALT_PORT = 8443;
export const MODULE_USER = 'moduser';
export const MODULE_PASSWORD = 'mod-token-pw';
export const EGRESS_USER = 'labuser';
export const EGRESS_PASSWORD = 'lab-secret-pw';

/** What a Kubernetes pod's resolv.conf looks like (ndots:5 and the namespace search list), with short timeouts. */
export const POD_RESOLV_CONF = podResolvConf(HOST_IPS.dns);

/** The same for a pod whose cluster DNS service has an IPv6 address (an IPv6-only cluster). */
export function podResolvConf(nameserver: string): string {
  return [
    `nameserver ${nameserver}`,
    'search default.svc.cluster.local svc.cluster.local cluster.local',
    'options ndots:5 timeout:1 attempts:2',
    '',
  ].join('\n');
}

export const LAB_MODULE = 'lab.test/hello';
export const LAB_VERSIONS = ['v1.0.0', 'v1.1.0', 'v1.2.0'] as const;
/** The version the scenarios download: not the latest, so a wrong "latest" answer cannot pass by luck. */
export const PROBED_VERSION = 'v1.1.0';

export interface PodAddressing {
  /** The services-namespace end of the pod's veth (the pod's gateway to the services). */
  readonly gateway: string;
  readonly pod: string;
  readonly prefix: 30;
}

/** Pod i gets 198.19.x.y/30; the services end is .1 of the /30, the pod .2. */
export function podAddressing(index: number): PodAddressing {
  if (!Number.isInteger(index) || index < 0 || index >= 16384) throw new RangeError(`pod index ${index} out of range`);
  const base = index * 4;
  const third = Math.floor(base / 256);
  const fourth = base % 256;
  return { gateway: `198.19.${third}.${fourth + 1}`, pod: `198.19.${third}.${fourth + 2}`, prefix: 30 };
}

/** Which address families a pod has, as a cluster's ipFamilies gives them (default: IPv4 only). */
export type PodFamilies = 'ipv4' | 'dual-stack' | 'ipv6-only';

export interface PodAddressing6 {
  readonly gateway: string;
  readonly pod: string;
  readonly prefix: 64;
}

/** Pod i's IPv6 /64 is 2001:db8:2:<i>::/64; the services end is ::1, the pod ::2. */
export function podAddressing6(index: number): PodAddressing6 {
  if (!Number.isInteger(index) || index < 0 || index > 0xffff) throw new RangeError(`pod index ${index} out of range`);
  const net = `2001:db8:2:${index.toString(16)}`;
  return { gateway: `${net}::1`, pod: `${net}::2`, prefix: 64 };
}
