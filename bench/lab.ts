// The bench's lab: the e2e lab (namespaces, dnsmasq, nginx, tinyproxy, nftables policies) with bulk
// modules for the scale runs, plus pods whose link to the services is a delaying relay (bench/relay.py)
// instead of a veth pair. Everything is torn down by the e2e lab's own teardown (the relay runs in the
// services namespace and is one of its server pids; its TAP devices die with it).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { E2eLab } from '../test/e2e/lab/lab.js';
import type { Pod, PodLinkNames } from '../test/e2e/lab/netns.js';
import { labEnv, runOk } from '../test/e2e/lab/sh.js';

const RELAY = fileURLToPath(new URL('./relay.py', import.meta.url));
const RELAY_READY_MS = 10_000;

export interface BenchLabOptions {
  readonly bulkModules: number;
  /** The interpreter that runs relay.py and measure.py (an absolute path). */
  readonly python: string;
}

export class BenchLab {
  readonly e2e: E2eLab;
  readonly #python: string;

  private constructor(e2e: E2eLab, python: string) {
    this.e2e = e2e;
    this.#python = python;
  }

  static async start(opts: BenchLabOptions): Promise<BenchLab> {
    const e2e = await E2eLab.start({ tag: 'bnch', content: { bulkModules: opts.bulkModules } });
    return new BenchLab(e2e, opts.python);
  }

  /** A pod joined to the services by a veth pair: no added delay. */
  plainPod(): Promise<Pod> {
    return this.e2e.addPod();
  }

  /** A pod whose every frame to and from the services is held `delayMs` each way. */
  async delayedPod(delayMs: number): Promise<Pod> {
    let link: PodLinkNames | undefined;
    const pod = await this.e2e.addPod({
      link: (names) => {
        link = names;
        return this.#relayLink(names, delayMs);
      },
    });
    await pinNeighbours(pod, link!);
    return pod;
  }

  async #relayLink(n: PodLinkNames, delayMs: number): Promise<void> {
    // Started in the services namespace, so the lab's teardown kills it with the other servers.
    const child = spawn('ip', ['netns', 'exec', n.servicesNs, this.#python, RELAY, n.podIf, n.hostIf, String(delayMs)], {
      // stdin stays open: the relay exits when it closes, i.e. when this process dies.
      stdio: ['pipe', 'pipe', 'pipe'],
      env: labEnv(),
    });
    if (child.pid !== undefined) this.e2e.net.serverPids.add(child.pid);
    let output = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), RELAY_READY_MS);
      const onData = (d: Buffer): void => {
        if (output.length < 64 * 1024) output += d.toString('utf8');
        if (/^ready$/m.test(output)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill('SIGKILL');
      throw new Error(`delay relay for ${n.ns} did not start: ${output.slice(-2000)}`);
    }
    child.stdout.removeAllListeners('data');
    child.stderr.removeAllListeners('data');
    child.stdout.resume();
    child.stderr.resume();
    // Both TAP devices were created in the services namespace; the pod's end moves to the pod.
    await runOk('ip', ['-n', n.servicesNs, 'link', 'set', n.podIf, 'netns', n.ns]);
  }
}

/**
 * ARP over the relay would cost the first packet of each side a round trip (and again whenever the
 * entry goes stale): pin both neighbours, as a CNI's static routes and proxy ARP make it a non-event.
 */
async function pinNeighbours(pod: Pod, link: PodLinkNames): Promise<void> {
  const { podIf, servicesNs } = link;
  const mac = async (ns: string, dev: string): Promise<string> => {
    const r = await runOk('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev]);
    const parsed = JSON.parse(r.stdout) as { address?: string }[];
    const address = parsed[0]?.address;
    if (!address || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(address)) throw new Error(`no MAC address for ${dev} in ${ns}`);
    return address;
  };
  const podMac = await mac(pod.ns, podIf);
  const hostMac = await mac(servicesNs, pod.hostIf);
  await runOk('ip', ['-n', pod.ns, 'neigh', 'replace', pod.addressing.gateway, 'lladdr', hostMac, 'dev', podIf, 'nud', 'permanent']);
  await runOk('ip', ['-n', servicesNs, 'neigh', 'replace', pod.addressing.pod, 'lladdr', podMac, 'dev', pod.hostIf, 'nud', 'permanent']);
}
