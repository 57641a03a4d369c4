import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseProxyValue, proxyFor, readProxyEnv } from '../../../src/goenv/httpproxy.js';
import { parseCIDR, parseNetIp, splitHostPort } from '../../../src/net/netip.js';
import { parseGoURL } from '../../../src/goenv/gourl.js';
import { HTTP_PROXY } from './go123-expected.js';

describe('proxyFor agrees with net/http.ProxyFromEnvironment of go 1.23', () => {
  for (const [env, decisions] of HTTP_PROXY) {
    it(`env ${JSON.stringify(env)}`, () => {
      const pe = readProxyEnv(env);
      for (const [target, proxy, error] of decisions) {
        const d = proxyFor(pe, new URL(target));
        const got = d.error !== undefined ? `error: ${d.error}` : d.proxy ? d.proxy.href : 'direct';
        const want = error !== null ? `error: ${error}` : proxy !== null ? new URL(proxy).href : 'direct';
        expect(`${target} -> ${got}`).toBe(`${target} -> ${want}`);
      }
    });
  }
});

describe('HTTP(S)_PROXY and NO_PROXY rules (§6.3)', () => {
  it('uses HTTPS_PROXY (else https_proxy) for https only, with no fallback to HTTP_PROXY', () => {
    const pe = readProxyEnv({ HTTP_PROXY: 'http://hp:3128' });
    expect(proxyFor(pe, new URL('https://proxy.golang.org')).proxy).toBeNull();
    expect(proxyFor(pe, new URL('http://proxy.corp')).proxy?.href).toBe('http://hp:3128/');
    const both = readProxyEnv({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' });
    const d = proxyFor(both, new URL('https://proxy.golang.org'));
    expect(d).toMatchObject({ variable: 'HTTPS_PROXY' });
    expect(d.proxy?.href).toBe('http://upper:1/');
    expect(both.ignored).toEqual([{ variable: 'https_proxy', value: 'http://lower:2', reason: 'HTTPS_PROXY is set and go reads it first' }]);
  });

  it('reads a value without scheme or host as http://value, and ignores what still fails', () => {
    expect(parseProxyValue('proxy.corp:3128')).toMatchObject({ ok: true });
    const pe = readProxyEnv({ HTTPS_PROXY: 'u:s3cret@proxy.corp:3128' });
    expect(pe.httpsProxy?.url.href).toBe('http://u:s3cret@proxy.corp:3128/');
    const bad = readProxyEnv({ HTTPS_PROXY: 'https://u:s3cret@%zz' });
    expect(bad.httpsProxy).toBeUndefined();
    expect(bad.ignored).toEqual([{
      variable: 'HTTPS_PROXY',
      value: 'https://u:xxxxx@%zz',
      reason: 'go ignores it: invalid proxy address "https://u:xxxxx@%zz": parse "https://u:xxxxx@%zz": invalid URL escape "%zz"',
    }]);
    expect(proxyFor(bad, new URL('https://proxy.golang.org'))).toEqual({
      proxy: null,
      reason: 'HTTPS_PROXY is set but go ignores it: invalid proxy address "https://u:xxxxx@%zz": parse "https://u:xxxxx@%zz": invalid URL escape "%zz"',
    });
    expect(readProxyEnv({ ALL_PROXY: 'http://all:1' }).ignored).toEqual([{ variable: 'ALL_PROXY', value: 'http://all:1', reason: 'go never reads ALL_PROXY' }]);
  });

  it('never proxies localhost or loopback addresses', () => {
    const pe = readProxyEnv({ HTTPS_PROXY: 'http://p:1' });
    expect(proxyFor(pe, new URL('https://localhost:8443'))).toEqual({ proxy: null, reason: 'localhost is never proxied' });
    expect(proxyFor(pe, new URL('https://127.0.0.2'))).toEqual({ proxy: null, reason: 'loopback address 127.0.0.2 is never proxied' });
    expect(proxyFor(pe, new URL('https://[::1]'))).toEqual({ proxy: null, reason: 'loopback address ::1 is never proxied' });
  });

  it('matches NO_PROXY entries: domains with subdomains, leading dot or *. for subdomains only, ports, CIDRs, IPs, *', () => {
    const pe = readProxyEnv({ HTTPS_PROXY: 'http://p:1', NO_PROXY: ' Corp.Example , .only.sub, *.star.sub, 10.0.0.0/8, 192.0.2.1, port.example:8443' });
    const via = (u: string) => proxyFor(pe, new URL(u));
    expect(via('https://corp.example')).toMatchObject({ proxy: null, noProxyMatch: 'Corp.Example', reason: 'NO_PROXY entry "Corp.Example" matches' });
    expect(via('https://git.corp.example').proxy).toBeNull();
    expect(via('https://only.sub').proxy).not.toBeNull();
    expect(via('https://a.only.sub').proxy).toBeNull();
    expect(via('https://star.sub').proxy).not.toBeNull();
    expect(via('https://a.star.sub').proxy).toBeNull();
    expect(via('https://10.2.3.4').noProxyMatch).toBe('10.0.0.0/8');
    expect(via('https://192.0.2.1').proxy).toBeNull();
    expect(via('https://port.example').proxy).not.toBeNull();
    expect(via('https://port.example:8443').proxy).toBeNull();
    expect(via('https://elsewhere.example')).toMatchObject({ variable: 'HTTPS_PROXY', reason: 'HTTPS_PROXY applies to https requests and no NO_PROXY entry matches' });
    const all = readProxyEnv({ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'x,*' });
    expect(proxyFor(all, new URL('https://proxy.golang.org'))).toMatchObject({ proxy: null, reason: 'NO_PROXY=* turns the proxy off for every host' });
  });

  it('refuses HTTP_PROXY for http requests under CGI (REQUEST_METHOD set)', () => {
    const pe = readProxyEnv({ HTTP_PROXY: 'http://hp:1', REQUEST_METHOD: 'GET' });
    expect(pe.cgi).toBe(true);
    expect(proxyFor(pe, new URL('http://proxy.corp'))).toMatchObject({
      proxy: null, error: 'refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy',
    });
  });
});

describe('net.ParseIP and net.SplitHostPort ports', () => {
  it('parses IPs as go does (no leading zeros, no zones)', () => {
    expect(parseNetIp('10.0.0.1')).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 1]));
    expect(parseNetIp('010.0.0.1')).toBeUndefined();
    expect(parseNetIp('::ffff:1.2.3.4')).toEqual(parseNetIp('1.2.3.4'));
    expect(parseNetIp('fe80::1%eth0')).toBeUndefined();
    expect(parseNetIp('1::2::3')).toBeUndefined();
    expect(parseNetIp('2001:db8::1')?.[15]).toBe(1);
  });
  it('reads a CIDR as net.ParseCIDR does (go 1.23: leading zeros in the length, no sign, no zone)', () => {
    expect(parseCIDR('10.0.0.0/000000008')).toEqual({ ip: parseNetIp('10.0.0.0'), mask: new Uint8Array([255, 0, 0, 0]) });
    expect(parseCIDR('10.1.2.3/8')?.ip).toEqual(parseNetIp('10.0.0.0'));
    expect(parseCIDR('::ffff:10.0.0.0/104')?.mask).toHaveLength(16);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/+8', '10.0.0.0/', '10.0.0.0/99999999', 'fe80::1%eth0/64', '10.0.0.0']) {
      expect(parseCIDR(bad), bad).toBeUndefined();
    }
  });
  it('splits host:port as go does', () => {
    expect(splitHostPort('h:80')).toEqual(['h', '80']);
    expect(splitHostPort('[::1]:443')).toEqual(['::1', '443']);
    expect(splitHostPort('h:')).toEqual(['h', '']);
    expect(splitHostPort('h')).toBeUndefined();
    expect(splitHostPort('::1')).toBeUndefined();
    expect(splitHostPort('[::1]')).toBeUndefined();
  });
  it('never throws on arbitrary environments', () => {
    const v = fc.string({ maxLength: 30 });
    fc.assert(fc.property(v, v, v, (a, b, c) => {
      const pe = readProxyEnv({ HTTPS_PROXY: a, HTTP_PROXY: b, NO_PROXY: c });
      proxyFor(pe, new URL('https://example.com'));
      proxyFor(pe, new URL('http://10.0.0.1:8080'));
    }), { numRuns: 1000 });
  });
});

// IPv6 in NO_PROXY (CIDRs, [addr]:port, bare addresses, IPv4-mapped CIDRs) as each go decides it is
// recorded by test/vectors/record.ts (HTTP_PROXY in test/unit/goenv/vectors/go1.N.json) and checked per
// version by go-versions.test.ts.
describe('IPv6 in HTTPS_PROXY, as go 1.23 decides', () => {
  it('an IPv6 proxy address: bracketed, without a scheme, and unbracketed with a port (go dials [addr]:port)', () => {
    for (const [value, href] of [
      ['http://[2001:db8:1::13]:3128', 'http://[2001:db8:1::13]:3128/'],
      ['[2001:db8:1::13]:3128', 'http://[2001:db8:1::13]:3128/'],
      // go 1.23: Get "https://proxy.example/": proxyconnect tcp: dial tcp [2001:db8:1::13]:3128: …
      ['2001:db8:1::13:3128', 'http://[2001:db8:1::13]:3128/'],
      ['https://user:pw@[2001:db8:1::13]:8443', 'https://user:pw@[2001:db8:1::13]:8443/'],
    ] as const) {
      const pe = readProxyEnv({ HTTPS_PROXY: value });
      expect(pe.ignored, value).toEqual([]);
      expect(proxyFor(pe, new URL('https://proxy.example')).proxy?.href, value).toBe(href);
    }
  });
});

describe('go 1.26+ url.Parse: strict colons in http(s) hosts (GODEBUG urlstrictcolons)', () => {
  // Recorded from go 1.27.3 (a main module at go 1.27): HTTPS_PROXY=2001:db8:1::13:3128 -> direct;
  // with GODEBUG=urlstrictcolons=0 -> http://2001:db8:1::13:3128; a bracketed or socks5 value is unaffected.
  it('an unbracketed IPv6 proxy is ignored: go goes direct', () => {
    const pe = readProxyEnv({ HTTPS_PROXY: '2001:db8:1::13:3128' }, { strictColons: true });
    expect(proxyFor(pe, new URL('https://proxy.example')).proxy).toBeNull();
    expect(pe.ignored).toEqual([{
      variable: 'HTTPS_PROXY',
      value: '2001:db8:1::13:3128',
      reason: 'go ignores it: invalid proxy address "2001:db8:1::13:3128": parse "2001:db8:1::13:3128": first path segment in URL cannot contain colon',
    }]);
  });

  it('brackets, and schemes other than http(s), parse as before', () => {
    for (const [value, href] of [['http://[2001:db8:1::13]:3128', 'http://[2001:db8:1::13]:3128/'], ['socks5://2001:db8:1::13:1080', 'socks5://[2001:db8:1::13]:1080']] as const) {
      expect(proxyFor(readProxyEnv({ HTTPS_PROXY: value }, { strictColons: true }), new URL('https://proxy.example')).proxy?.href, value).toBe(href);
    }
  });

  it('url.Parse names the port from the first colon', () => {
    expect(parseGoURL('https://a:b:443/', { strictColons: true })).toEqual({ ok: false, error: 'parse "https://a:b:443/": invalid port ":b:443" after host' });
    expect(parseGoURL('https://a:b:443/').ok).toBe(true);
    expect(parseGoURL('mongodb://a:1,b:2/', { strictColons: true }).ok).toBe(true);
  });
});
