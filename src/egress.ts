// The egress go needs: every destination the go of this run dials, in go's order, with why, whether it
// was reached, and whether go needs it always or only on a fallback. Built once at the end of the run from
// what the stages already recorded (the plan, each stage's evidence, the HTTP client's connections, the
// resolver's answers): nothing is dialed again. report.json carries it; the human summary and the
// --emit-networkpolicy renderers (report/networkpolicy.ts) only show it.

import { TOOLCHAIN_MODULE } from './goenv/toolchain.js';
import { joinHostPort } from './net/netip.js';
import { dialTarget, hopForURL } from './net/hop.js';
import type { OpenedOrigin } from './net/http.js';
import type { DnsQueryRecord, LookupResult } from './net/resolver.js';
import type { Plan } from './plan.js';
import type { StageResult } from './stages/outcome.js';
import type { StageName } from './causes.js';

/**
 * Why go dials a destination. `kind` is open: later hops (the toolchain download, git over https or
 * ssh) add their own kinds; `text` says it in words, so a reader needs no table of kinds.
 */
export interface EgressWhy {
  readonly kind: 'dns-server' | 'egress-proxy' | 'goproxy' | 'sumdb' | 'redirect' | 'direct' | (string & {});
  readonly text: string;
  /** goproxy: the entry's position in GOPROXY, from 1. */
  readonly entry?: number;
  /** redirect, direct: the module (path@version) it is dialed for. */
  readonly module?: string;
}

export interface EgressDestination {
  /** The name go dials (an address when the URL or resolv.conf names one). */
  readonly host: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
  /** The addresses the name resolved to in this run (empty when go never resolves it: behind an egress proxy). */
  readonly addresses: readonly string[];
  readonly why: readonly EgressWhy[];
  /** `fallback`: go dials it only after an earlier choice failed (a later GOPROXY entry, DNS over TCP for a truncated answer). */
  readonly needed: 'always' | 'fallback';
  /** Set when go reaches it through an HTTP(S) proxy (host:port): the pod then dials only the proxy. */
  readonly via?: string;
  /** Whether this run dialed it (go would have). */
  readonly dialed: boolean;
  readonly reached: boolean;
  /** Why it was not reached. */
  readonly failure?: { readonly layer: string; readonly cause: string };
  /** The stage that reports it when it cannot be reached. */
  readonly stage: StageName;
}

export interface EgressInput {
  readonly plan: Plan;
  readonly results: ReadonlyMap<StageName, StageResult>;
  /** Every origin the run's HTTP client connected to (HttpClient.opened). */
  readonly opened: readonly OpenedOrigin[];
  /** The run's resolver's answer for a host, when it has one. */
  readonly answered: (host: string) => LookupResult | undefined;
  /** The port of the resolv.conf nameservers (53 but in tests). */
  readonly dnsPort: number;
}

interface Origin {
  readonly origin: string;
  readonly why: EgressWhy[];
  needed: 'always' | 'fallback';
  stage: StageName;
}

interface LayerState {
  dialed: boolean;
  reached: boolean;
  addresses: readonly string[];
  failure?: { layer: string; cause: string };
  queries: DnsQueryRecord[];
}

/** The destinations in go's dial order: the DNS servers, the egress proxy, then each origin as go meets it. */
export function buildEgress(input: EgressInput): EgressDestination[] {
  const origins = collectOrigins(input);
  const firstHop = new Map(input.plan.firstHops.map((h) => [h.origin, h]));
  const queries: DnsQueryRecord[] = [];
  const proxies = new Map<string, { host: string; port: number; variable: string; dialed: boolean; reached: boolean; for: string[] }>();
  const originDestinations: EgressDestination[] = [];

  for (const o of origins) {
    const url = new URL(o.origin);
    const hop = hopForURL(url, input.plan.proxyEnv);
    const dial = dialTarget(hop);
    const state = firstHop.has(o.origin) ? firstHopState(input, o.origin) : openedState(input, o.origin);
    queries.push(...state.queries);
    const proxied = dial.viaProxy ? joinHostPort(dial.host, dial.port) : undefined;
    if (proxied) {
      const p = proxies.get(proxied) ?? { host: dial.host, port: dial.port, variable: hop.proxy.variable ?? 'HTTPS_PROXY', dialed: false, reached: false, for: [] };
      p.dialed ||= state.dialed;
      // The proxy answered when the origin was reached through it, or when it refused the tunnel itself.
      p.reached ||= state.reached || (state.failure !== undefined && (state.failure.layer === 'tls' || /^tcp\.proxy_(auth|forbidden|connect)/.test(state.failure.cause)));
      p.for.push(joinHostPort(hop.host, hop.port));
      proxies.set(proxied, p);
    }
    originDestinations.push({
      host: hop.host,
      port: hop.port,
      protocol: 'tcp',
      // Behind a proxy the addresses are the proxy's: go never resolves the origin itself.
      addresses: proxied ? [] : state.addresses,
      why: o.why,
      needed: o.needed,
      ...(proxied ? { via: proxied } : {}),
      dialed: state.dialed,
      reached: state.reached,
      ...(state.failure ? { failure: state.failure } : {}),
      stage: o.stage,
    });
  }

  const proxyDestinations: EgressDestination[] = [...proxies.values()].map((p) => {
    const lookup = input.answered(p.host);
    if (lookup) queries.push(...lookup.queries);
    return {
      host: p.host,
      port: p.port,
      protocol: 'tcp',
      addresses: lookup?.addresses ?? [],
      why: [{ kind: 'egress-proxy', text: `egress proxy (${p.variable}) for ${[...new Set(p.for)].join(', ')}` }],
      needed: 'always',
      dialed: p.dialed,
      reached: p.reached,
      // A first hop's proxy is checked by the tcp stage (its CONNECT too).
      stage: 'tcp',
    };
  });

  return [...dnsDestinations(input, queries), ...proxyDestinations, ...originDestinations];
}

/** Go's resolver asks each resolv.conf nameserver over UDP, and again over TCP when the answer comes back truncated. */
function dnsDestinations(input: EgressInput, queries: readonly DnsQueryRecord[]): EgressDestination[] {
  const out: EgressDestination[] = [];
  const servers = input.plan.dns.conf.servers;
  for (const server of servers) {
    const at = server.includes(':') ? `[${server}]:${input.dnsPort}` : `${server}:${input.dnsPort}`;
    for (const protocol of ['udp', 'tcp'] as const) {
      const asked = queries.filter((q) => q.server === at && q.transport === protocol);
      const answered = asked.some((q) => q.outcome !== 'timeout' && q.outcome !== 'unreachable');
      const failed = asked.find((q) => q.outcome === 'timeout' || q.outcome === 'unreachable');
      out.push({
        host: server,
        port: input.dnsPort,
        protocol,
        addresses: [server],
        why: [{ kind: 'dns-server', text: protocol === 'udp' ? 'DNS server (resolv.conf)' : 'DNS server over TCP, for answers too large for UDP' }],
        needed: protocol === 'udp' ? 'always' : 'fallback',
        dialed: asked.length > 0,
        reached: answered,
        ...(failed && !answered ? { failure: { layer: 'dns', cause: `dns.${failed.outcome}` } } : {}),
        stage: 'dns',
      });
    }
  }
  return out;
}

/** The origins go dials, in the order it meets them: first hops, later GOPROXY entries, the checksum database, redirect targets. */
function collectOrigins(input: EgressInput): Origin[] {
  const { plan, results } = input;
  const byOrigin = new Map<string, Origin>();
  const add = (origin: string, why: EgressWhy, needed: Origin['needed'], stage: StageName): void => {
    const known = byOrigin.get(origin);
    if (!known) {
      byOrigin.set(origin, { origin, why: [why], needed, stage });
      return;
    }
    if (!known.why.some((w) => w.text === why.text)) known.why.push(why);
    if (needed === 'always') known.needed = 'always';
  };

  // The hosts go certainly dials first, checked by the dns, tcp and tls stages.
  for (const h of plan.firstHops) {
    for (const role of h.roles) add(h.origin, whyOfRole(role, plan), 'always', 'tcp');
  }
  // Every other GOPROXY entry: dialed only after the entries before it said 404/410 (",") or failed ("|").
  for (const [i, entry] of plan.proxyList.entries()) {
    if (entry.kind !== 'url' || entry.url.startsWith('file:')) continue;
    add(originOf(entry.url), goproxyWhy(i + 1, entry.url), 'fallback', 'proxy');
  }
  // `direct` after a proxy that did not have the module: go asks the module's origin.
  for (const m of proxyModules(results)) {
    if (m.info?.some((a) => a.entry === 'direct') || m.mod?.some((a) => a.entry === 'direct')) {
      add(`https://${m.path.split('/')[0]}`, { kind: 'direct', module: m.path, text: `direct origin of ${m.path} (GOPROXY "direct")` }, 'fallback', 'proxy');
    }
  }
  // The checksum database: through the proxy that serves it, or directly.
  const sumdb = results.get('sumdb');
  if (plan.sumdb.kind === 'db' && sumdb?.status !== 'skip') {
    const base = typeof sumdb?.evidence['base'] === 'string' ? sumdb.evidence['base'] : undefined;
    const name = plan.sumdb.name;
    if (base) {
      const through = byOrigin.has(originOf(base)) && !plan.sumdb.url;
      add(originOf(base), { kind: 'sumdb', text: through ? `checksum database ${name}, through this GOPROXY` : `checksum database ${name}` }, 'always', 'sumdb');
    } else if (plan.sumdb.url) {
      add(originOf(plan.sumdb.url), { kind: 'sumdb', text: `checksum database ${name}` }, 'always', 'sumdb');
    } else if (plan.proxyList.some((e) => e.kind === 'url' || e.kind === 'direct')) {
      // Not asked yet in this run: go dials it directly when no GOPROXY entry serves /sumdb/<name>/supported.
      add(originOf(plan.sumdb.directUrl), { kind: 'sumdb', text: `checksum database ${name}, when no GOPROXY entry serves it` }, 'fallback', 'sumdb');
    }
  }
  // The toolchain go switches to: its zip through the GOPROXY walk, before any module (toolchain.Exec).
  const tc = plan.toolchain;
  if (tc.kind === 'switch' && tc.module) {
    const at = `${tc.module.path}@${tc.module.version}`;
    // The entries the walk asked (each attempt names its GOPROXY entry, redacted: its origin is enough).
    const attempts = (results.get('proxy')?.evidence['toolchain'] as { attempts?: { entry: string }[] } | undefined)?.attempts ?? [];
    for (const [i, a] of attempts.entries()) {
      if (/^https?:\/\//.test(a.entry)) add(originOf(a.entry), { kind: 'toolchain', module: at, text: `toolchain ${tc.module.toolchain} (go switches to it): ${at}` }, i === 0 ? 'always' : 'fallback', 'proxy');
    }
  }
  // The zip's redirects: every host a chain moved to (typically object storage).
  for (const chain of redirectChains(results)) {
    for (const hop of chain.hops) {
      if (hop.resolved === undefined) continue;
      const from = originOf(hop.url);
      const to = originOf(hop.resolved);
      if (to === '' || to === from) continue;
      const toolchain = chain.path === TOOLCHAIN_MODULE ? 'toolchain' : 'redirect';
      add(to, { kind: toolchain, module: `${chain.path}@${chain.version}`, text: `redirect of ${chain.path}@${chain.version} from ${new URL(from).host}` }, 'always', 'redirect');
    }
  }
  // Hosts the run met past go's own rules say why themselves (OpenedOrigin.why: git's repository host over
  // https or ssh, another VCS's host), also when the same host is named above for another reason (the
  // go-import page and the repository on one host). A connection that says nothing and that no rule above
  // names is listed as what it is: dialed, its reason not recorded — never guessed.
  for (const o of input.opened) {
    const bare = o.origin.replace(/:(443|80)$/, '');
    if (o.via === 'reused') continue;
    const named = byOrigin.has(o.origin) ? o.origin : byOrigin.has(bare) ? bare : undefined;
    // Named already: go needs it as that rule says (a fallback after a proxy's 404 stays one).
    if (o.why) add(named ?? bare, o.why, named ? byOrigin.get(named)!.needed : 'always', 'proxy');
    else if (named === undefined) add(bare, { kind: 'unattributed', text: 'dialed by this run; no rule of the probe names why' }, 'always', 'proxy');
  }
  return [...byOrigin.values()].filter((o) => o.origin !== '').map((o) => ({ ...o, why: condense(o.why) }));
}

/** 500 modules behind one storage host are one reason with a count, not 500 lines of report and policy comments. */
function condense(why: readonly EgressWhy[]): EgressWhy[] {
  // Each kind's module reasons counted in one pass (filtering the list again for each reason was
  // quadratic: 250,000 steps for 500 modules behind one storage host).
  const kinds = new Map<string, { readonly first: EgressWhy; count: number }>();
  for (const w of why) {
    if (w.module === undefined) continue;
    const k = kinds.get(w.kind);
    if (k) k.count++;
    else kinds.set(w.kind, { first: w, count: 1 });
  }
  const out: EgressWhy[] = [];
  for (const w of why) {
    const k = w.module === undefined ? undefined : kinds.get(w.kind)!;
    if (k === undefined || k.count === 1) out.push(w);
    else if (k.first === w) out.push({ ...w, text: `${w.text} (and ${k.count - 1} more module${k.count > 2 ? 's' : ''})` });
  }
  return out;
}

function whyOfRole(role: string, plan: Plan): EgressWhy {
  const entry = /^GOPROXY entry (\d+)/.exec(role);
  if (entry) {
    const n = Number(entry[1]);
    const e = plan.proxyList[n - 1];
    return goproxyWhy(n, e?.kind === 'url' ? e.url : '');
  }
  const direct = /^direct origin of (\S+)/.exec(role);
  return { kind: 'direct', ...(direct ? { module: direct[1]! } : {}), text: role };
}

function goproxyWhy(n: number, url: string): EgressWhy {
  return { kind: 'goproxy', entry: n, text: `GOPROXY entry ${n}${url ? ` (${redactedOrigin(url)})` : ''}` };
}

/** dns, tcp and tls stage evidence for one first hop. */
function firstHopState(input: EgressInput, origin: string): LayerState {
  const s: LayerState = { dialed: false, reached: false, addresses: [], queries: [] };
  const dns = (input.results.get('dns')?.evidence['lookups'] as DnsEvidence[] | undefined)?.find((l) => l.origin === origin);
  if (dns) {
    s.dialed = true;
    const lookup = dns.result ?? dns.error?.lookup;
    s.queries.push(...(lookup?.queries ?? []));
    if (dns.result) s.addresses = dns.result.addresses;
    if (dns.error) s.failure = { layer: 'dns', cause: dns.error.cause };
  }
  const tcp = (input.results.get('tcp')?.evidence['connections'] as TcpEvidence[] | undefined)?.find((c) => c.origin === origin);
  if (tcp?.error && !s.failure) s.failure = { layer: 'tcp', cause: tcp.error.cause };
  const tls = (input.results.get('tls')?.evidence['handshakes'] as TlsEvidence[] | undefined)?.find((h) => h.origin === origin);
  if (tls?.error && !s.failure) s.failure = { layer: 'tls', cause: tls.error.cause };
  const https = origin.startsWith('https:');
  s.reached = s.failure === undefined && (https ? tls !== undefined && tls.error === undefined && tls.skipped === undefined : tcp?.attempts !== undefined);
  // The HTTP client may have opened it again (a second connection); that counts too.
  const again = openedState(input, origin);
  if (again.reached) s.reached = true;
  if (s.addresses.length === 0) s.addresses = again.addresses;
  return s;
}

/** What the HTTP client saw when it connected to an origin found mid-run. */
function openedState(input: EgressInput, origin: string): LayerState {
  const tries = input.opened.filter((o) => o.origin === origin || o.origin === `${origin}:${defaultPort(origin)}`);
  const ok = tries.find((t) => t.ok && t.addresses);
  const failed = tries.find((t) => !t.ok);
  const host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  const lookup = input.answered(host);
  return {
    dialed: tries.length > 0,
    reached: tries.some((t) => t.ok),
    addresses: ok?.addresses ?? lookup?.addresses ?? [],
    ...(failed?.error && !tries.some((t) => t.ok) ? { failure: { layer: failed.error.layer, cause: failed.error.cause } } : {}),
    queries: lookup && tries.length > 0 ? [...lookup.queries] : [],
  };
}

interface DnsEvidence {
  readonly origin: string;
  readonly result?: LookupResult;
  readonly error?: { readonly cause: string; readonly lookup?: { readonly queries?: DnsQueryRecord[] } };
}
interface TcpEvidence {
  readonly origin: string;
  readonly attempts?: unknown[];
  readonly error?: { readonly cause: string };
}
interface TlsEvidence {
  readonly origin: string;
  readonly error?: { readonly cause: string };
  readonly skipped?: string;
}
interface ProxyModuleEvidence {
  readonly path: string;
  readonly info?: readonly { readonly entry: string }[];
  readonly mod?: readonly { readonly entry: string }[];
}
interface ChainEvidence {
  readonly path: string;
  readonly version: string;
  readonly hops: readonly { readonly url: string; readonly resolved?: string }[];
}

function proxyModules(results: ReadonlyMap<StageName, StageResult>): readonly ProxyModuleEvidence[] {
  return (results.get('proxy')?.evidence['modules'] as ProxyModuleEvidence[] | undefined) ?? [];
}

function redirectChains(results: ReadonlyMap<StageName, StageResult>): readonly ChainEvidence[] {
  return (results.get('redirect')?.evidence['chains'] as ChainEvidence[] | undefined) ?? [];
}

/** scheme://host[:port] of a URL, '' when it does not parse. */
function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '';
  }
}

function redactedOrigin(url: string): string {
  const o = originOf(url);
  return o === '' ? '?' : o;
}

function defaultPort(origin: string): number {
  return origin.startsWith('https:') ? 443 : 80;
}
