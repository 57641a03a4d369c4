import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import { Parser, SECTION_DONE, buildQuery, describeAnswers, unpackName, unpackableName } from '../../../src/net/dnswire.js';

function header(o: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number }): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(o.id ?? 1, 0);
  b.writeUInt16BE(o.flags ?? 0x8180, 2);
  b.writeUInt16BE(o.qd ?? 1, 4);
  b.writeUInt16BE(o.an ?? 0, 6);
  b.writeUInt16BE(o.ns ?? 0, 8);
  b.writeUInt16BE(o.ar ?? 0, 10);
  return b;
}

const QUESTION = Buffer.from([3, ...Buffer.from('foo'), 7, ...Buffer.from('example'), 0, 0, 1, 0, 1]);

describe('unpackName (dnsmessage Name.unpack)', () => {
  it('reads labels and follows pointers in any direction, at most 10 of them', () => {
    const msg = Buffer.concat([header({}), QUESTION]);
    expect(unpackName(msg, 12)).toMatchObject({ ok: true, value: 'foo.example.', off: 12 + 13 });
    // A pointer to the question name.
    const withPtr = Buffer.concat([msg, Buffer.from([3, ...Buffer.from('www'), 0xc0, 12])]);
    expect(unpackName(withPtr, msg.length)).toMatchObject({ ok: true, value: 'www.foo.example.', off: msg.length + 6 });
    // A forward pointer is followed too.
    const fwd = Buffer.from([0xc0, 4, 0, 0, 3, ...Buffer.from('fwd'), 0]);
    expect(unpackName(fwd, 0)).toMatchObject({ ok: true, value: 'fwd.' });
    // The root name.
    expect(unpackName(Buffer.from([0]), 0)).toMatchObject({ ok: true, value: '.' });
  });

  it('fails on pointer loops, reserved bits, dots in labels, overruns and long names', () => {
    expect(unpackName(Buffer.from([0xc0, 0]), 0)).toMatchObject({ ok: false, error: 'too many pointers (>10)' });
    expect(unpackName(Buffer.from([0xc0, 2, 0xc0, 0]), 0)).toMatchObject({ ok: false });
    expect(unpackName(Buffer.from([0x40]), 0)).toMatchObject({ ok: false, error: 'segment prefix is reserved' });
    expect(unpackName(Buffer.from([3, 97, 46, 98, 0]), 0)).toMatchObject({ ok: false, error: 'invalid dns name' });
    expect(unpackName(Buffer.from([5, 97]), 0)).toMatchObject({ ok: false });
    expect(unpackName(Buffer.from([0xc0]), 0)).toMatchObject({ ok: false, error: 'invalid pointer' });
    const long = Buffer.concat([...Array.from({ length: 5 }, () => Buffer.from([63, ...Buffer.alloc(63, 97)])), Buffer.from([0])]);
    expect(unpackName(long, 0)).toMatchObject({ ok: false, error: 'name too long' });
    // Ten pointers in a chain are fine, eleven are not.
    const chain = (n: number) => {
      const parts = [Buffer.from([1, 97, 0])];
      for (let i = 0; i < n; i++) parts.push(Buffer.from([0xc0, i === 0 ? 0 : 3 + (i - 1) * 2]));
      return Buffer.concat(parts);
    };
    expect(unpackName(chain(10), chain(10).length - 2)).toMatchObject({ ok: true, value: 'a.' });
    expect(unpackName(chain(11), chain(11).length - 2)).toMatchObject({ ok: false, error: 'too many pointers (>10)' });
  });
});

describe('Parser (dnsmessage state machine)', () => {
  it('walks question, answers and additionals like Go, re-reading a header that was not consumed', () => {
    const msg = dnsPacket.encode({
      type: 'response',
      id: 7,
      flags: dnsPacket.RECURSION_AVAILABLE,
      questions: [{ type: 'A', name: 'foo.example', class: 'IN' }],
      answers: [
        { type: 'CNAME', name: 'foo.example', ttl: 30, class: 'IN', data: 'bar.example' },
        { type: 'A', name: 'bar.example', ttl: 30, class: 'IN', data: '10.0.0.1' },
      ],
    });
    const p = new Parser();
    const st = p.start(msg);
    expect(st).toMatchObject({ ok: true, header: { id: 7, response: true, recursionAvailable: true, rcode: 0 } });
    expect(p.question()).toMatchObject({ ok: true, question: { name: 'foo.example.', type: 1, class: 1 } });
    expect(p.skipQuestion()).toBe(SECTION_DONE);
    const h1 = p.answerHeader();
    expect(h1).toMatchObject({ ok: true, header: { type: 5, name: 'foo.example.' } });
    // Asking again without consuming returns the same header (resHeaderValid).
    expect(p.answerHeader()).toMatchObject({ ok: true, header: { type: 5 } });
    expect(p.cnameResource()).toMatchObject({ ok: true, cname: 'bar.example.' });
    expect(p.answerHeader()).toMatchObject({ ok: true, header: { type: 1, name: 'bar.example.', ttl: 30 } });
    // The wrong body reader is refused.
    expect(p.aaaaResource()).toMatchObject({ ok: false });
    const a = p.aResource();
    expect(a.ok && [...a.bytes]).toEqual([10, 0, 0, 1]);
    expect(p.answerHeader()).toMatchObject({ ok: false, error: SECTION_DONE });
    expect(p.additionalHeader()).toMatchObject({ ok: false, error: 'not started' });
  });

  it('clones by value', () => {
    const msg = Buffer.concat([header({ an: 0 }), QUESTION]);
    const p = new Parser();
    p.start(msg);
    p.question();
    const c = p.clone();
    expect(c.skipQuestion()).toBe(SECTION_DONE);
    expect(c.answerHeader()).toMatchObject({ ok: false, error: SECTION_DONE });
    // The original is still in the question section.
    expect(p.skipQuestion()).toBe(SECTION_DONE);
  });

  it('reads A data as Go does: 4 bytes whatever rdlength says, failing only when the message ends', () => {
    const rr = (rdlen: number, data: number[]) => Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, rdlen, ...data]);
    const ok = Buffer.concat([header({ an: 1 }), QUESTION, rr(2, [1, 2, 3, 4])]);
    const p = new Parser();
    p.start(ok);
    p.question();
    p.skipQuestion();
    p.answerHeader();
    const a = p.aResource();
    expect(a.ok && [...a.bytes]).toEqual([1, 2, 3, 4]);
    const short = Buffer.concat([header({ an: 1 }), QUESTION, rr(4, [1, 2])]);
    const q = new Parser();
    q.start(short);
    q.question();
    q.skipQuestion();
    expect(q.answerHeader().ok).toBe(true);
    expect(q.aResource()).toMatchObject({ ok: false });
  });

  it('never throws and always terminates on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const p = new Parser();
        if (!p.start(bytes).ok) return;
        p.question();
        p.skipQuestion();
        for (let i = 0; i < 70000; i++) {
          const h = p.answerHeader();
          if (!h.ok) break;
          if (h.header.type === 1) p.aResource();
          else if (h.header.type === 28) p.aaaaResource();
          else if (h.header.type === 5) p.cnameResource();
          else if (p.skipAnswer() !== undefined) break;
        }
        p.skipAllAnswers();
        p.skipAllAuthorities();
        for (let i = 0; i < 70000; i++) if (!p.additionalHeader().ok || p.skipAdditional() !== undefined) break;
        expect(describeAnswers(bytes).length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('buildQuery (newRequest)', () => {
  it('sets RD, AD only with trust-ad, one question and an EDNS0 OPT of 1232 bytes', () => {
    const { udp, tcp } = buildQuery({ id: 0x1234, name: 'proxy.golang.org.', type: 'AAAA', trustAD: false, udpPayload: 1232 });
    const d = dnsPacket.decode(udp);
    expect(d.id).toBe(0x1234);
    expect(d.flags! & dnsPacket.RECURSION_DESIRED).toBeTruthy();
    expect(d.flags! & dnsPacket.AUTHENTIC_DATA).toBe(0);
    expect(d.questions).toEqual([{ name: 'proxy.golang.org', type: 'AAAA', class: 'IN' }]);
    expect(d.additionals).toHaveLength(1);
    expect(d.additionals![0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232 });
    expect(tcp.readUInt16BE(0)).toBe(udp.length);
    expect(tcp.subarray(2).equals(udp)).toBe(true);
    const ad = dnsPacket.decode(buildQuery({ id: 1, name: 'a.', type: 'A', trustAD: true, udpPayload: 1232 }).udp);
    expect(ad.flags! & dnsPacket.AUTHENTIC_DATA).toBeTruthy();
  });

  it('knows which names Go cannot encode', () => {
    expect(unpackableName('a.example.')).toBeUndefined();
    expect(unpackableName('.')).toBeUndefined();
    expect(unpackableName(`${'a'.repeat(64)}.example.`)).toBe('segment length too long');
    expect(unpackableName('a..example.')).toBe('zero length segment');
    expect(unpackableName('a.example')).toMatch(/canonical/);
  });
});
