// planFirstHops: the hosts go certainly dials first (the ones stages dns, tcp and tls check), per module
// the first GOPROXY entry that does anything on the network, and whether go survives that hop failing.
import { describe, expect, it } from 'vitest';
import { readProxyEnv } from '../../../src/goenv/httpproxy.js';
import { parseProxyList } from '../../../src/goenv/proxylist.js';
import type { PlannedModule } from '../../../src/plan.js';
import { planFirstHops } from '../../../src/stages/config.js';

function mod(path: string): PlannedModule {
  return { path, version: 'v1.0.0', source: 'flag', goSum: new Map(), sumdbSkipReason: undefined, insecure: false };
}

function hops(goproxy: string, paths: string[], opts: { gonoproxy?: string; env?: Record<string, string> } = {}) {
  const gonoproxy = opts.gonoproxy ?? '';
  const list = parseProxyList(goproxy, gonoproxy);
  if (!list.ok) throw new Error(list.error);
  return planFirstHops(list.entries, gonoproxy, paths.map(mod), readProxyEnv(opts.env ?? {}));
}

describe('planFirstHops', () => {
  it('the default list: proxy.golang.org:443, which go does not survive (",direct" only helps on 404/410)', () => {
    expect(hops('https://proxy.golang.org,direct', ['rsc.io/quote'])).toEqual([
      expect.objectContaining({ origin: 'https://proxy.golang.org', scheme: 'https', host: 'proxy.golang.org', port: 443, roles: ['GOPROXY entry 1 for rsc.io/quote'], survivable: false }),
    ]);
  });

  it('a "|" entry with a next entry is survivable; the entry after it is not dialed first', () => {
    const h = hops('https://a.example|https://b.example', ['rsc.io/quote']);
    expect(h.map((x) => [x.origin, x.survivable])).toEqual([['https://a.example', true]]);
  });

  it('"|" on the last entry is not survivable: there is nothing to fall through to', () => {
    expect(hops('https://a.example|', ['rsc.io/quote'])[0]!.survivable).toBe(false);
  });

  it('one host for several modules, with a role per module', () => {
    const h = hops('https://a.example', ['rsc.io/quote', 'golang.org/x/mod']);
    expect(h).toHaveLength(1);
    expect(h[0]!.roles).toEqual(['GOPROXY entry 1 for rsc.io/quote', 'GOPROXY entry 1 for golang.org/x/mod']);
  });

  it('GONOPROXY paths go to their origin (the noproxy entry), the rest to the proxy', () => {
    const h = hops('https://a.example', ['rsc.io/quote', 'corp.example/lib'], { gonoproxy: 'corp.example' });
    expect(h.map((x) => [x.origin, x.roles])).toEqual([
      ['https://a.example', ['GOPROXY entry 2 for rsc.io/quote']],
      ['https://corp.example', ['direct origin of corp.example/lib']],
    ]);
  });

  it('a GONOPROXY path goes direct even when GOPROXY lists only proxies (the implicit noproxy entry comes first)', () => {
    expect(hops('https://a.example', ['corp.example/lib'], { gonoproxy: 'corp.example' }).map((x) => x.origin)).toEqual(['https://corp.example']);
  });

  it('off and file:// dial nothing', () => {
    expect(hops('off', ['rsc.io/quote'])).toEqual([]);
    expect(hops('file:///srv/goproxy,https://a.example', ['rsc.io/quote'])).toEqual([]);
  });

  it('off skips to nothing, but GOPRIVATE modules still go direct', () => {
    expect(hops('off', ['corp.example/lib', 'rsc.io/quote'], { gonoproxy: 'corp.example' }).map((x) => x.origin)).toEqual(['https://corp.example']);
  });

  it('direct to a path go resolves without discovery (vcsPaths): go dials nothing first, git does (after insteadOf)', () => {
    expect(hops('direct', ['github.com/corp/lib', 'git.corp.example/team/mod.git', 'bitbucket.org/a/b/sub'])).toEqual([]);
    // A proxy first is still the first hop; a discovered path still gets its origin.
    expect(hops('https://a.example,direct', ['github.com/corp/lib']).map((x) => x.origin)).toEqual(['https://a.example']);
    expect(hops('direct', ['github.com/corp/lib', 'corp.example/lib']).map((x) => x.origin)).toEqual(['https://corp.example']);
  });

  it('direct: the origin is the first path element, on 443', () => {
    expect(hops('direct', ['golang.org/x/mod'])).toEqual([expect.objectContaining({ origin: 'https://golang.org', host: 'golang.org', port: 443, roles: ['direct origin of golang.org/x/mod'] })]);
  });

  it('an http:// entry defaults to port 80; an explicit port is kept', () => {
    expect(hops('http://a.example', ['rsc.io/quote'])[0]).toMatchObject({ scheme: 'http', port: 80 });
    expect(hops('https://a.example:8443/base', ['rsc.io/quote'])[0]).toMatchObject({ origin: 'https://a.example:8443', port: 8443 });
  });

  it('the proxy decision per hop: HTTPS_PROXY for https, HTTP_PROXY for http, NO_PROXY excluding', () => {
    const env = { HTTPS_PROXY: 'http://egress:3128', HTTP_PROXY: 'http://plain:8080', NO_PROXY: '.internal' };
    const [s] = hops('https://a.example', ['rsc.io/quote'], { env });
    expect(s!.proxy).toMatchObject({ variable: 'HTTPS_PROXY' });
    expect(s!.proxy.proxy!.host).toBe('egress:3128');
    const [p] = hops('http://a.example', ['rsc.io/quote'], { env });
    expect(p!.proxy.proxy!.host).toBe('plain:8080');
    const [n] = hops('https://goproxy.internal', ['rsc.io/quote'], { env });
    expect(n!.proxy).toMatchObject({ proxy: null, noProxyMatch: '.internal' });
  });

  it('loopback and localhost never use the proxy, as in go', () => {
    const env = { HTTPS_PROXY: 'http://egress:3128' };
    expect(hops('https://127.0.0.1:8443', ['rsc.io/quote'], { env })[0]!.proxy.proxy).toBeNull();
    expect(hops('https://localhost:8443', ['rsc.io/quote'], { env })[0]!.proxy.proxy).toBeNull();
  });
});
