// DER writing for the lab PKI and the tests that craft certificates: plain functions returning
// Buffers that callers nest. Nothing in the probe writes DER; only src/lab and test/ import this.
// (Hand-written rather than node-forge's asn1: forge works on binary strings, and loading it would
// put a dependency the probe never needs into the demo's start-up.)

import { ParseError } from '../errors.js';
import { TAG, contextTag, tlv } from '../net/der.js';

export const der = {
  seq: (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items)),
  set: (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat(items)),
  bool: (v: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([v ? 0xff : 0])),
  null: (): Buffer => tlv(TAG.NULL, Buffer.alloc(0)),
  octets: (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b),
  bits: (b: Buffer, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), b])),
  utf8: (s: string): Buffer => tlv(TAG.UTF8String, Buffer.from(s, 'utf8')),
  printable: (s: string): Buffer => tlv(TAG.PrintableString, Buffer.from(s, 'latin1')),
  ia5: (s: string): Buffer => tlv(TAG.IA5String, Buffer.from(s, 'latin1')),
  int: (v: bigint | number): Buffer => tlv(TAG.INTEGER, encodeInteger(BigInt(v))),
  oid: (dotted: string): Buffer => tlv(TAG.OID, encodeOid(dotted)),
  /** UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
  time: (d: Date): Buffer => {
    const y = d.getUTCFullYear();
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
    if (y >= 1950 && y < 2050) return tlv(TAG.UTCTime, Buffer.from(p(y % 100) + rest, 'latin1'));
    return tlv(TAG.GeneralizedTime, Buffer.from(p(y, 4) + rest, 'latin1'));
  },
  /** [n] wrapping `content` as is (IMPLICIT primitive when !constructed, EXPLICIT when constructed). */
  ctx: (n: number, constructed: boolean, content: Buffer): Buffer => tlv(contextTag(n, constructed), content),
};

export function encodeInteger(v: bigint): Buffer {
  if (v === 0n) return Buffer.from([0]);
  if (v > 0n) {
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    const b = Buffer.from(hex, 'hex');
    return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  }
  // Negative: smallest two's-complement width.
  let bytes = 1;
  while (v < -(1n << BigInt(bytes * 8 - 1))) bytes++;
  const tc = (1n << BigInt(bytes * 8)) + v;
  return Buffer.from(tc.toString(16).padStart(bytes * 2, '0'), 'hex');
}

export function encodeOid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new ParseError('der.bad_oid', `OID needs two arcs: ${dotted}`);
  const arcs = [parts[0]! * 40n + parts[1]!, ...parts.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return Buffer.from(out);
}
