// HTTP(S)_PROXY / NO_PROXY as go reads them: net/http.ProxyFromEnvironment, which is
// golang.org/x/net/http/httpproxy's FromEnvironment + ProxyFunc as vendored in Go 1.23
// (src/vendor/golang.org/x/net/http/httpproxy/proxy.go), with net.ParseIP, net.ParseCIDR and
// net.SplitHostPort ported alongside.

import { domainToASCII } from 'node:url';
import { goQuote, goTrimSpace } from './gostrings.js';
import { parseGoURL, type GoURL } from './gourl.js';
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
export function parseProxyValue(proxy: string): { ok: true; url: GoURL } | { ok: false; error: string } {
  const first = parseGoURL(proxy);
  if (!first.ok || first.url.scheme === '' || first.url.host === '') {
    const retry = parseGoURL('http://' + proxy);
    if (retry.ok) return retry;
  }
  if (!first.ok) return { ok: false, error: `invalid proxy address ${goQuote(redactURL(proxy))}: ${first.error}` };
  return first;
}

function readOne(
  env: Env,
  names: [string, string],
  ignored: { variable: string; value: string; reason: string }[],
): ParsedProxy | undefined {
  const found = getEnvAny(env, ...names);
  const other = names[1];
  if (found && found.name === names[0] && env[other] !== undefined && env[other] !== '' && env[other] !== found.value) {
    ignored.push({ variable: other, value: redactURL(env[other]), reason: `${names[0]} is set and go reads it first` });
  }
  if (!found) return undefined;
  const parsed = parseProxyValue(found.value);
  if (!parsed.ok) {
    ignored.push({ variable: found.name, value: redactURL(found.value), reason: `go ignores it: ${parsed.error}` });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(parsed.url.string());
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

/** httpproxy.FromEnvironment: read once, uppercase names first, empty values unset. */
export function readProxyEnv(env: Env): ProxyEnv {
  const ignored: { variable: string; value: string; reason: string }[] = [];
  const httpProxy = readOne(env, ['HTTP_PROXY', 'http_proxy'], ignored);
  const httpsProxy = readOne(env, ['HTTPS_PROXY', 'https_proxy'], ignored);
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
    ignored,
  };
}

// ---------------------------------------------------------------------------------------------
// net.ParseIP (via netip.ParseAddr, zones rejected), net.ParseCIDR, net.SplitHostPort

type IP16 = Uint8Array;

function parseIPv4Fields(s: string, out: Uint8Array, off: number): boolean {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digLen === 1 && val === 0) return false;
      val = val * 10 + (c - 0x30);
      digLen++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return false;
      if (pos === 3) return false;
      out[off + pos] = val;
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[off + 3] = val;
  return true;
}

function parseIPv6(s: string): IP16 | undefined {
  if (s.includes('%')) return undefined; // a zone: net.ParseIP rejects it
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else break;
      acc = acc * 16 + d;
      if (off > 3 || acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      if (!parseIPv4Fields(s, ip, i)) return undefined;
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

interface ParsedAddr {
  readonly ip: IP16;
  readonly is4: boolean;
}

function parseAddr(s: string): ParsedAddr | undefined {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '.') {
      const ip = new Uint8Array(16);
      ip[10] = 0xff;
      ip[11] = 0xff;
      return parseIPv4Fields(s, ip, 12) ? { ip, is4: true } : undefined;
    }
    if (s[i] === ':') {
      const ip = parseIPv6(s);
      return ip ? { ip, is4: false } : undefined;
    }
    if (s[i] === '%') return undefined;
  }
  return undefined;
}

/** net.ParseIP: 16 bytes (IPv4 as ::ffff:a.b.c.d), or undefined. */
export function parseIP(s: string): IP16 | undefined {
  return parseAddr(s)?.ip;
}

function to4(ip: IP16): Uint8Array | undefined {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  if (ip[10] !== 0xff || ip[11] !== 0xff) return undefined;
  return ip.subarray(12);
}

function isLoopback(ip: IP16): boolean {
  const v4 = to4(ip);
  if (v4) return v4[0] === 127;
  return ip.every((b, i) => b === (i === 15 ? 1 : 0));
}

interface IPNet {
  readonly ip: IP16;
  readonly mask: Uint8Array;
}

/** net.ParseCIDR's network, or undefined. */
function parseCIDR(s: string): IPNet | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  if (!addr) return undefined;
  const maskText = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(maskText) || maskText.length > 8) return undefined;
  const bits = addr.is4 ? 32 : 128;
  const n = Number(maskText);
  if (n > bits) return undefined;
  const mask = new Uint8Array(bits / 8);
  for (let i = 0; i < mask.length; i++) {
    const ones = Math.max(0, Math.min(8, n - i * 8));
    mask[i] = (0xff << (8 - ones)) & 0xff;
  }
  const ip = new Uint8Array(addr.ip);
  const off = 16 - mask.length;
  for (let i = 0; i < mask.length; i++) ip[off + i] = ip[off + i]! & mask[i]!;
  return { ip, mask };
}

/** IPNet.Contains, including its IPv4/IPv6 length rules. */
function cidrContains(n: IPNet, ip: IP16): boolean {
  let nn: Uint8Array = to4(n.ip) ?? n.ip;
  let m = n.mask;
  if (nn.length === 4 && m.length === 16) m = m.subarray(12);
  else if (nn.length === 16 && m.length === 4) return false;
  if (m.length !== nn.length) return false;
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  for (let i = 0; i < x.length; i++) if ((nn[i]! & m[i]!) !== (x[i]! & m[i]!)) return false;
  return true;
}

/** net.SplitHostPort; undefined where Go returns an error. */
export function splitHostPort(hostport: string): [host: string, port: string] | undefined {
  let j = 0;
  let k = 0;
  const i = hostport.lastIndexOf(':');
  if (i < 0) return undefined;
  let host: string;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return undefined;
    if (end + 1 === hostport.length) return undefined;
    if (end + 1 !== i) return undefined;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return undefined;
  }
  if (hostport.slice(j).includes('[')) return undefined;
  if (hostport.slice(k).includes(']')) return undefined;
  return [host, hostport.slice(i + 1)];
}

// ---------------------------------------------------------------------------------------------
// NO_PROXY matching (config.init and useProxy)

type Matcher =
  | { kind: 'all'; entry: string }
  | { kind: 'cidr'; entry: string; net: IPNet }
  | { kind: 'ip'; entry: string; ip: IP16; port: string }
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
    const pip = parseIP(phost);
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

function matches(m: Matcher, host: string, port: string, ip: IP16 | undefined): boolean {
  switch (m.kind) {
    case 'all':
      return true;
    case 'cidr':
      return ip !== undefined && cidrContains(m.net, ip);
    case 'ip':
      return ip !== undefined && m.ip.every((b, i) => b === ip[i]) && (m.port === '' || m.port === port);
    case 'domain':
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
  const ip = parseIP(host);
  if (ip && isLoopback(ip)) return { proxy: null, reason: `loopback address ${host} is never proxied` };
  const addr = goTrimSpace(host).toLowerCase();
  const { ip: ipMatchers, domain: domainMatchers } = parseNoProxy(env.noProxy);
  const candidates = ip ? [...ipMatchers, ...domainMatchers] : domainMatchers;
  for (const m of candidates) {
    if (matches(m, addr, port, ip)) {
      const reason = m.kind === 'all' ? 'NO_PROXY=* turns the proxy off for every host' : `NO_PROXY entry ${JSON.stringify(m.entry.trim())} matches`;
      return { proxy: null, variable: parsed.variable, reason, noProxyMatch: m.entry.trim() };
    }
  }
  return { proxy: parsed.url, variable: parsed.variable, reason: `${parsed.variable} applies to ${scheme} requests and no NO_PROXY entry matches` };
}
