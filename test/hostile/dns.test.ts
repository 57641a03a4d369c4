// Hostile DNS: the cluster DNS answers the GOPROXY host's queries with bytes crafted to break a resolver.
// Each case runs the whole bundle; where go's pure resolver would still get an address (it reads only
// 1232 bytes of a datagram, ignores CNAMEs and owner names), the run must pass, as `go` would.

import dgram from 'node:dgram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DnsFixture, frameTcp, type DnsParsedQuery, type DnsRawContext, type DnsRawReply } from '../../src/lab/dns-server.js';
import type { LabTarget } from '../../src/lab/target.js';
import { aRecordAt, dnsReply, replyHead } from './peers.js';
import { budget, cleanupRuns, expectNamedFailure, expectPass, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

type Hook = (q: DnsParsedQuery, ri: DnsRawContext) => DnsRawReply | undefined;

let lab: LabTarget;
let dns: DnsFixture;
let other: dgram.Socket;
/** The misbehaviour of the current case, applied to queries for one host (the GOPROXY host by default). */
let hook: Hook | undefined;
let hookedName = `${LAB_NAMES.proxy}.`;

beforeAll(async () => {
  lab = await startLab();
  dns = await DnsFixture.start({
    zone: Object.fromEntries(Object.values(LAB_NAMES).map((n) => [n, { a: ['127.0.0.1'], ttl: 30 }])),
    defaultBehaviour: 'nxdomain',
    raw: (q, ri) => (hook && q.name.toLowerCase() === hookedName ? hook(q, ri) : undefined),
  });
  other = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', () => resolve()));
});

afterAll(async () => {
  other.close();
  await dns.close();
  await lab.close();
  cleanupRuns();
});

beforeEach(() => {
  hook = undefined;
  hookedName = `${LAB_NAMES.proxy}.`;
  resetLab(lab);
  // This file's own DNS server: undo zone edits (the CNAME loop) too.
  for (const name of Object.values(LAB_NAMES)) dns.set(name, { a: ['127.0.0.1'], ttl: 30 });
  dns.set('loop-b.lab.test', { behaviour: 'nxdomain' });
});

const run = () => probeLab(lab, { dnsPort: dns.port });

/** An A query gets `a`, anything else (AAAA) an empty NOERROR, as a v4-only name would. */
const onlyA = (q: DnsParsedQuery, ri: DnsRawContext, a: () => DnsRawReply): DnsRawReply => {
  if (q.type === 'A') return a();
  const empty = replyHead(q, ri, { an: 0 });
  return ri.transport === 'tcp' ? frameTcp(empty) : empty;
};

describe('hostile DNS for the GOPROXY host', () => {
  it('a reply with the wrong ID is ignored as a forgery: the lookup times out', async () => {
    hook = (q, ri) => replyHead(q, ri, { an: 0, id: (q.id + 1) & 0xffff });
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: 'dns.timeout', withinMs: budget(2) });
    expect(r.report!.failure!.target).toContain(LAB_NAMES.proxy);
  });

  it('a correct reply from a different source port never reaches the connected socket: timeout', async () => {
    hook = (q, ri) => {
      if (ri.transport === 'udp') other.send(dnsReply(q, q.type === 'A' ? [{ type: 'A', name: LAB_NAMES.proxy, ttl: 30, class: 'IN', data: '127.0.0.1' }] : []), ri.port, ri.address);
      return [];
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: 'dns.timeout', withinMs: budget(2) });
  });

  it('a reply truncated in the middle of a record cannot be unmarshalled', async () => {
    // rdlength says 4, the datagram ends after 2 address bytes.
    hook = (q, ri) => Buffer.concat([replyHead(q, ri, { an: 1 }), Buffer.from(aRecordAt(12, [127, 0]).slice(0, 12 + 2))]);
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: 'dns.malformed', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toContain('cannot unmarshal DNS message');
  });

  it('a compression pointer that points at itself is rejected, not followed forever', async () => {
    hook = (q, ri) => {
      const head = replyHead(q, ri, { an: 1 });
      return Buffer.concat([head, Buffer.from(aRecordAt(head.length, [127, 0, 0, 1]))]);
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: 'dns.malformed', withinMs: budget(2) });
  });

  it('10k answers announced in a 64 KB datagram: go reads the first 1232 bytes and uses what parses', async () => {
    hook = (q, ri) =>
      onlyA(q, ri, () => {
        const head = replyHead(q, ri, { an: 10_000 });
        const records: number[] = [];
        while (head.length + records.length + 16 <= 65_000) records.push(...aRecordAt(12, [127, 0, 0, 1]));
        return Buffer.concat([head, Buffer.from(records)]);
      });
    const r = await run();
    expectPass(r, budget(6));
    const lookup = (r.report!.stages.find((s) => s.stage === 'dns')!.evidence['lookups'] as { result: { addresses: string[] } }[])[0]!;
    // 1232 bytes hold the header, the question and 73-76 whole records: never all 4000 that were sent.
    expect(lookup.result.addresses.length).toBeLessThan(100);
  });

  it('TC over UDP, then 10k answers announced over TCP: every record that parses is used', async () => {
    hook = (q, ri) => {
      if (ri.transport === 'udp') return replyHead(q, ri, { an: 0, flags: 0x8380 });
      return onlyA(q, ri, () => {
        const head = replyHead(q, ri, { an: 10_000 });
        const records: number[] = [];
        while (head.length + records.length + 16 <= 65_000) records.push(...aRecordAt(12, [127, 0, 0, 1]));
        return frameTcp(Buffer.concat([head, Buffer.from(records)]));
      });
    };
    const r = await run();
    expectPass(r, budget(6));
  });

  it('TC over UDP, then a TCP answer that ends after its length prefix', async () => {
    hook = (q, ri) => (ri.transport === 'udp' ? replyHead(q, ri, { an: 0, flags: 0x8380 }) : { bytes: Buffer.from([0, 60, 0x12]), close: true });
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: ['dns.malformed', 'dns.server_misbehaving', 'dns.unreachable', 'dns.timeout'], withinMs: budget(2) });
  });

  it('a CNAME loop with no address: go does not chase CNAMEs, so the name has no address', async () => {
    dns.set(LAB_NAMES.proxy, { cname: 'loop-b.lab.test' });
    dns.set('loop-b.lab.test', { cname: LAB_NAMES.proxy });
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: ['dns.nodata', 'dns.nxdomain'], withinMs: budget(2) });
    expect(r.report!.failure!.goError).toContain('no such host');
  });

  it('a 20-CNAME chain ending in an address: go takes the address whatever the chain', async () => {
    hook = (q, ri) =>
      onlyA(q, ri, () => {
        const answers = Array.from({ length: 20 }, (_, i) => ({
          type: 'CNAME' as const, name: i === 0 ? LAB_NAMES.proxy : `c${i}.lab.test`, ttl: 30, class: 'IN' as const, data: `c${i + 1}.lab.test`,
        }));
        return dnsReply(q, [...answers, { type: 'A', name: 'c20.lab.test', ttl: 30, class: 'IN', data: '127.0.0.1' }]);
      });
    const r = await run();
    expectPass(r, budget(6));
  });

  it('an A record owned by a different name: go uses it (it checks only the question)', async () => {
    hook = (q, ri) => onlyA(q, ri, () => dnsReply(q, [{ type: 'A', name: 'not-asked.example', ttl: 30, class: 'IN', data: '127.0.0.1' }]));
    const r = await run();
    expectPass(r, budget(6));
  });

  it('a reply whose question is a different name is ignored: timeout', async () => {
    hook = (q) => dnsReply({ ...q, name: 'other.lab.test.' }, [{ type: 'A', name: 'other.lab.test', ttl: 30, class: 'IN', data: '127.0.0.1' }]);
    const r = await run();
    expectNamedFailure(r, { stage: 'dns', cause: 'dns.timeout', withinMs: budget(2) });
  });
});

describe('hostile DNS for hosts found after the first hops', () => {
  it('the checksum database host gets a compression loop: sumdb.dns.malformed in the sumdb stage', async () => {
    hookedName = `${LAB_NAMES.sum}.`;
    hook = (q, ri) => {
      const head = replyHead(q, ri, { an: 1 });
      return Buffer.concat([head, Buffer.from(aRecordAt(head.length, [127, 0, 0, 1]))]);
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.dns.malformed', withinMs: budget(4) });
  });

  it('the zip redirect target gets replies with the wrong ID: redirect.dns.timeout in the redirect stage', async () => {
    hookedName = `${LAB_NAMES.storage}.`;
    hook = (q, ri) => replyHead(q, ri, { an: 0, id: (q.id + 1) & 0xffff });
    const r = await run();
    expectNamedFailure(r, { stage: 'redirect', cause: 'redirect.dns.timeout', withinMs: budget(6) });
  });
});
