// The DNS wire layer the resolver stands on. Queries are built with dns-packet. Replies are read
// with a port of the lazy parser Go's resolver uses (golang.org/x/net/dns/dnsmessage Parser),
// not with dns-packet's decode: Go reads only the parts it needs, in a fixed order, and which
// reply counts as malformed depends on exactly that (a garbled authority section is harmless to
// Go, a bad answer header is not). The port is also what makes hostile replies safe: every
// read is bounds-checked, names follow at most 10 compression pointers, and every loop is
// bounded by the message length. Nothing here throws: errors are returned as values.

import dnsPacket from 'dns-packet';
import { formatNetIp } from './netip.js';

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;

export const RCODE_SUCCESS = 0;
export const RCODE_SERVER_FAILURE = 2;
export const RCODE_NAME_ERROR = 3;
export const RCODE_REFUSED = 5;

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 41: 'OPT',
};
const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
};

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

/** A sentinel like dnsmessage.ErrSectionDone; any other string is a parse error. */
export const SECTION_DONE = 'section done';
export const NOT_STARTED = 'not started';
export type WireError = string;

export interface Header {
  readonly id: number;
  readonly response: boolean;
  readonly opcode: number;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly recursionDesired: boolean;
  readonly recursionAvailable: boolean;
  readonly authenticData: boolean;
  readonly rcode: number;
}

export interface Question {
  /** Wire name in presentation form with a trailing dot, bytes kept as latin1 characters. */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export interface ResourceHeader {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly length: number;
}

/** Parser sections, in wire order (dnsmessage's `section`). */
const Section = { NotStarted: 0, Header: 1, Questions: 2, Answers: 3, Authorities: 4, Additionals: 5, Done: 6 } as const;
type Section = number;

const NON_ENCODED_NAME_MAX = 254;
const MAX_POINTERS = 10;

type Ok<T> = { ok: true; value: T; off: number };
type Err = { ok: false; error: WireError };

function u16(msg: Uint8Array, off: number): Ok<number> | Err {
  if (off + 2 > msg.length) return { ok: false, error: 'insufficient data for base length type' };
  return { ok: true, value: (msg[off]! << 8) | msg[off + 1]!, off: off + 2 };
}

function u32(msg: Uint8Array, off: number): Ok<number> | Err {
  if (off + 4 > msg.length) return { ok: false, error: 'insufficient data for base length type' };
  return { ok: true, value: ((msg[off]! << 24) >>> 0) + (msg[off + 1]! << 16) + (msg[off + 2]! << 8) + msg[off + 3]!, off: off + 4 };
}

/** Name.unpack: follows at most 10 pointers (in any direction), rejects dots inside labels and names over 254 bytes. */
export function unpackName(msg: Uint8Array, off: number): Ok<string> | Err {
  let currOff = off;
  let newOff = off;
  let ptr = 0;
  let name = '';
  for (;;) {
    if (currOff >= msg.length) return { ok: false, error: 'insufficient data for base length type' };
    const c = msg[currOff]!;
    currOff++;
    switch (c & 0xc0) {
      case 0x00: {
        if (c === 0) {
          if (name.length === 0) name = '.';
          if (name.length > NON_ENCODED_NAME_MAX) return { ok: false, error: 'name too long' };
          if (ptr === 0) newOff = currOff;
          return { ok: true, value: name, off: newOff };
        }
        const endOff = currOff + c;
        if (endOff > msg.length) return { ok: false, error: 'insufficient data for calculated length type' };
        for (let i = currOff; i < endOff; i++) {
          if (msg[i] === 0x2e) return { ok: false, error: 'invalid dns name' };
        }
        name += String.fromCharCode(...msg.subarray(currOff, endOff)) + '.';
        // Go checks the length only at the end; stopping early gives the same verdict with bounded work.
        if (name.length > NON_ENCODED_NAME_MAX) return { ok: false, error: 'name too long' };
        currOff = endOff;
        break;
      }
      case 0xc0: {
        if (currOff >= msg.length) return { ok: false, error: 'invalid pointer' };
        const c1 = msg[currOff]!;
        currOff++;
        if (ptr === 0) newOff = currOff;
        if (++ptr > MAX_POINTERS) return { ok: false, error: 'too many pointers (>10)' };
        currOff = ((c ^ 0xc0) << 8) | c1;
        break;
      }
      default:
        return { ok: false, error: 'segment prefix is reserved' };
    }
  }
}

/** skipName: walks labels up to the first pointer without following it. */
function skipName(msg: Uint8Array, off: number): Ok<null> | Err {
  let newOff = off;
  for (;;) {
    if (newOff >= msg.length) return { ok: false, error: 'insufficient data for base length type' };
    const c = msg[newOff]!;
    newOff++;
    switch (c & 0xc0) {
      case 0x00:
        if (c === 0) return { ok: true, value: null, off: newOff };
        newOff += c;
        if (newOff > msg.length) return { ok: false, error: 'insufficient data for calculated length type' };
        break;
      case 0xc0:
        return { ok: true, value: null, off: newOff + 1 };
      default:
        return { ok: false, error: 'segment prefix is reserved' };
    }
  }
}

function unpackResourceHeader(msg: Uint8Array, off: number): Ok<ResourceHeader> | Err {
  const name = unpackName(msg, off);
  if (!name.ok) return name;
  const type = u16(msg, name.off);
  if (!type.ok) return type;
  const cls = u16(msg, type.off);
  if (!cls.ok) return cls;
  const ttl = u32(msg, cls.off);
  if (!ttl.ok) return ttl;
  const len = u16(msg, ttl.off);
  if (!len.ok) return len;
  return { ok: true, value: { name: name.value, type: type.value, class: cls.value, ttl: ttl.value, length: len.value }, off: len.off };
}

function skipResourceAt(msg: Uint8Array, off: number): Ok<null> | Err {
  const name = skipName(msg, off);
  if (!name.ok) return name;
  // type(2) class(2) ttl(4)
  let o = name.off;
  if (o + 8 > msg.length) return { ok: false, error: 'insufficient data for base length type' };
  o += 8;
  const len = u16(msg, o);
  if (!len.ok) return len;
  const end = len.off + len.value;
  if (end > msg.length) return { ok: false, error: 'insufficient data for resource body length' };
  return { ok: true, value: null, off: end };
}

/** A port of dnsmessage.Parser: the same state machine, so the same replies fail at the same step. */
export class Parser {
  private msg: Uint8Array = new Uint8Array(0);
  private counts: [number, number, number, number] = [0, 0, 0, 0];
  private section: Section = Section.NotStarted;
  private off = 0;
  private index = 0;
  private resHeaderValid = false;
  private resHeaderOffset = 0;
  private resHeaderType = 0;
  private resHeaderLength = 0;

  /** Parser{} by value, as Go copies it (extractExtendedRCode works on a copy). */
  clone(): Parser {
    const p = new Parser();
    p.msg = this.msg;
    p.counts = [...this.counts];
    p.section = this.section;
    p.off = this.off;
    p.index = this.index;
    p.resHeaderValid = this.resHeaderValid;
    p.resHeaderOffset = this.resHeaderOffset;
    p.resHeaderType = this.resHeaderType;
    p.resHeaderLength = this.resHeaderLength;
    return p;
  }

  start(msg: Uint8Array): { ok: true; header: Header } | Err {
    this.msg = msg;
    this.section = Section.NotStarted;
    this.off = 0;
    this.index = 0;
    this.resHeaderValid = false;
    if (msg.length < 12) return { ok: false, error: 'unpacking header: insufficient data for base length type' };
    const w = (i: number) => (msg[i]! << 8) | msg[i + 1]!;
    const bits = w(2);
    this.counts = [w(4), w(6), w(8), w(10)];
    this.off = 12;
    this.section = Section.Questions;
    return {
      ok: true,
      header: {
        id: w(0),
        response: (bits & 0x8000) !== 0,
        opcode: (bits >> 11) & 0xf,
        authoritative: (bits & 0x0400) !== 0,
        truncated: (bits & 0x0200) !== 0,
        recursionDesired: (bits & 0x0100) !== 0,
        recursionAvailable: (bits & 0x0080) !== 0,
        authenticData: (bits & 0x0020) !== 0,
        rcode: bits & 0xf,
      },
    };
  }

  private count(sec: Section): number {
    switch (sec) {
      case Section.Questions:
        return this.counts[0];
      case Section.Answers:
        return this.counts[1];
      case Section.Authorities:
        return this.counts[2];
      case Section.Additionals:
        return this.counts[3];
      default:
        return 0;
    }
  }

  private checkAdvance(sec: Section): WireError | undefined {
    if (this.section < sec) return NOT_STARTED;
    if (this.section > sec) return SECTION_DONE;
    this.resHeaderValid = false;
    if (this.index === this.count(sec)) {
      this.index = 0;
      this.section++;
      return SECTION_DONE;
    }
    return undefined;
  }

  question(): { ok: true; question: Question } | Err {
    const adv = this.checkAdvance(Section.Questions);
    if (adv !== undefined) return { ok: false, error: adv };
    const name = unpackName(this.msg, this.off);
    if (!name.ok) return { ok: false, error: `unpacking Question.Name: ${name.error}` };
    const type = u16(this.msg, name.off);
    if (!type.ok) return { ok: false, error: `unpacking Question.Type: ${type.error}` };
    const cls = u16(this.msg, type.off);
    if (!cls.ok) return { ok: false, error: `unpacking Question.Class: ${cls.error}` };
    this.off = cls.off;
    this.index++;
    return { ok: true, question: { name: name.value, type: type.value, class: cls.value } };
  }

  skipQuestion(): WireError | undefined {
    const adv = this.checkAdvance(Section.Questions);
    if (adv !== undefined) return adv;
    const name = skipName(this.msg, this.off);
    if (!name.ok) return `skipping Question Name: ${name.error}`;
    if (name.off + 4 > this.msg.length) return 'skipping Question Type: insufficient data for base length type';
    this.off = name.off + 4;
    this.index++;
    return undefined;
  }

  private resourceHeader(sec: Section): { ok: true; header: ResourceHeader } | Err {
    if (this.resHeaderValid) this.off = this.resHeaderOffset;
    const adv = this.checkAdvance(sec);
    if (adv !== undefined) return { ok: false, error: adv };
    const hdr = unpackResourceHeader(this.msg, this.off);
    if (!hdr.ok) return hdr;
    this.resHeaderValid = true;
    this.resHeaderOffset = this.off;
    this.resHeaderType = hdr.value.type;
    this.resHeaderLength = hdr.value.length;
    this.off = hdr.off;
    return { ok: true, header: hdr.value };
  }

  private skipResource(sec: Section): WireError | undefined {
    if (this.resHeaderValid && this.section === sec) {
      const newOff = this.off + this.resHeaderLength;
      if (newOff > this.msg.length) return 'insufficient data for resource body length';
      this.off = newOff;
      this.resHeaderValid = false;
      this.index++;
      return undefined;
    }
    const adv = this.checkAdvance(sec);
    if (adv !== undefined) return adv;
    const r = skipResourceAt(this.msg, this.off);
    if (!r.ok) return `skipping: ${r.error}`;
    this.off = r.off;
    this.index++;
    return undefined;
  }

  answerHeader() {
    return this.resourceHeader(Section.Answers);
  }
  skipAnswer() {
    return this.skipResource(Section.Answers);
  }
  additionalHeader() {
    return this.resourceHeader(Section.Additionals);
  }
  skipAdditional() {
    return this.skipResource(Section.Additionals);
  }

  /** SkipAllAnswers / SkipAllAuthorities: skip until the section is done or a record fails. Each pass consumes bytes or ends. */
  skipAllAnswers(): WireError | undefined {
    for (;;) {
      const e = this.skipResource(Section.Answers);
      if (e === SECTION_DONE) return undefined;
      if (e !== undefined) return e;
    }
  }
  skipAllAuthorities(): WireError | undefined {
    for (;;) {
      const e = this.skipResource(Section.Authorities);
      if (e === SECTION_DONE) return undefined;
      if (e !== undefined) return e;
    }
  }

  private fixedBody(type: number, size: number): { ok: true; bytes: Uint8Array } | Err {
    if (!this.resHeaderValid || this.resHeaderType !== type) return { ok: false, error: NOT_STARTED };
    if (this.off + size > this.msg.length) return { ok: false, error: 'insufficient data for calculated length type' };
    const bytes = this.msg.slice(this.off, this.off + size);
    this.off += this.resHeaderLength;
    this.resHeaderValid = false;
    this.index++;
    return { ok: true, bytes };
  }

  /** AResource: reads 4 bytes whatever the record's length says, then skips the declared length (as Go does). */
  aResource() {
    return this.fixedBody(TYPE_A, 4);
  }
  aaaaResource() {
    return this.fixedBody(TYPE_AAAA, 16);
  }

  cnameResource(): { ok: true; cname: string } | Err {
    if (!this.resHeaderValid || this.resHeaderType !== TYPE_CNAME) return { ok: false, error: NOT_STARTED };
    const name = unpackName(this.msg, this.off);
    if (!name.ok) return { ok: false, error: `unpacking CNAME record: ${name.error}` };
    this.off += this.resHeaderLength;
    this.resHeaderValid = false;
    this.index++;
    return { ok: true, cname: name.value };
  }
}

/** equalASCIIName: byte-wise, ASCII case-insensitive. */
export function equalASCIIName(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/**
 * Why Go's Name.pack would refuse this fqdn (then Go sends nothing and reports "cannot marshal DNS
 * message"), or undefined. Go allows any byte in a label except the dot.
 */
export function unpackableName(fqdn: string): string | undefined {
  const b = Buffer.from(fqdn, 'utf8');
  if (b.length > NON_ENCODED_NAME_MAX) return 'name too long';
  if (b.length === 0 || b[b.length - 1] !== 0x2e) return 'name is not in canonical format (it must end with a .)';
  if (b.length === 1) return undefined;
  let begin = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x2e) continue;
    if (i - begin >= 64) return 'segment length too long';
    if (i - begin === 0) return 'zero length segment';
    begin = i + 1;
  }
  return undefined;
}

/**
 * Builds Go's query (newRequest): RD set, AD when trust-ad, one question, and an EDNS0 OPT record
 * advertising `udpPayload` bytes. Returns the UDP message and the TCP form with its length prefix.
 */
export function buildQuery(opts: { id: number; name: string; type: 'A' | 'AAAA'; trustAD: boolean; udpPayload: number }): {
  udp: Buffer;
  tcp: Buffer;
} {
  const flags = dnsPacket.RECURSION_DESIRED | (opts.trustAD ? dnsPacket.AUTHENTIC_DATA : 0);
  const udp = dnsPacket.encode({
    type: 'query',
    id: opts.id,
    flags,
    questions: [{ type: opts.type, class: 'IN', name: opts.name }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: opts.udpPayload, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
  const tcp = Buffer.alloc(udp.length + 2);
  tcp.writeUInt16BE(udp.length, 0);
  udp.copy(tcp, 2);
  return { udp, tcp };
}

export interface DecodedAnswer {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly data: string;
}

/** Cap on answers kept as evidence per reply. */
export const MAX_EVIDENCE_ANSWERS = 64;

/**
 * The answer section in words, for the evidence: independent of Go's logic, stops quietly at
 * the first record it cannot read and after MAX_EVIDENCE_ANSWERS records.
 */
export function describeAnswers(msg: Uint8Array): DecodedAnswer[] {
  const p = new Parser();
  if (!p.start(msg).ok) return [];
  for (let i = 0; i < 65536; i++) {
    const e = p.skipQuestion();
    if (e === SECTION_DONE) break;
    if (e !== undefined) return [];
  }
  const out: DecodedAnswer[] = [];
  while (out.length < MAX_EVIDENCE_ANSWERS) {
    const h = p.answerHeader();
    if (!h.ok) break;
    const { name, type, ttl } = h.header;
    let data: string;
    if (type === TYPE_A) {
      const r = p.aResource();
      if (!r.ok) break;
      data = formatNetIp(r.bytes);
    } else if (type === TYPE_AAAA) {
      const r = p.aaaaResource();
      if (!r.ok) break;
      data = formatNetIp(r.bytes);
    } else if (type === TYPE_CNAME) {
      const r = p.cnameResource();
      if (!r.ok) break;
      data = r.cname;
    } else {
      if (p.skipAnswer() !== undefined) break;
      data = `(${h.header.length} bytes)`;
    }
    out.push({ name, type: typeName(type), ttl, data });
  }
  return out;
}
