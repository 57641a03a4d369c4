// The run's resolver (src/net/run-resolver.ts): concurrent lookups of one host share one set of queries, as
// go's net.Resolver merges them (lookupGroup, a singleflight), and each caller still ends at its own signal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsFixture } from '../../../src/lab/dns-server.js';
import { DnsLookupError } from '../../../src/net/resolver.js';
import { RunResolver } from '../../../src/net/run-resolver.js';
import { parseResolvConf } from '../../../src/net/resolvconf.js';
import { parseHosts } from '../../../src/net/hosts.js';
import { signal, startFixtures } from './helpers.js';

let fx: DnsFixture;
beforeAll(async () => {
  fx = (await startFixtures(['127.0.0.1'], () => ({
    zone: {
      'storage.example': { a: ['198.18.0.12'] },
      'silent.example': { behaviour: 'silent' },
    },
  })))[0]!;
});
afterAll(async () => {
  await fx.close();
});

const runResolver = (): RunResolver =>
  new RunResolver({ conf: parseResolvConf('nameserver 127.0.0.1\noptions timeout:5 attempts:1\n', 'pod'), hosts: parseHosts(''), order: 'files,dns', port: fx.port });
const wire = (from: number, name: string) => fx.queries.slice(from).filter((q) => q.name === name).map((q) => q.type).sort();

describe('RunResolver', () => {
  it('sends one set of queries for lookups of one host made at once, and answers later ones from the first', async () => {
    const r = runResolver();
    const from = fx.queries.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => r.lookup('storage.example', { signal: signal() })));
    expect(answers.map((a) => a.addresses)).toEqual(Array.from({ length: 10 }, () => ['198.18.0.12']));
    expect(wire(from, 'storage.example.')).toEqual(['A', 'AAAA']);
    expect((await r.lookup('storage.example', { signal: signal() })).addresses).toEqual(['198.18.0.12']);
    expect(wire(from, 'storage.example.')).toEqual(['A', 'AAAA']);
  });

  it('lets a caller whose signal ends stop waiting alone; the last one waiting ends the lookup itself', async () => {
    const r = runResolver();
    const from = fx.queries.length;
    const first = new AbortController();
    const second = new AbortController();
    const a = r.lookup('silent.example', { signal: first.signal }).catch((e: unknown) => e);
    const b = r.lookup('silent.example', { signal: second.signal }).catch((e: unknown) => e);
    second.abort(new Error('budget'));
    const gaveUp = await b;
    expect(gaveUp).toBeInstanceOf(DnsLookupError);
    expect((gaveUp as DnsLookupError).code).toBe('dns.timeout');
    expect((gaveUp as DnsLookupError).goError).toBe('lookup silent.example: i/o timeout');
    // The first caller still waits: the lookup goes on for it.
    const pending = await Promise.race([a, new Promise((resolve) => setImmediate(() => resolve('pending')))]);
    expect(pending).toBe('pending');
    for (let i = 0; i < 200 && wire(from, 'silent.example.').length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    first.abort(new Error('budget'));
    const ended = await a;
    expect(ended).toBeInstanceOf(DnsLookupError);
    expect((ended as DnsLookupError).code).toBe('dns.timeout');
    // The lookup's own account: what it sent before it was stopped.
    expect((ended as DnsLookupError).result.queries.length).toBeGreaterThan(0);
    expect(wire(from, 'silent.example.')).toEqual(['A', 'AAAA']);
    // Ended and not kept: the next caller asks again.
    const again = new AbortController();
    const c = r.lookup('silent.example', { signal: again.signal }).catch((e: unknown) => e);
    // Its queries reach the server before it gives up (polled: no fixed sleep).
    for (let i = 0; i < 200 && wire(from, 'silent.example.').length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    again.abort(new Error('budget'));
    expect(await c).toBeInstanceOf(DnsLookupError);
    expect(wire(from, 'silent.example.')).toEqual(['A', 'A', 'AAAA', 'AAAA']);
  });
});
