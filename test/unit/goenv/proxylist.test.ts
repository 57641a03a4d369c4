import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../../src/errors.js';
import {
  EMPTY_PROXY_LIST_ERROR, ERR_PROXY_OFF, checkProxyURL, entryAction, lookupPath, parseProxyList, proxyRequestURL, tryProxies,
  type AttemptResult, type ProxyEntry,
} from '../../../src/goenv/proxylist.js';
import { PROXY_LIST } from './go123-expected.js';

function entries(goproxy: string, gonoproxy = ''): readonly ProxyEntry[] {
  const r = parseProxyList(goproxy, gonoproxy);
  if (!r.ok) throw new Error(r.error);
  return r.entries;
}

const flat = (e: readonly ProxyEntry[]): [string, boolean][] => e.map((x) => [x.kind === 'url' ? x.url : x.kind, x.fallBackOnAnyError]);

describe('parseProxyList agrees with cmd/go 1.23 proxyList()', () => {
  it.each(PROXY_LIST)('GOPROXY=%j GONOPROXY=%j', (goproxy, gonoproxy, want, error) => {
    const r = parseProxyList(goproxy, gonoproxy);
    if (error !== null) {
      expect(r).toEqual({ ok: false, error });
    } else {
      expect(r.ok && flat(r.entries)).toEqual(want);
    }
  });
});

describe('GOPROXY list syntax (§1.2)', () => {
  it('sets each entry\'s fallback mode from the separator after it', () => {
    expect(flat(entries('https://a|https://b,direct'))).toEqual([['https://a', true], ['https://b', false], ['direct', false]]);
    expect(flat(entries('https://proxy.golang.org,direct'))).toEqual([['https://proxy.golang.org', false], ['direct', false]]);
  });
  it('trims entries, skips empty ones, and stops at off or direct', () => {
    expect(flat(entries(' https://a ,, https://b '))).toEqual([['https://a', false], ['https://b', false]]);
    expect(flat(entries('off,https://x'))).toEqual([['off', false]]);
    expect(flat(entries('direct,https://x'))).toEqual([['direct', false]]);
    expect(flat(entries('https://x|off'))).toEqual([['https://x', true], ['off', false]]);
  });
  it('adds https:// to bare hosts but not to single words or absolute paths', () => {
    expect(flat(entries('proxy.example.com,localhost:8080'))).toEqual([['https://proxy.example.com', false], ['https://localhost:8080', false]]);
    expect(parseProxyList('myproxy', '')).toEqual({ ok: false, error: 'invalid proxy URL missing scheme: myproxy' });
    expect(parseProxyList('/abs/path', '')).toEqual({ ok: false, error: 'invalid proxy URL missing scheme: /abs/path' });
  });
  it('gives go\'s errors for bad URLs, with the password masked', () => {
    expect(parseProxyList('ftp://x', '')).toEqual({ ok: false, error: 'invalid proxy URL scheme (must be https, http, file): ftp://x' });
    expect(parseProxyList('file://host/x', '')).toEqual({ ok: false, error: 'invalid file:// proxy URL with non-path elements: file://host/x' });
    expect(parseProxyList('file:///tmp/nope?x', '')).toEqual({ ok: false, error: 'invalid file:// proxy URL with non-path elements: file:///tmp/nope?x' });
    expect(parseProxyList('http://a b', '')).toEqual({ ok: false, error: 'parse "http://a b": invalid character " " in host name' });
    // go prints "parse \"https://u:secret@h:bad/\": …"; we never print the password.
    expect(parseProxyList('https://u:secret@h:bad/', '')).toEqual({ ok: false, error: 'parse "https://u:xxxxx@h:bad/": invalid port ":bad" after host' });
    expect(parseProxyList('https://u:secret@h/x,https://u:p@bad host', '')).toEqual({ ok: false, error: 'parse "https://u:xxxxx@bad host": invalid character " " in host name' });
    expect(parseProxyList('https://u:secret@h/x', '')).toMatchObject({ ok: true });
  });
  it('fails with go\'s text when nothing is left ([observed 1.19] GOPROXY=,)', () => {
    expect(parseProxyList(',', '')).toEqual({ ok: false, error: EMPTY_PROXY_LIST_ERROR });
    expect(parseProxyList('', '')).toEqual({ ok: false, error: 'GOPROXY list is not the empty string, but contains no entries' });
    expect(parseProxyList(' ', 'corp.example')).toEqual({ ok: false, error: EMPTY_PROXY_LIST_ERROR });
  });
  it('puts noproxy first when GONOPROXY is set, unless GOPROXY is exactly "direct"', () => {
    expect(flat(entries('https://p,direct', 'corp.example'))).toEqual([['noproxy', false], ['https://p', false], ['direct', false]]);
    expect(flat(entries('direct', 'corp.example'))).toEqual([['direct', false]]);
    expect(flat(entries(' direct', 'corp.example'))).toEqual([['noproxy', false], ['direct', false]]);
    expect(flat(entries('off', 'corp.example'))).toEqual([['noproxy', false], ['off', false]]);
  });
});

describe('entryAction: lookup() in repo.go (§1.3)', () => {
  const noproxy: ProxyEntry = { kind: 'noproxy', fallBackOnAnyError: false };
  const direct: ProxyEntry = { kind: 'direct', fallBackOnAnyError: false };
  const off: ProxyEntry = { kind: 'off', fallBackOnAnyError: false };
  const proxy: ProxyEntry = { kind: 'url', url: 'https://proxy.golang.org', fallBackOnAnyError: false };

  it('sends GONOPROXY matches direct from noproxy and direct, and fails them (not-exist) everywhere else', () => {
    expect(entryAction(noproxy, 'corp.example/m', 'corp.example')).toEqual({ action: 'direct' });
    expect(entryAction(direct, 'corp.example/m', 'corp.example')).toEqual({ action: 'direct' });
    expect(entryAction(proxy, 'corp.example/m', 'corp.example')).toEqual({ action: 'not-exist', error: 'disabled by GOPRIVATE/GONOPROXY', rule: 'private' });
    expect(entryAction(off, 'corp.example/m', 'corp.example')).toEqual({ action: 'not-exist', error: 'disabled by GOPRIVATE/GONOPROXY', rule: 'private' });
  });
  it('handles the other paths by entry kind', () => {
    expect(entryAction(off, 'rsc.io/quote', 'corp.example')).toEqual({ action: 'not-exist', error: 'module lookup disabled by GOPROXY=off', rule: 'off' });
    expect(entryAction(direct, 'rsc.io/quote', '')).toEqual({ action: 'direct' });
    expect(entryAction(noproxy, 'rsc.io/quote', 'corp.example')).toEqual({ action: 'not-exist', error: 'path does not match GOPRIVATE/GONOPROXY', rule: 'private' });
    expect(entryAction(proxy, 'rsc.io/quote', 'corp.example')).toEqual({ action: 'proxy', url: 'https://proxy.golang.org' });
  });
  it('still fetches private modules directly with GOPROXY=off plus GOPRIVATE', () => {
    const list = entries('off', 'corp.example');
    expect(list.map((e) => entryAction(e, 'corp.example/m', 'corp.example').action)).toEqual(['direct', 'not-exist']);
    expect(list.map((e) => entryAction(e, 'rsc.io/quote', 'corp.example').action)).toEqual(['not-exist', 'not-exist']);
  });
  it('maps go and toolchain to golang.org/toolchain', () => {
    expect(lookupPath('go')).toBe('golang.org/toolchain');
    expect(lookupPath('toolchain')).toBe('golang.org/toolchain');
    expect(entryAction(proxy, 'toolchain', 'golang.org')).toEqual({ action: 'not-exist', error: 'disabled by GOPRIVATE/GONOPROXY', rule: 'private' });
  });
  it('reports a module path the proxy cannot escape as an error, not a not-exist', () => {
    expect(entryAction(proxy, 'Bad/Path', '')).toEqual({ action: 'error', error: 'malformed module path "Bad/Path": missing dot in first path element' });
  });
});

describe('tryProxies: walking the list and choosing the error (§1.4)', () => {
  // Outcomes per entry label; 404/410-style errors are not-exist.
  async function walk(goproxy: string, gonoproxy: string, outcomes: Record<string, AttemptResult<string>>, path = 'rsc.io/quote') {
    const tried: string[] = [];
    const r = await tryProxies(entries(goproxy, gonoproxy), async (entry) => {
      const action = entryAction(entry, path, gonoproxy);
      const label = action.action === 'proxy' ? action.url : action.action;
      tried.push(label);
      if (action.action === 'not-exist') return { ok: false, error: action.error, notExist: true };
      return outcomes[label] ?? { ok: false, error: `no outcome for ${label}`, notExist: false };
    });
    return { r, tried };
  }
  const e404 = (u: string): AttemptResult<string> => ({ ok: false, error: `reading ${u}/x: 404 Not Found`, notExist: true });
  const e500 = (u: string): AttemptResult<string> => ({ ok: false, error: `reading ${u}/x: 500 Internal Server Error`, notExist: false });

  it('with the default list, a network error on the proxy does not fall back to direct', async () => {
    const { r, tried } = await walk('https://proxy.golang.org,direct', '', {
      'https://proxy.golang.org': { ok: false, error: 'Get "https://proxy.golang.org/x": dial tcp: lookup proxy.golang.org: no such host', notExist: false },
    });
    expect(tried).toEqual(['https://proxy.golang.org']);
    expect(r).toMatchObject({ ok: false, error: 'Get "https://proxy.golang.org/x": dial tcp: lookup proxy.golang.org: no such host' });
  });

  it('falls through on 404/410, and then prefers direct\'s error', async () => {
    const { r, tried } = await walk('https://proxy.golang.org,direct', '', {
      'https://proxy.golang.org': e404('https://proxy.golang.org'),
      direct: { ok: false, error: 'unrecognized import path "rsc.io/quote"', notExist: true },
    });
    expect(tried).toEqual(['https://proxy.golang.org', 'direct']);
    expect(r).toMatchObject({ ok: false, error: 'unrecognized import path "rsc.io/quote"' });
  });

  it('keeps a proxy error over a later not-exist ([observed 1.19] A:500|B:410 reports the 500)', async () => {
    const { r } = await walk('http://a|http://b', '', { 'http://a': e500('http://a'), 'http://b': e404('http://b') });
    expect(r).toMatchObject({ ok: false, error: 'reading http://a/x: 500 Internal Server Error' });
  });

  it('reports the last not-exist error (go 1.23: file:///a,file:///b both missing name b)', async () => {
    const { r } = await walk('http://a,http://b', '', { 'http://a': e404('http://a'), 'http://b': e404('http://b') });
    expect(r).toMatchObject({ ok: false, error: 'reading http://b/x: 404 Not Found' });
    const off = await walk('http://a,off', '', { 'http://a': e404('http://a') });
    expect(off.r).toMatchObject({ ok: false, error: ERR_PROXY_OFF });
  });

  it('continues after any error on a | entry, and stops at the first success', async () => {
    const { r, tried } = await walk('http://a|http://b,http://c', '', { 'http://a': e500('http://a'), 'http://b': { ok: true, value: 'info' } });
    expect(tried).toEqual(['http://a', 'http://b']);
    expect(r).toMatchObject({ ok: true, value: 'info', index: 1 });
  });

  it('skips noproxy for public modules without counting its error, and prefers its error for private ones', async () => {
    const pub = await walk('http://a', 'corp.example', { 'http://a': e404('http://a') });
    expect(pub.r).toMatchObject({ ok: false, error: 'reading http://a/x: 404 Not Found' });
    const priv = await walk('http://a', 'corp.example', { direct: { ok: false, error: 'git ls-remote failed', notExist: false } }, 'corp.example/m');
    expect(priv.tried).toEqual(['direct']);
    expect(priv.r).toMatchObject({ ok: false, error: 'git ls-remote failed' });
  });
});

describe('proxyRequestURL (newProxyRepo + getBody)', () => {
  it('builds the request URIs go sends ([observed 1.19])', () => {
    expect(proxyRequestURL('https://proxy.golang.org', 'github.com/Azure/azure-sdk-for-go', '@v/list').url)
      .toBe('https://proxy.golang.org/github.com/%21azure/azure-sdk-for-go/@v/list');
    expect(proxyRequestURL('http://127.0.0.1:18404', 'example.com/mod', '@v/v1.0.0-!r!c1.info').url)
      .toBe('http://127.0.0.1:18404/example.com/mod/@v/v1.0.0-%21r%21c1.info');
    expect(proxyRequestURL('http://127.0.0.1:18404/', 'example.com/mod', '@v/v2.0.0+incompatible.zip').url)
      .toBe('http://127.0.0.1:18404/example.com/mod/@v/v2.0.0+incompatible.zip');
  });
  it('keeps a base path and credentials, and redacts them for messages', () => {
    const r = proxyRequestURL('https://u:pw@art.corp/api/go/proxy/', 'example.com/Mod', '@latest');
    expect(r.url).toBe('https://u:pw@art.corp/api/go/proxy/example.com/%21mod/@latest');
    expect(r.redacted).toBe('https://u:xxxxx@art.corp/api/go/proxy/example.com/%21mod/@latest');
    expect(proxyRequestURL('file:///srv/proxy', 'example.com/m', '@v/list').url).toBe('file:///srv/proxy/example.com/m/@v/list');
  });
  it('throws ParseError for a bad module path or proxy URL', () => {
    expect(() => proxyRequestURL('https://p', 'bad', '@v/list')).toThrow(ParseError);
    expect(() => proxyRequestURL('myproxy', 'example.com/m', '@v/list')).toThrow(new ParseError('goproxy.invalid', 'invalid proxy URL missing scheme: myproxy'));
  });
  it('accepts exactly the base URLs go accepts', () => {
    expect(checkProxyURL('file:/tmp/p')).toMatchObject({ ok: false, error: 'invalid file:// proxy URL with non-path elements: file:/tmp/p' });
    expect(checkProxyURL('HTTPS://X.COM')).toMatchObject({ ok: true });
  });
});

describe('parseProxyList never throws', () => {
  it('on arbitrary input', () => {
    const part = fc.constantFrom('direct', 'off', ',', '|', ' ', 'https://', 'http://', 'file://', 'a.com', ':', '/', '%', '@', 'u:p', '[', 'é', '\t');
    fc.assert(fc.property(fc.array(part, { maxLength: 12 }).map((a) => a.join('')), fc.constantFrom('', 'a.com', '*'), (g, n) => {
      const r = parseProxyList(g, n);
      if (r.ok) for (const e of r.entries) entryAction(e, 'example.com/m', n);
    }), { numRuns: 2000 });
  });
});
