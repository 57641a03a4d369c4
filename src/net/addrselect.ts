// RFC 6724 destination address ordering as Go applies it to a lookup's answers (src/net/addrselect.go,
// Go 1.23): the policy table, scopes, the source address the kernel would pick for each destination
// (a UDP connect(), no packet sent), and Go's rules applied through sort.Stable.

import dgram from 'node:dgram';
import { formatNetIp, ipTo4, parseIpLiteral } from './netip.js';
import { goSortStable } from './gosort.js';

export interface Ip {
  /** 4 or 16 bytes, as net.IP holds it. */
  readonly bytes: Uint8Array;
  readonly zone: string;
}

/** netip.AddrFromSlice: 4 bytes is IPv4, 16 bytes is IPv6 (an IPv4-mapped one stays IPv6). */
export function as16(b: Uint8Array): Uint8Array {
  if (b.length === 16) return b;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(b, 12);
  return out;
}

interface IpAttr {
  scope: number;
  precedence: number;
  label: number;
}

const POLICY_TABLE: readonly { prefix: Uint8Array; bits: number; precedence: number; label: number }[] = [
  { prefix: bytes16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), bits: 128, precedence: 50, label: 0 },
  { prefix: bytes16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), bits: 96, precedence: 35, label: 4 },
  { prefix: bytes16([]), bits: 96, precedence: 1, label: 3 },
  { prefix: bytes16([0x20, 0x01]), bits: 32, precedence: 5, label: 5 },
  { prefix: bytes16([0x20, 0x02]), bits: 16, precedence: 30, label: 2 },
  { prefix: bytes16([0x3f, 0xfe]), bits: 16, precedence: 1, label: 12 },
  { prefix: bytes16([0xfe, 0xc0]), bits: 10, precedence: 1, label: 11 },
  { prefix: bytes16([0xfc]), bits: 7, precedence: 3, label: 13 },
  { prefix: bytes16([]), bits: 0, precedence: 40, label: 1 },
];

function bytes16(head: number[]): Uint8Array {
  const b = new Uint8Array(16);
  b.set(head);
  return b;
}

function prefixContains(prefix: Uint8Array, bits: number, ip: Uint8Array): boolean {
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((prefix[i]! & mask) !== (ip[i]! & mask)) return false;
  }
  return true;
}

function classifyScope(b: Uint8Array): number {
  const v4 = ipTo4(b);
  if (v4) {
    if (v4[0] === 127 || (v4[0] === 169 && v4[1] === 254)) return 0x2;
    return 0xe;
  }
  const loopback = b.every((x, i) => x === (i === 15 ? 1 : 0));
  const linkLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  if (loopback || linkLocal) return 0x2;
  if (b[0] === 0xff) return b[1]! & 0xf;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 0x5;
  return 0xe;
}

function ipAttrOf(b: Uint8Array | undefined): IpAttr {
  if (!b) return { scope: 0, precedence: 0, label: 0 };
  const ip16 = as16(b);
  const ent = POLICY_TABLE.find((e) => prefixContains(e.prefix, e.bits, ip16));
  return { scope: classifyScope(b), precedence: ent?.precedence ?? 0, label: ent?.label ?? 0 };
}

function commonPrefixLen(src: Uint8Array, dst: Uint8Array): number {
  const b = ipTo4(dst) ?? dst;
  const a = src;
  if (a.length !== b.length) return 0;
  const n = a.length > 8 ? 8 : a.length;
  let cpl = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) {
      cpl += 8;
      continue;
    }
    let ab = a[i]!;
    let bb = b[i]!;
    let bits = 8;
    for (;;) {
      ab >>= 1;
      bb >>= 1;
      bits--;
      if (ab === bb) return cpl + bits;
    }
  }
  return cpl;
}

/**
 * sortByRFC6724withSrcs: Go's rules 1, 2, 5, 6, 8 and 9 (IPv6 only), applied with sort.Stable's
 * exact algorithm so that even a comparator that is not a strict order gives Go's result.
 * `srcs[i]` is the source address the kernel would use for `addrs[i]`, undefined if unroutable.
 */
export function sortByRFC6724WithSources<T extends { bytes: Uint8Array }>(addrs: T[], srcs: (Uint8Array | undefined)[]): void {
  if (addrs.length !== srcs.length) throw new RangeError('addrs and srcs differ in length');
  const addrAttr = addrs.map((a) => ipAttrOf(a.bytes));
  const srcAttr = srcs.map((s) => ipAttrOf(s));
  const swap = (i: number, j: number) => {
    [addrs[i], addrs[j]] = [addrs[j]!, addrs[i]!];
    [srcs[i], srcs[j]] = [srcs[j], srcs[i]];
    [addrAttr[i], addrAttr[j]] = [addrAttr[j]!, addrAttr[i]!];
    [srcAttr[i], srcAttr[j]] = [srcAttr[j]!, srcAttr[i]!];
  };
  const less = (i: number, j: number): boolean => {
    const DA = addrs[i]!.bytes;
    const DB = addrs[j]!.bytes;
    const SourceDA = srcs[i];
    const SourceDB = srcs[j];
    const aDA = addrAttr[i]!;
    const aDB = addrAttr[j]!;
    const aSDA = srcAttr[i]!;
    const aSDB = srcAttr[j]!;
    // Rule 1: avoid unusable destinations.
    if (!SourceDA && !SourceDB) return false;
    if (!SourceDB) return true;
    if (!SourceDA) return false;
    // Rule 2: prefer matching scope.
    if (aDA.scope === aSDA.scope && aDB.scope !== aSDB.scope) return true;
    if (aDA.scope !== aSDA.scope && aDB.scope === aSDB.scope) return false;
    // Rule 5: prefer matching label.
    if (aSDA.label === aDA.label && aSDB.label !== aDB.label) return true;
    if (aSDA.label !== aDA.label && aSDB.label === aDB.label) return false;
    // Rule 6: prefer higher precedence.
    if (aDA.precedence > aDB.precedence) return true;
    if (aDA.precedence < aDB.precedence) return false;
    // Rule 8: prefer smaller scope.
    if (aDA.scope < aDB.scope) return true;
    if (aDA.scope > aDB.scope) return false;
    // Rule 9: longest matching prefix, IPv6 only (Go issues 13283, 18518).
    if (!ipTo4(DA) && !ipTo4(DB)) {
      const commonA = commonPrefixLen(SourceDA, DA);
      const commonB = commonPrefixLen(SourceDB, DB);
      if (commonA > commonB) return true;
      if (commonA < commonB) return false;
    }
    return false;
  };
  goSortStable(addrs.length, less, swap);
}

/** srcAddrs: the source address a UDP connect() picks for each destination (no packet is sent). */
async function sourceAddresses(addrs: readonly Ip[]): Promise<(Uint8Array | undefined)[]> {
  return Promise.all(
    addrs.map(
      (a) =>
        new Promise<Uint8Array | undefined>((resolve) => {
          const v4 = ipTo4(a.bytes);
          let sock: dgram.Socket;
          try {
            sock = dgram.createSocket(v4 ? 'udp4' : 'udp6');
          } catch {
            resolve(undefined);
            return;
          }
          const done = (v: Uint8Array | undefined) => {
            try {
              sock.close();
            } catch {
              // already closed
            }
            resolve(v);
          };
          sock.on('error', () => done(undefined));
          const host = v4 ? formatNetIp(v4) : formatNetIp(a.bytes, a.zone);
          try {
            // Node hands a connect failure (ENETUNREACH, EINVAL) to this callback, typed without it.
            sock.connect(53, host, (...args: unknown[]) => {
              if (args[0]) return done(undefined);
              try {
                const local = parseIpLiteral(sock.address().address);
                done(local?.bytes);
              } catch {
                done(undefined);
              }
            });
          } catch {
            done(undefined);
          }
        }),
    ),
  );
}

export async function sortByRFC6724<T extends Ip>(addrs: T[]): Promise<void> {
  if (addrs.length < 2) return;
  sortByRFC6724WithSources(addrs, await sourceAddresses(addrs));
}
