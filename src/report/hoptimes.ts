// Per-hop phase timing (#17 item 4): for every host the run reached, how long its DNS lookup, TCP
// connect, TLS handshake, time to first byte and body took, whichever stage met it. The first hops'
// layers come from the dns, tcp and tls stages' evidence; every other host's from the HTTP client's
// record of the connection it opened (HopPhases); first byte and body from the requests.

import type { StageName } from '../causes.js';
import type { HttpRequestRecord, OpenedOrigin } from '../net/http.js';
import type { StageResult } from '../stages/outcome.js';
import type { HopTiming } from './types.js';

type Phases = { -readonly [K in keyof HopTiming]: HopTiming[K] };

export function hopTimings(
  results: ReadonlyMap<StageName, StageResult>,
  opened: readonly OpenedOrigin[],
  requests: readonly HttpRequestRecord[],
): HopTiming[] {
  const hops = new Map<string, Phases>();
  const hop = (origin: string): Phases => {
    let h = hops.get(origin);
    if (!h) hops.set(origin, (h = { origin, requests: 0 }));
    return h;
  };
  const evidence = (stage: StageName): Record<string, unknown> | undefined => results.get(stage)?.evidence;

  // dns stage: names are tried one after the other, A and AAAA of one name at once: the slowest query
  // of each name, summed (resolver.ts's order).
  for (const lookup of records(evidence('dns')?.['lookups'])) {
    const queries = records((lookup['result'] as Record<string, unknown> | undefined)?.['queries']);
    if (typeof lookup['origin'] !== 'string' || queries.length === 0) continue;
    const slowestPerName = new Map<string, number>();
    for (const q of queries) {
      const ms = typeof q['latencyMs'] === 'number' ? q['latencyMs'] : 0;
      slowestPerName.set(String(q['name']), Math.max(slowestPerName.get(String(q['name'])) ?? 0, ms));
    }
    hop(lookup['origin']).dnsMs = Math.round([...slowestPerName.values()].reduce((a, b) => a + b, 0));
  }
  for (const conn of records(evidence('tcp')?.['connections'])) {
    const ok = records(conn['attempts']).find((a) => a['ok'] === true);
    if (typeof conn['origin'] !== 'string' || !ok || typeof ok['latencyMs'] !== 'number') continue;
    hop(conn['origin']).connectMs = Math.round(ok['latencyMs']);
  }
  for (const handshake of records(evidence('tls')?.['handshakes'])) {
    if (typeof handshake['origin'] !== 'string' || typeof handshake['handshakeMs'] !== 'number') continue;
    hop(handshake['origin']).tlsMs = Math.round(handshake['handshakeMs']);
  }
  // Hosts met later: the first connection the HTTP client (or the direct check) opened to each.
  for (const o of opened) {
    if (!o.phases) continue;
    const h = hop(o.origin);
    if (h.connectMs !== undefined) continue;
    h.dnsMs ??= o.phases.dnsMs;
    h.connectMs = o.phases.connectMs;
    if (o.phases.tlsMs !== undefined) h.tlsMs ??= o.phases.tlsMs;
  }
  for (const r of requests) {
    const origin = originOf(r.url);
    if (!origin) continue;
    const h = hop(origin);
    h.requests++;
    if (r.firstByteMs !== undefined) h.firstByteMs = Math.max(h.firstByteMs ?? 0, r.firstByteMs);
    if (r.bodyMs !== undefined) h.bodyMs = Math.max(h.bodyMs ?? 0, r.bodyMs);
  }
  return [...hops.values()];
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}
