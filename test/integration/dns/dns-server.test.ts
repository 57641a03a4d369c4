// The lab DNS server itself, spoken to with plain dns-packet over UDP and TCP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { DnsFixture, frameTcp } from '../../../src/lab/dns-server.js';

let fx: DnsFixture;
beforeAll(async () => {
  fx = await DnsFixture.start({
    zone: { 'a.example': { a: ['10.0.0.1'], ttl: 42 }, 'c.example': { cname: 'a.example' }, 'quiet.example': { behaviour: 'silent' } },
    defaultBehaviour: 'refused',
  });
});
afterAll(async () => {
  await fx.close();
});

type Rec = { type: string; name: string; data: unknown; ttl?: number };
const answers = (p: dnsPacket.Packet | undefined) => (p?.answers ?? []) as unknown as Rec[];
const rcode = (p: dnsPacket.Packet | undefined) => (p as { rcode?: string } | undefined)?.rcode;

const query = (name: string, type: 'A' | 'AAAA', id = 1) =>
  dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });

function udpAsk(name: string, type: 'A' | 'AAAA'): Promise<dnsPacket.Packet | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, 300);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(dnsPacket.decode(m));
    });
    s.send(query(name, type), fx.port, fx.host);
  });
}

describe('DnsFixture', () => {
  it('answers from the zone over UDP, following CNAMEs, and records every query', async () => {
    fx.queries.splice(0);
    const r = await udpAsk('c.example', 'A');
    expect(rcode(r)).toBe('NOERROR');
    expect(answers(r).map((a) => [a.type, a.name, a.data])).toEqual([
      ['CNAME', 'c.example', 'a.example'],
      ['A', 'a.example', '10.0.0.1'],
    ]);
    expect(answers(r)[1]!.ttl).toBe(42);
    expect(rcode(await udpAsk('unknown.example', 'A'))).toBe('REFUSED');
    expect(await udpAsk('quiet.example', 'A')).toBeUndefined();
    expect(fx.queries).toEqual([
      { name: 'c.example.', type: 'A', transport: 'udp' },
      { name: 'unknown.example.', type: 'A', transport: 'udp' },
      { name: 'quiet.example.', type: 'A', transport: 'udp' },
    ]);
    expect(fx.queriesFor('QUIET.example.')).toHaveLength(1);
  });

  it('answers several queries on one TCP connection, and set() changes the zone live', async () => {
    fx.set('b.example', { aaaa: ['2001:db8::1'] });
    const replies = await new Promise<dnsPacket.Packet[]>((resolve, reject) => {
      const s = net.connect(fx.port, fx.host);
      let buf = Buffer.alloc(0);
      const out: dnsPacket.Packet[] = [];
      s.on('error', reject);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (out.length === 2) {
          s.destroy();
          resolve(out);
        }
      });
      s.write(Buffer.concat([frameTcp(query('a.example', 'A', 7)), frameTcp(query('b.example', 'AAAA', 8))]));
    });
    expect(replies.map((r) => [r.id, answers(r)[0]!.data])).toEqual([
      [7, '10.0.0.1'],
      [8, '2001:db8::1'],
    ]);
    expect(fx.queries.slice(-2).map((q) => q.transport)).toEqual(['tcp', 'tcp']);
  });
});
