// HTTP(S)_PROXY / NO_PROXY as go reads them: net/http.ProxyFromEnvironment, which is
// golang.org/x/net/http/httpproxy's FromEnvironment + ProxyFunc as vendored in Go 1.23
// (src/vendor/golang.org/x/net/http/httpproxy/proxy.go); net.ParseIP, ParseCIDR and SplitHostPort
// come from net/netip.ts.

import { domainToASCII } from 'node:url';
import { ipNetContains, isLoopbackIp, parseCIDR, parseNetIp, splitHostPort, type IpNet } from '../net/netip.js';
import { goQuote, goTrimSpace } from './gostrings.js';
import { parseGoURL, type GoURL, type UrlParseRules } from './gourl.js';
import { redactURL } from './redact.js';

export interface ParsedProxy {
  readonly url: URL;
  /** which env name supplied it */
  readonly variable: string;
}

export interface ProxyEnv {
  readonly httpsProxy?: ParsedProxy;
  readonly httpProxy?: ParsedProxy;
  /** The NO_PROXY (else no_proxy) value. */
  readonly noProxy: string;
  /** REQUEST_METHOD is set: go refuses HTTP_PROXY for http:// requests. */
  readonly cgi: boolean;
  /** A NO_PROXY name entry matches an IP-literal target by suffix (go ≤1.23; GoRules.noProxyNamesMatchIps). */
  readonly namesMatchIps: boolean;
  /** Variables go does not use, with why (values redacted). */
  readonly ignored: readonly { variable: string; value: string; reason: string }[];
}

export interface ProxyDecision {
  /** null = direct */
  readonly proxy: URL | null;
  /** HTTPS_PROXY / https_proxy / HTTP_PROXY / http_proxy */
  readonly variable?: string;
  readonly reason: string;
  /** the NO_PROXY entry that matched */
  readonly noProxyMatch?: string;
  /** Set when go fails the request instead of choosing (HTTP_PROXY in a CGI environment). */
  readonly error?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** getEnvAny: the first of the names with a non-empty value. */
function getEnvAny(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/**
 * httpproxy.parseProxy: a value that does not parse, or lacks a scheme or host, is read again as
 * "http://" + value (Go 1.23). Returns go's error text when even that fails.
 */
export function parseProxyValue(proxy: string, rules: UrlParseRules = {}): { ok: true; url: GoURL } | { ok: false; error: string } {
  const first = parseGoURL(proxy, rules);
  if (!first.ok || first.url.scheme === '' || first.url.host === '') {
    const retry = parseGoURL('http://' + proxy, rules);
    if (retry.ok) return retry;
  }
  if (!first.ok) return { ok: false, error: `invalid proxy address ${goQuote(redactURL(proxy))}: ${first.error}` };
  return first;
}

function readOne(
  env: Env,
  names: [string, string],
  ignored: { variable: string; value: string; reason: string }[],
  rules: UrlParseRules,
): ParsedProxy | undefined {
  const found = getEnvAny(env, ...names);
  const other = names[1];
  if (found && found.name === names[0] && env[other] !== undefined && env[other] !== '' && env[other] !== found.value) {
    ignored.push({ variable: other, value: redactURL(env[other]), reason: `${names[0]} is set and go reads it first` });
  }
  if (!found) return undefined;
  const parsed = parseProxyValue(found.value, rules);
  if (!parsed.ok) {
    ignored.push({ variable: found.name, value: redactURL(found.value), reason: `go ignores it: ${parsed.error}` });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(asWhatwgURL(parsed.url));
  } catch {
    ignored.push({
      variable: found.name,
      value: redactURL(found.value),
      reason: `go would use ${parsed.url.redacted()}, but the probe cannot represent that URL`,
    });
    return undefined;
  }
  return { url, variable: found.name };
}

/**
 * The proxy URL as a WHATWG URL string. go takes an unbracketed IPv6 host such as `2001:db8::13:3128`
 * (url.Parse keeps the host as written; Hostname() and Port() split it at the last colon, and the transport
 * dials JoinHostPort of the two), which a WHATWG URL cannot hold: written with brackets, it is the same dial.
 */
function asWhatwgURL(u: GoURL): string {
  const hostname = u.hostname;
  if (u.host.startsWith('[') || u.port === '' || !hostname.includes(':') || !parseNetIp(hostname)) return u.string();
  const bracketed = u.clone();
  bracketed.host = `[${hostname}]:${u.port}`;
  return bracketed.string();
}

/**
 * httpproxy.FromEnvironment: read once, uppercase names first, empty values unset. `rules`: how the
 * modelled go's url.Parse reads the values (go 1.26+ refuses `2001:db8::13:3128`, which go 1.23 dials).
 */
export function readProxyEnv(env: Env, rules: UrlParseRules & { readonly noProxyNamesMatchIps?: boolean } = {}): ProxyEnv {
  const ignored: { variable: string; value: string; reason: string }[] = [];
  const httpProxy = readOne(env, ['HTTP_PROXY', 'http_proxy'], ignored, rules);
  const httpsProxy = readOne(env, ['HTTPS_PROXY', 'https_proxy'], ignored, rules);
  const noProxyVar = getEnvAny(env, 'NO_PROXY', 'no_proxy');
  const shadowedNoProxy = env['no_proxy'];
  if (noProxyVar?.name === 'NO_PROXY' && shadowedNoProxy !== undefined && shadowedNoProxy !== '' && shadowedNoProxy !== noProxyVar.value) {
    ignored.push({ variable: 'no_proxy', value: shadowedNoProxy, reason: 'NO_PROXY is set and go reads it first' });
  }
  for (const name of ['ALL_PROXY', 'all_proxy']) {
    const v = env[name];
    if (v !== undefined && v !== '') ignored.push({ variable: name, value: redactURL(v), reason: 'go never reads ALL_PROXY' });
  }
  return {
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(httpProxy ? { httpProxy } : {}),
    noProxy: noProxyVar?.value ?? '',
    cgi: (env['REQUEST_METHOD'] ?? '') !== '',
    namesMatchIps: rules.noProxyNamesMatchIps ?? true,
    ignored,
  };
}

// ---------------------------------------------------------------------------------------------
// NO_PROXY matching (config.init and useProxy)

type Matcher =
  | { kind: 'all'; entry: string }
  | { kind: 'cidr'; entry: string; net: IpNet }
  | { kind: 'ip'; entry: string; ip: Uint8Array; port: string }
  | { kind: 'domain'; entry: string; host: string; port: string; matchHost: boolean };

function idnaASCII(v: string): string {
  if (/^[\x00-\x7f]*$/.test(v)) return v;
  // Go uses idna.Lookup; Node's UTS-46 conversion agrees on ordinary names. On failure Go keeps v.
  const ascii = domainToASCII(v);
  return ascii === '' ? v : ascii;
}

function parseNoProxy(noProxy: string): { ip: Matcher[]; domain: Matcher[] } {
  const ip: Matcher[] = [];
  const domain: Matcher[] = [];
  for (const raw of noProxy.split(',')) {
    const p = goTrimSpace(raw).toLowerCase();
    if (p.length === 0) continue;
    if (p === '*') return { ip: [{ kind: 'all', entry: raw }], domain: [{ kind: 'all', entry: raw }] };
    const net = parseCIDR(p);
    if (net) {
      ip.push({ kind: 'cidr', entry: raw, net });
      continue;
    }
    let phost: string;
    let pport = '';
    const split = splitHostPort(p);
    if (split) {
      [phost, pport] = split;
      if (phost.length === 0) continue;
      if (phost[0] === '[' && phost[phost.length - 1] === ']') phost = phost.slice(1, -1);
    } else {
      phost = p;
    }
    const pip = parseNetIp(phost);
    if (pip) {
      ip.push({ kind: 'ip', entry: raw, ip: pip, port: pport });
      continue;
    }
    if (phost.length === 0) continue;
    if (phost.startsWith('*.')) phost = phost.slice(1);
    let matchHost = false;
    if (phost[0] !== '.') {
      matchHost = true;
      phost = '.' + phost;
    }
    domain.push({ kind: 'domain', entry: raw, host: idnaASCII(phost), port: pport, matchHost });
  }
  return { ip, domain };
}

function matches(m: Matcher, host: string, port: string, ip: Uint8Array | undefined, namesMatchIps: boolean): boolean {
  switch (m.kind) {
    case 'all':
      return true;
    case 'cidr':
      return ip !== undefined && ipNetContains(m.net, ip);
    case 'ip':
      return ip !== undefined && m.ip.every((b, i) => b === ip[i]) && (m.port === '' || m.port === port);
    case 'domain':
      // go 1.24+ (httpproxy domainMatch.match): a name entry never matches an IP-literal host.
      if (ip !== undefined && !namesMatchIps) return false;
      return (host.endsWith(m.host) || (m.matchHost && host === m.host.slice(1))) && (m.port === '' || m.port === port);
  }
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443', socks5: '1080' };

/**
 * Which proxy go uses for a request to `target` (proxyForURL): HTTPS_PROXY for https, HTTP_PROXY
 * for http, nothing for other schemes; never for localhost or loopback IPs; not when NO_PROXY matches.
 */
export function proxyFor(env: ProxyEnv, target: URL): ProxyDecision {
  const scheme = target.protocol.replace(/:$/, '');
  // A variable that is set but unusable reads as unset to go; say so rather than "not set".
  const unset = (upper: string): ProxyDecision => {
    const bad = env.ignored.find((i) => (i.variable === upper || i.variable === upper.toLowerCase()) && !i.reason.endsWith('go reads it first'));
    return { proxy: null, reason: bad ? `${bad.variable} is set but ${bad.reason}` : `neither ${upper} nor ${upper.toLowerCase()} is set` };
  };
  let parsed: ParsedProxy | undefined;
  if (scheme === 'https') {
    parsed = env.httpsProxy;
    if (!parsed) return unset('HTTPS_PROXY');
  } else if (scheme === 'http') {
    parsed = env.httpProxy;
    if (!parsed) return unset('HTTP_PROXY');
    if (env.cgi) {
      return {
        proxy: null,
        variable: parsed.variable,
        reason: `${parsed.variable} is refused because REQUEST_METHOD is set (CGI)`,
        error: 'refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy',
      };
    }
  } else {
    return { proxy: null, reason: `go uses a proxy only for http and https requests, not ${scheme}` };
  }

  // canonicalAddr + useProxy. WHATWG URLs already give an ASCII, lowercased host name.
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = target.port !== '' ? target.port : DEFAULT_PORTS[scheme]!;
  if (host === 'localhost') return { proxy: null, reason: 'localhost is never proxied' };
  const ip = parseNetIp(host);
  if (ip && isLoopbackIp(ip)) return { proxy: null, reason: `loopback address ${host} is never proxied` };
  const addr = goTrimSpace(host).toLowerCase();
  const { ip: ipMatchers, domain: domainMatchers } = parseNoProxy(env.noProxy);
  const candidates = ip ? [...ipMatchers, ...domainMatchers] : domainMatchers;
  for (const m of candidates) {
    if (matches(m, addr, port, ip, env.namesMatchIps)) {
      const reason = m.kind === 'all' ? 'NO_PROXY=* turns the proxy off for every host' : `NO_PROXY entry ${JSON.stringify(m.entry.trim())} matches`;
      return { proxy: null, variable: parsed.variable, reason, noProxyMatch: m.entry.trim() };
    }
  }
  return { proxy: parsed.url, variable: parsed.variable, reason: `${parsed.variable} applies to ${scheme} requests and no NO_PROXY entry matches` };
}
