// Where everything lives in the lab. Only 198.18.0.0/15 (RFC 2544 benchmarking space): the services
// sit on 198.18.0.0/24 inside the services namespace, each pod gets a /30 out of 198.19.0.0/16.

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
  mbox: '198.18.0.30',
  dead: '198.18.0.40',
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
  mbox: 'mbox.lab.test',
  dead: 'dead.lab.test',
});

export const EGRESS_PROXY_PORT = 3128;
export const EGRESS_USER = 'labuser';
export const EGRESS_PASSWORD = 'lab-secret-pw';

/** What a Kubernetes pod's resolv.conf looks like (ndots:5 and the namespace search list), with short timeouts. */
export const POD_RESOLV_CONF = [
  `nameserver ${HOST_IPS.dns}`,
  'search default.svc.cluster.local svc.cluster.local cluster.local',
  'options ndots:5 timeout:1 attempts:2',
  '',
].join('\n');

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
