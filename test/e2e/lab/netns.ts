// The lab's network: one services namespace holding every server address, and one pod namespace per
// scenario joined to it by its own veth pair (as a CNI joins each pod to the node). Nothing is added to
// the root namespace, the pods have no default route, and everything is torn down on exit, also after a
// crash of an earlier run (names carry the owning pid, so a leftover is recognised by its dead owner).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labEnv, run, runOk, runSyncQuiet } from './sh.js';
import { HOST_IPS, HOST_IPS6, POD_RESOLV_CONF, SERVICES_CIDR, SERVICES_CIDR6, podAddressing, podAddressing6, podResolvConf, type PodAddressing, type PodAddressing6, type PodFamilies } from './topology.js';

const PREFIX = 'gmp-';
const NAME_RE = /^gmp-([a-z]{1,4})-(\d+)-(svc|p\d+)$/;
const NETNS_ETC = '/etc/netns';
const MAX_PODS = 256;

export interface Pod {
  readonly index: number;
  readonly ns: string;
  /** The services-namespace end of this pod's veth: where a CNI would enforce the pod's egress policy. */
  readonly hostIf: string;
  readonly addressing: PodAddressing;
  readonly families: PodFamilies;
  /** The pod's IPv6 /64, when it is dual-stack or IPv6-only. */
  readonly addressing6?: PodAddressing6;
}

/** The names a pod's link joins: `podIf` must end up in `ns`, `hostIf` in `servicesNs`, both down and unaddressed. */
export interface PodLinkNames {
  readonly index: number;
  readonly ns: string;
  readonly servicesNs: string;
  readonly podIf: string;
  readonly hostIf: string;
}

export interface AddPodOptions {
  /** Creates the pod's link (default: a veth pair). The benchmark puts a delaying relay there instead. */
  readonly link?: (names: PodLinkNames) => Promise<void>;
  /** The pod's address families (default IPv4 only, as every scenario before the IPv6 ones). */
  readonly families?: PodFamilies;
}

async function vethLink(n: PodLinkNames): Promise<void> {
  await runOk('ip', ['link', 'add', 'name', n.podIf, 'netns', n.ns, 'type', 'veth', 'peer', 'name', n.hostIf, 'netns', n.servicesNs]);
}

export class LabNet {
  readonly tag: string;
  readonly servicesNs: string;
  readonly pods: Pod[] = [];
  /** Server pids started in the services namespace, killed on exit even if nothing else runs. */
  readonly serverPids = new Set<number>();
  #destroyed = false;
  readonly #exitHook = (): void => this.destroySync();

  private constructor(tag: string) {
    this.tag = tag;
    this.servicesNs = `${PREFIX}${tag}-${process.pid}-svc`;
  }

  /** Creates the services namespace with one loopback address per lab host. */
  static async create(tag: string): Promise<LabNet> {
    if (!/^[a-z]{1,4}$/.test(tag)) throw new TypeError(`lab tag must be 1-4 lowercase letters: ${tag}`);
    await removeLeftovers();
    const net = new LabNet(tag);
    process.once('exit', net.#exitHook);
    try {
      await net.setUpServices();
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  private async setUpServices(): Promise<void> {
    const s = this.servicesNs;
    await runOk('ip', ['netns', 'add', s]);
    await runOk('ip', ['-n', s, 'link', 'set', 'lo', 'up']);
    for (const ip of new Set(Object.values(HOST_IPS))) await runOk('ip', ['-n', s, 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
    // nodad: no duplicate address detection, so the addresses are usable at once (not "tentative" for ~1 s).
    for (const ip of new Set(Object.values(HOST_IPS6))) await runOk('ip', ['-n', s, 'addr', 'add', `${ip}/128`, 'dev', 'lo', 'nodad']);
    // A reject policy answers every blocked UDP packet with ICMP port unreachable. The kernel's per-peer
    // ICMP rate limit (1/s) would turn most of them into silent drops, and which ones depends on timing
    // (go and the probe share the pod's address): reject means reject here.
    // /proc/sys/net belongs to the reader's namespace (and procps' sysctl may not be installed).
    await runOk('ip', ['netns', 'exec', s, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit']);
    // The servers resolve lab names (tinyproxy's CONNECT targets, nginx's upstream) through the lab DNS.
    writeEtc(s, {
      'resolv.conf': `nameserver ${HOST_IPS.dns}\noptions timeout:1 attempts:2\n`,
      hosts: '127.0.0.1 localhost\n',
      'nsswitch.conf': 'hosts: files dns\n',
    });
  }

  /** A pod namespace with its veth to the services namespace, a k8s-like resolv.conf and a route to the services only. */
  async addPod(opts: AddPodOptions = {}): Promise<Pod> {
    const index = this.pods.length;
    if (index >= MAX_PODS) throw new RangeError(`at most ${MAX_PODS} pods per lab`);
    const ns = `${PREFIX}${this.tag}-${process.pid}-p${index}`;
    const short = `g${this.tag}${process.pid.toString(36)}${index}`;
    const podIf = `${short}p`;
    const hostIf = `${short}s`;
    if (hostIf.length > 15) throw new RangeError(`interface name too long: ${hostIf}`);
    const a = podAddressing(index);
    const families = opts.families ?? 'ipv4';
    const a6 = families === 'ipv4' ? undefined : podAddressing6(index);
    const pod: Pod = { index, ns, hostIf, addressing: a, families, ...(a6 ? { addressing6: a6 } : {}) };
    this.pods.push(pod);
    const s = this.servicesNs;
    await runOk('ip', ['netns', 'add', ns]);
    await (opts.link ?? vethLink)({ index, ns, servicesNs: s, podIf, hostIf });
    await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    if (families !== 'ipv6-only') {
      await runOk('ip', ['-n', ns, 'addr', 'add', `${a.pod}/${a.prefix}`, 'dev', podIf]);
      await runOk('ip', ['-n', s, 'addr', 'add', `${a.gateway}/${a.prefix}`, 'dev', hostIf]);
    }
    if (a6) {
      await runOk('ip', ['-n', ns, 'addr', 'add', `${a6.pod}/${a6.prefix}`, 'dev', podIf, 'nodad']);
      await runOk('ip', ['-n', s, 'addr', 'add', `${a6.gateway}/${a6.prefix}`, 'dev', hostIf, 'nodad']);
    }
    await runOk('ip', ['-n', ns, 'link', 'set', podIf, 'up']);
    await runOk('ip', ['-n', s, 'link', 'set', hostIf, 'up']);
    // Only the services subnets are reachable: no default route, so nothing leaks to the machine's network.
    if (families !== 'ipv6-only') await runOk('ip', ['-n', ns, 'route', 'add', SERVICES_CIDR, 'via', a.gateway]);
    if (a6) {
      await runOk('ip', ['-n', ns, '-6', 'route', 'add', SERVICES_CIDR6, 'via', a6.gateway]);
      // Static neighbours both ways: on a link just brought up, the first neighbour solicitation is lost
      // and retried after 1 s (measured: the first IPv6 connect took 1049 ms, the next 4 ms), longer than
      // go's 300 ms fallback delay, so a fresh pod would reach a dual-stack host over IPv4 by luck of timing.
      await runOk('ip', ['-n', ns, '-6', 'neigh', 'replace', a6.gateway, 'lladdr', await macOf(s, hostIf), 'dev', podIf, 'nud', 'permanent']);
      await runOk('ip', ['-n', s, '-6', 'neigh', 'replace', a6.pod, 'lladdr', await macOf(ns, podIf), 'dev', hostIf, 'nud', 'permanent']);
    }
    writeEtc(ns, {
      // An IPv6-only cluster's DNS service has an IPv6 address.
      'resolv.conf': families === 'ipv6-only' ? podResolvConf(HOST_IPS6.dns) : POD_RESOLV_CONF,
      hosts: '127.0.0.1 localhost\n::1 localhost ip6-localhost\n',
      'nsswitch.conf': 'hosts: files dns\n',
    });
    return pod;
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    process.off('exit', this.#exitHook);
    for (const pid of this.serverPids) killQuiet(pid, 'SIGTERM');
    await killNamespaceProcesses(this.servicesNs);
    for (const p of this.pods) await killNamespaceProcesses(p.ns);
    for (const ns of [this.servicesNs, ...this.pods.map((p) => p.ns)]) {
      await run('ip', ['netns', 'del', ns]);
      rmSync(join(NETNS_ETC, ns), { recursive: true, force: true });
    }
  }

  /** For process exit: nothing asynchronous runs there. */
  destroySync(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const pid of this.serverPids) killQuiet(pid, 'SIGKILL');
    for (const ns of [this.servicesNs, ...this.pods.map((p) => p.ns)]) destroyNamespaceSync(ns);
  }
}

async function macOf(ns: string, ifname: string): Promise<string> {
  const r = await runOk('ip', ['-n', ns, '-o', 'link', 'show', 'dev', ifname]);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
  if (!mac) throw new Error(`no MAC address on ${ifname} in ${ns}: ${r.stdout}`);
  return mac;
}

function writeEtc(ns: string, files: Record<string, string>): void {
  const dir = join(NETNS_ETC, ns);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
}

function killQuiet(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function namespacePids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], { timeoutMs: 5000 });
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

/** Our own servers (and any go or probe still running) inside a namespace we created. */
async function killNamespaceProcesses(ns: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = await namespacePids(ns);
    if (pids.length === 0) return;
    for (const pid of pids) killQuiet(pid, round < 10 ? 'SIGTERM' : 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function destroyNamespaceSync(ns: string): void {
  const r = runSyncPids(ns);
  for (const pid of r) killQuiet(pid, 'SIGKILL');
  runSyncQuiet('ip', ['netns', 'del', ns]);
  rmSync(join(NETNS_ETC, ns), { recursive: true, force: true });
}

function runSyncPids(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000, env: labEnv() });
  return (r.stdout ?? '').split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces (and their /etc/netns dirs) left by lab runs whose owning process is gone. */
export async function removeLeftovers(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeoutMs: 5000 });
  const names = new Set(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(PREFIX)));
  try {
    for (const d of readdirSync(NETNS_ETC)) if (d.startsWith(PREFIX)) names.add(d);
  } catch {
    // no /etc/netns yet
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = NAME_RE.exec(name);
    if (!m || alive(Number(m[2]))) continue;
    await killNamespaceProcesses(name);
    await run('ip', ['netns', 'del', name]);
    rmSync(join(NETNS_ETC, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

