// Shared setup for the resolver's loopback tests: DNS fixtures that share one port on several
// 127.0.0.x addresses (Go sends every query to port 53, so servers differ by address only).
import { onTestFinished } from 'vitest';
import { ClosedPort } from '../../../src/lab/closed-port.js';
import { DnsFixture } from '../../../src/lab/dns-server.js';
import type { DnsFixtureOptions } from '../../../src/lab/dns-server.js';
import { DnsLookupError, Resolver } from '../../../src/net/resolver.js';
import type { ResolverOptions } from '../../../src/net/resolver.js';
import { parseResolvConf } from '../../../src/net/resolvconf.js';
import type { ResolvConf } from '../../../src/net/resolvconf.js';
import { parseHosts } from '../../../src/net/hosts.js';
import type { HostLookupOrder } from '../../../src/net/nsswitch.js';

/** Starts one fixture per address, all on the same (ephemeral) port. */
export async function startFixtures(hosts: string[], opts: (host: string) => Omit<DnsFixtureOptions, 'host' | 'port'>): Promise<DnsFixture[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await DnsFixture.start({ ...opts(hosts[0]!), host: hosts[0]! });
    const all = [first];
    try {
      for (const h of hosts.slice(1)) all.push(await DnsFixture.start({ ...opts(h), host: h, port: first.port }));
      return all;
    } catch {
      await Promise.all(all.map((f) => f.close()));
    }
  }
  throw new Error('no common port for the fixtures');
}

/** A port where nothing listens on 127.0.0.1 (UDP or TCP), held so until the calling test ends. */
export async function closedPort(): Promise<number> {
  const held = await ClosedPort.hold();
  onTestFinished(() => held.close());
  return held.port;
}

export interface MakeResolver {
  resolv: string;
  port: number;
  hosts?: string;
  order?: HostLookupOrder;
  /** Replaces resolv.conf's timeout (whole seconds only) to keep the tests fast. */
  timeoutMs?: number;
  extra?: Partial<ResolverOptions>;
  conf?: Partial<ResolvConf>;
}

export function makeResolver(o: MakeResolver): Resolver {
  const parsed = parseResolvConf(o.resolv, 'pod');
  const conf: ResolvConf = { ...parsed, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), ...o.conf };
  return new Resolver({ conf, hosts: parseHosts(o.hosts ?? ''), order: o.order ?? 'files,dns', port: o.port, ...o.extra });
}

export const signal = (ms = 20_000): AbortSignal => AbortSignal.timeout(ms);

/** Runs a lookup expected to fail and returns the error. */
export async function lookupError(r: Resolver, host: string, s: AbortSignal = signal()): Promise<DnsLookupError> {
  let addresses: string[];
  try {
    addresses = (await r.lookup(host, { signal: s })).addresses;
  } catch (e) {
    if (e instanceof DnsLookupError) return e;
    throw e;
  }
  throw new Error(`expected ${host} to fail, got ${addresses.join(', ')}`);
}
