// The name list on the wire (ndots and search), Go's choice of which error to report, and
// /etc/hosts under each nsswitch order. Expectations were run through go 1.23 first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsFixture } from '../../../src/lab/dns-server.js';
import { lookupError, makeResolver, signal, startFixtures } from './helpers.js';

const K8S = 'nameserver 127.0.0.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 attempts:1\n';

let fx: DnsFixture;
beforeAll(async () => {
  fx = (await startFixtures(['127.0.0.1'], () => ({
    zone: {
      'proxy.golang.org': { a: ['142.250.1.1'] },
      'svc1.default.svc.cluster.local': { a: ['10.96.0.10'] },
      'x.example': { behaviour: 'servfail' },
      'y.example.default.svc.cluster.local': { behaviour: 'servfail' },
      'z.example': { behaviour: 'refused' },
      'z.example.svc.cluster.local': { behaviour: 'servfail' },
      'slow.example': { behaviour: 'silent' },
      'slow.example.default.svc.cluster.local': { behaviour: 'servfail' },
      'proxy.corp.example': { a: ['10.1.1.1'] },
      'dnsonly.example': { a: ['10.1.1.2'] },
      'fallback.example': { behaviour: 'servfail' },
    },
  })))[0]!;
});
afterAll(async () => {
  await fx.close();
});

const k8s = (timeoutMs = 2000) => makeResolver({ resolv: K8S, port: fx.port, timeoutMs });
const wire = (from: number) => fx.queries.slice(from).map((q) => `${q.type} ${q.name}`);

describe('the Kubernetes ndots:5 search expansion', () => {
  it('puts every search name on the wire before the bare name, A and AAAA for each', async () => {
    const from = fx.queries.length;
    const r = await k8s().lookup('proxy.golang.org', { signal: signal() });
    const names = [
      'proxy.golang.org.default.svc.cluster.local.',
      'proxy.golang.org.svc.cluster.local.',
      'proxy.golang.org.cluster.local.',
      'proxy.golang.org.',
    ];
    expect(r.namesTried).toEqual(names);
    expect(r.answeredBy).toBe('proxy.golang.org.');
    expect(r.addresses).toEqual(['142.250.1.1']);
    // A and AAAA go out in parallel, so only the set per name is fixed, and names go in order.
    const seen = wire(from);
    expect(seen).toHaveLength(8);
    for (let i = 0; i < 4; i++) expect(seen.slice(2 * i, 2 * i + 2).sort()).toEqual([`A ${names[i]}`, `AAAA ${names[i]}`]);
    expect(r.queries.map((q) => q.outcome)).toEqual(['nxdomain', 'nxdomain', 'nxdomain', 'nxdomain', 'nxdomain', 'nxdomain', expect.any(String), expect.any(String)]);
  });

  it('stops at the first search name that answers', async () => {
    const from = fx.queries.length;
    const r = await k8s().lookup('svc1', { signal: signal() });
    expect(r.addresses).toEqual(['10.96.0.10']);
    expect(r.namesTried).toEqual(['svc1.default.svc.cluster.local.']);
    expect(wire(from).sort()).toEqual(['A svc1.default.svc.cluster.local.', 'AAAA svc1.default.svc.cluster.local.']);
  });

  it('tries the name itself first once it has ndots dots', async () => {
    const r = await lookupError(k8s(), 'a.b.c.d.e.f');
    expect(r.result.namesTried[0]).toBe('a.b.c.d.e.f.');
    expect(r.result.namesTried).toHaveLength(4);
  });

  it('sends requests one after the other with single-request: A then AAAA for each name', async () => {
    const from = fx.queries.length;
    const r = makeResolver({ resolv: `${K8S}options single-request\n`, port: fx.port, timeoutMs: 2000 });
    await r.lookup('proxy.golang.org', { signal: signal() });
    expect(wire(from)).toEqual([
      'A proxy.golang.org.default.svc.cluster.local.',
      'AAAA proxy.golang.org.default.svc.cluster.local.',
      'A proxy.golang.org.svc.cluster.local.',
      'AAAA proxy.golang.org.svc.cluster.local.',
      'A proxy.golang.org.cluster.local.',
      'AAAA proxy.golang.org.cluster.local.',
      'A proxy.golang.org.',
      'AAAA proxy.golang.org.',
    ]);
  });
});

describe('which error go reports (the bare name\'s error wins)', () => {
  it('bare name SERVFAIL, search names NXDOMAIN: server misbehaving', async () => {
    const e = await lookupError(k8s(), 'x.example');
    expect(e.code).toBe('dns.servfail');
    expect(e.goError).toBe(`lookup x.example on 127.0.0.1:${fx.port}: server misbehaving`);
  });

  it('first search name SERVFAIL, bare name NXDOMAIN: no such host', async () => {
    const e = await lookupError(k8s(), 'y.example');
    expect(e.code).toBe('dns.nxdomain');
    expect(e.goError).toBe(`lookup y.example on 127.0.0.1:${fx.port}: no such host`);
  });

  it('bare name REFUSED over a search SERVFAIL: server misbehaving, from the bare name', async () => {
    const e = await lookupError(k8s(), 'z.example');
    expect(e.code).toBe('dns.refused');
  });

  it('bare name silent: the timeout wins over a search SERVFAIL', async () => {
    const e = await lookupError(k8s(300), 'slow.example');
    expect(e.code).toBe('dns.timeout');
    expect(e.goError).toMatch(/^lookup slow\.example on 127\.0\.0\.1:\d+: read udp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: i\/o timeout$/);
  });

  it('for a rooted name the first error is kept', async () => {
    const e = await lookupError(k8s(), 'x.example.');
    expect(e.goError).toBe(`lookup x.example. on 127.0.0.1:${fx.port}: server misbehaving`);
  });

  it('with StrictErrors, a SERVFAIL on a search name ends the lookup (go 1.23)', async () => {
    const r = makeResolver({ resolv: 'nameserver 127.0.0.1\nsearch example\noptions ndots:3 attempts:1\n', port: fx.port, timeoutMs: 2000, extra: { strictErrors: true } });
    fx.set('strict.example.example', { behaviour: 'servfail' });
    fx.set('strict.example', { a: ['10.2.2.2'] });
    const e = await lookupError(r, 'strict.example');
    expect(e.code).toBe('dns.servfail');
    expect(e.result.namesTried).toEqual(['strict.example.example.']);
    const lenient = makeResolver({ resolv: 'nameserver 127.0.0.1\nsearch example\noptions ndots:3 attempts:1\n', port: fx.port, timeoutMs: 2000 });
    expect((await lenient.lookup('strict.example', { signal: signal() })).addresses).toEqual(['10.2.2.2']);
  });
});

describe('/etc/hosts under each nsswitch order', () => {
  const HOSTS = '10.9.9.9 proxy.corp.example proxyalias\n10.9.9.7 fallback.example\n127.0.0.1 localhost\n';
  const make = (order: 'files,dns' | 'dns,files' | 'files' | 'dns') =>
    makeResolver({ resolv: 'nameserver 127.0.0.1\noptions attempts:1\n', port: fx.port, hosts: HOSTS, order, timeoutMs: 2000 });

  it('files,dns: a hosts entry wins and DNS is never asked', async () => {
    const from = fx.queries.length;
    const r = await make('files,dns').lookup('PROXY.corp.example', { signal: signal() });
    expect(r).toMatchObject({ source: 'hosts', addresses: ['10.9.9.9'], queries: [], cname: 'proxy.corp.example.' });
    expect(fx.queries.length).toBe(from);
    expect((await make('files,dns').lookup('dnsonly.example', { signal: signal() })).source).toBe('dns');
  });

  it('files,dns: "localhost." misses the hosts entry "localhost" and goes to DNS (go 1.23)', async () => {
    const e = await lookupError(make('files,dns'), 'localhost.');
    expect(e.goError).toBe(`lookup localhost. on 127.0.0.1:${fx.port}: no such host`);
  });

  it('dns,files: DNS wins; hosts is the fallback when DNS has nothing', async () => {
    const r = await make('dns,files').lookup('proxy.corp.example', { signal: signal() });
    expect(r).toMatchObject({ source: 'dns', addresses: ['10.1.1.1'] });
    const fb = await make('dns,files').lookup('fallback.example', { signal: signal() });
    expect(fb).toMatchObject({ source: 'hosts', addresses: ['10.9.9.7'], namesTried: ['fallback.example.'] });
    expect(fb.queries.map((q) => q.outcome)).toEqual(['servfail', 'servfail']);
    const e = await lookupError(make('dns,files'), 'none.example');
    expect(e.goError).toBe(`lookup none.example on 127.0.0.1:${fx.port}: no such host`);
  });

  it('files: only hosts, and a miss is hosts_only with go\'s text (no server)', async () => {
    const from = fx.queries.length;
    expect((await make('files').lookup('proxyalias', { signal: signal() })).addresses).toEqual(['10.9.9.9']);
    const e = await lookupError(make('files'), 'dnsonly.example');
    expect(e.code).toBe('dns.hosts_only');
    expect(e.goError).toBe('lookup dnsonly.example: no such host');
    expect(fx.queries.length).toBe(from);
  });

  it('dns: hosts is ignored', async () => {
    const e = await lookupError(make('dns'), 'proxyalias');
    expect(e.code).toBe('dns.nxdomain');
    expect((await make('dns').lookup('proxy.corp.example', { signal: signal() })).addresses).toEqual(['10.1.1.1']);
  });
});
