// A hostile or broken server must end in dns.malformed or dns.timeout, never a crash or a hang.
// The texts are what go 1.23 printed for the same bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsFixture, DnsParsedQuery, DnsRawContext, DnsRawReply } from '../../../src/lab/dns-server.js';
import { frameTcp } from '../../../src/lab/dns-server.js';
import { lookupError, makeResolver, signal, startFixtures } from './helpers.js';

/** Builds a reply around the query's own question section. */
function reply(q: DnsParsedQuery, ri: DnsRawContext, o: { flags?: number; qd?: number; an?: number; ar?: number; body?: number[]; id?: number }): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(o.id ?? q.id, 0);
  h.writeUInt16BE(o.flags ?? 0x8180, 2);
  h.writeUInt16BE(o.qd ?? 1, 4);
  h.writeUInt16BE(o.an ?? 0, 6);
  h.writeUInt16BE(o.ar ?? 0, 10);
  // The query ends with an 11-byte OPT record; the question is what lies between.
  const question = ri.raw.subarray(12, ri.raw.length - 11);
  const parts = [h, question];
  if ((o.qd ?? 1) === 2) parts.push(question);
  parts.push(Buffer.from(o.body ?? []));
  return Buffer.concat(parts);
}

const qtype = (q: DnsParsedQuery) => (q.type === 'A' ? 1 : 28);
const answerAt = (q: DnsParsedQuery, ptr: number, rdlen: number, data: number[]) => [0xc0 | (ptr >> 8), ptr & 0xff, 0, qtype(q), 0, 1, 0, 0, 0, 60, 0, rdlen, ...data];

function hostile(q: DnsParsedQuery, ri: DnsRawContext): DnsRawReply | undefined {
  const label = q.name.split('.')[0];
  const qlen = ri.raw.length - 11 - 12;
  const ansOff = 12 + qlen;
  if (ri.transport === 'udp') {
    switch (label) {
      case 'loop': // the answer's name points at itself
        return reply(q, ri, { an: 1, body: answerAt(q, ansOff, 4, [1, 2, 3, 4]) });
      case 'badid':
        return reply(q, ri, { id: (q.id + 1) & 0xffff });
      case 'short':
        return Buffer.from([1, 2, 3]);
      case 'noqr':
        return reply(q, ri, { flags: 0x0180 });
      case 'trunca': // rdlength says 4, the message ends after 2
        return reply(q, ri, { an: 1, body: answerAt(q, 12, 4, [1, 2]) });
      case 'twoq':
        return reply(q, ri, { qd: 2 });
      case 'ext': // NXDOMAIN in the header, but the OPT's extended bits make it rcode 19
        return reply(q, ri, { flags: 0x8183, ar: 1, body: [0, 0, 41, 4, 0xd0, 1, 0, 0, 0, 0, 0] });
      case 'other': // an A record for an unrelated owner name still counts for go
        return reply(q, ri, { an: 1, body: [5, ...Buffer.from('other'), 7, ...Buffer.from('unknown'), 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 9, 9, 9, 9] });
      case 'dotlabel':
        return reply(q, ri, { an: 1, body: [3, 97, 46, 98, 0, 0, qtype(q), 0, 1, 0, 0, 0, 60, 0, 4, 1, 1, 1, 1] });
      case 'huge': // 65535 answers announced, 3 bytes of them present
        return reply(q, ri, { an: 0xffff, body: [0xc0, 12, 0] });
      case 'forged': // wrong id, then not a response, then a garbled one, then the real answer: go keeps reading
        return [
          reply(q, ri, { id: (q.id + 7) & 0xffff }),
          reply(q, ri, { flags: 0x0180 }),
          Buffer.from([0, 1]),
          reply(q, ri, { an: q.type === 'A' ? 1 : 0, body: q.type === 'A' ? answerAt(q, 12, 4, [10, 6, 6, 6]) : [] }),
        ];
    }
  } else {
    switch (label) {
      case 'close':
        return Buffer.alloc(0);
      case 'half':
        return { bytes: Buffer.from([0]), close: true };
      case 'lenonly':
        return { bytes: Buffer.from([0, 40]), close: true };
      case 'zero':
        return Buffer.from([0, 0]);
      case 'badid':
        return frameTcp(reply(q, ri, { id: (q.id + 1) & 0xffff }));
      case 'huge':
        return Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(70_000, 0xc0)]);
    }
  }
  return undefined;
}

let fx: DnsFixture;
beforeAll(async () => {
  fx = (await startFixtures(['127.0.0.1'], () => ({ zone: { 'fine.example': { a: ['10.5.5.5'] } }, raw: hostile })))[0]!;
});
afterAll(async () => {
  await fx.close();
});

const udp = (timeoutMs = 300) => makeResolver({ resolv: 'nameserver 127.0.0.1\noptions attempts:1\n', port: fx.port, timeoutMs });
const tcp = (timeoutMs = 300) => makeResolver({ resolv: 'nameserver 127.0.0.1\noptions use-vc attempts:1\n', port: fx.port, timeoutMs });
const on = () => `on 127.0.0.1:${fx.port}`;

describe('hostile UDP replies', () => {
  const malformed: [string, string][] = [
    ['loop', 'cannot unmarshal DNS message'],
    ['trunca', 'cannot unmarshal DNS message'],
    ['dotlabel', 'cannot unmarshal DNS message'],
    ['huge', 'cannot unmarshal DNS message'],
    ['twoq', 'invalid DNS response'],
  ];
  for (const [label, text] of malformed) {
    it(`${label}: dns.malformed, "${text}"`, async () => {
      const e = await lookupError(udp(), `${label}.example.`);
      expect(e.code).toBe('dns.malformed');
      expect(e.goError).toBe(`lookup ${label}.example. ${on()}: ${text}`);
    });
  }

  for (const label of ['badid', 'short', 'noqr']) {
    it(`${label}: ignored like a forgery, so the exchange times out`, async () => {
      const e = await lookupError(udp(), `${label}.example.`);
      expect(e.code).toBe('dns.timeout');
      expect(e.goError).toMatch(/: i\/o timeout$/);
      expect(e.result.queries[0]!.detail).toMatch(/ignored 1 reply/);
    });
  }

  it('keeps reading past forged and garbled replies until the real one arrives', async () => {
    const r = await udp(2000).lookup('forged.example.', { signal: signal() });
    expect(r.addresses).toEqual(['10.6.6.6']);
    expect(r.queries.find((q) => q.type === 'A')!.detail).toMatch(/ignored 3 replies: reply ignored: id \d+ != \d+; reply ignored: QR bit not set; unparsable reply/);
  });

  it('an OPT extended rcode turns NXDOMAIN into server misbehaving', async () => {
    const e = await lookupError(udp(), 'ext.example.');
    expect(e.code).toBe('dns.server_misbehaving');
    expect(e.goError).toBe(`lookup ext.example. ${on()}: server misbehaving`);
  });

  it('an A record for another owner still counts', async () => {
    expect((await udp().lookup('other.example.', { signal: signal() })).addresses).toEqual(['9.9.9.9']);
  });

  it('still answers normally afterwards', async () => {
    expect((await udp().lookup('fine.example.', { signal: signal() })).addresses).toEqual(['10.5.5.5']);
  });
});

describe('hostile TCP replies', () => {
  const cases: [string, string, string][] = [
    ['close', 'EOF', 'dns.unreachable'],
    ['half', 'unexpected EOF', 'dns.malformed'],
    ['lenonly', 'EOF', 'dns.malformed'],
    ['zero', 'cannot unmarshal DNS message', 'dns.malformed'],
    ['badid', 'invalid DNS response', 'dns.malformed'],
  ];
  for (const [label, text, code] of cases) {
    it(`${label}: ${code}, "${text}"`, async () => {
      const e = await lookupError(tcp(), `${label}.example.`);
      expect(e.code).toBe(code);
      expect(e.goError).toBe(`lookup ${label}.example. ${on()}: ${text}`);
    });
  }

  it('never buffers more than a DNS message: an endless stream times out', async () => {
    const e = await lookupError(tcp(), 'huge.example.');
    expect(['dns.timeout', 'dns.malformed']).toContain(e.code);
  });
});
