// The round trips a healthy run cannot avoid, read from the run's own report: the critical path through
// what depends on what. A round trip is counted when an answer must arrive before the next packet can
// be sent; everything that could be in flight at the same time counts once.
//
//   dns(first hop) + tcp + tls  then the longest of three independent branches:
//     proxy:    .info (the version is the query's: .mod can ride along)
//     sumdb:    /supported, then /lookup, then the tiles (all at once)
//     redirect: the .zip request, and per redirect: the new host's dns + tcp + tls, then the request
//
// DNS: go's resolver asks the search-list names one after another (a name is only asked once the one
// before it failed), A and AAAA together; the probe sends exactly go's queries, so each name asked is a
// round trip. TLS 1.3 is one round trip (the request goes with the client's Finished), TLS 1.2 two.

import { nameList } from '../src/net/dnsnames.js';
import type { ResolvConf } from '../src/net/resolvconf.js';
import type { FullReport } from './subjects.js';

export interface LowerBound {
  readonly roundTrips: number;
  /** The critical path, step by step. */
  readonly path: readonly string[];
  readonly branches: Readonly<Record<'proxy' | 'sumdb' | 'redirect', number>>;
}

export class LowerBoundError extends Error {
  readonly code = 'bench.lower_bound';
}

interface Step {
  readonly what: string;
  readonly rtt: number;
}

type Evidence = Record<string, unknown>;

function stage(report: FullReport, name: string): Evidence {
  const s = report.stages.find((x) => x.stage === name);
  if (!s || s.status !== 'pass') throw new LowerBoundError(`the run's ${name} stage did not pass: no healthy run to bound`);
  return s.evidence;
}

/** Names go asks for `host` until the one the lab's DNS answers (the lab zone holds only absolute names). */
export function dnsRounds(host: string, conf: Pick<ResolvConf, 'ndots' | 'search'>): number {
  const names = nameList(host, conf);
  const i = names.indexOf(`${host}.`);
  if (i < 0) throw new LowerBoundError(`go would not ask ${host}. at all (names: ${names.join(', ')})`);
  return i + 1;
}

export function healthyLowerBound(report: FullReport, conf: Pick<ResolvConf, 'ndots' | 'search'>): LowerBound {
  const lookups = stage(report, 'dns')['lookups'] as { host: string; result?: { namesTried: string[] } }[];
  const first = lookups[0];
  if (!first?.result || lookups.length !== 1) throw new LowerBoundError('expected exactly one first hop that resolved');
  const handshake = (stage(report, 'tls')['handshakes'] as { protocol?: string }[])[0];
  const tlsRounds = handshake?.protocol === 'TLSv1.3' ? 1 : 2;
  const firstHost = first.host;
  const head: Step[] = [
    { what: `dns ${firstHost} (${first.result.namesTried.length} names)`, rtt: first.result.namesTried.length },
    { what: 'tcp', rtt: 1 },
    { what: handshake?.protocol ?? 'tls', rtt: tlsRounds },
  ];

  const modules = stage(report, 'proxy')['modules'] as { query: string; version?: string }[];
  const m = modules[0];
  if (!m || modules.length !== 1) throw new LowerBoundError('expected exactly one module');
  const proxy: Step[] = m.query === 'latest' ? [{ what: '@v/list', rtt: 1 }, { what: '.info', rtt: 1 }] : [{ what: '.info (+ .mod)', rtt: 1 }];

  const sumdbEv = stage(report, 'sumdb');
  const sumModule = (sumdbEv['modules'] as { tiles?: string[] }[] | undefined)?.[0];
  const sumBase = String(sumdbEv['base'] ?? '');
  if (!sumBase.startsWith(`https://${firstHost}/`)) throw new LowerBoundError(`the checksum database is not served by the first hop (${sumBase}): this bound covers the lab's healthy layout only`);
  const sumdb: Step[] = [
    { what: '/supported', rtt: 1 },
    { what: '/lookup', rtt: 1 },
    ...((sumModule?.tiles?.length ?? 0) > 0 ? [{ what: `${sumModule!.tiles!.length} tile(s)`, rtt: 1 }] : []),
  ];

  const chain = (stage(report, 'redirect')['chains'] as { hops: { url: string }[] }[])[0];
  if (!chain || chain.hops.length === 0) throw new LowerBoundError('no zip chain in the report');
  const seen = new Set([firstHost]);
  const redirect: Step[] = [];
  for (const hop of chain.hops) {
    const host = new URL(hop.url).hostname;
    if (!seen.has(host)) {
      seen.add(host);
      const n = dnsRounds(host, conf);
      redirect.push({ what: `dns ${host} (${n} names)`, rtt: n }, { what: 'tcp', rtt: 1 }, { what: 'tls', rtt: tlsRounds });
    }
    redirect.push({ what: `GET ${hop.url.replace(/\?.*$/, '')}`, rtt: 1 });
  }

  const sum = (steps: readonly Step[]): number => steps.reduce((n, s) => n + s.rtt, 0);
  const branches = { proxy: sum(proxy), sumdb: sum(sumdb), redirect: sum(redirect) };
  const longest = [proxy, sumdb, redirect].reduce((a, b) => (sum(b) > sum(a) ? b : a));
  const path = [...head, ...longest];
  return { roundTrips: sum(path), path: path.map((s) => `${s.what}: ${s.rtt}`), branches };
}
