// DER reading in the style of Go's golang.org/x/crypto/cryptobyte: every read returns undefined
// instead of throwing, so the certificate parser (x509/parse.ts) can answer with Go's own error
// texts. Strict DER, like cryptobyte: minimal lengths, no indefinite form, minimal INTEGERs,
// BOOLEAN only 0x00/0xff, canonical times. Every loop is bounded by the input length.
// One encoder lives here too, tlv(): the probe needs it to print a name attribute of an unknown type
// as Go does (#hex of its DER); everything else that writes DER is the lab's (src/lab/der-writer.ts).

export const TAG = Object.freeze({
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  NumericString: 0x12,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
});

/** Context-specific tag [n]; constructed when it wraps other elements (EXPLICIT or SEQUENCE-like). */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** A cursor over DER bytes. Reads consume on success and leave the cursor untouched on failure. */
export class DerInput {
  private buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get empty(): boolean {
    return this.buf.length === 0;
  }

  get remaining(): Buffer {
    return this.buf;
  }

  /** Tag and sizes of the next element, or undefined if it is not well-formed DER. */
  private head(): { tag: number; headerLen: number; total: number } | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const tag = b[0]!;
    // High tag numbers (0x1f) never occur in certificates; cryptobyte's callers reject them too.
    if ((tag & 0x1f) === 0x1f) return undefined;
    const first = b[1]!;
    if (first < 0x80) {
      const total = 2 + first;
      return total <= b.length ? { tag, headerLen: 2, total } : undefined;
    }
    const lenBytes = first & 0x7f;
    // 0x80 is the indefinite form (BER only); more than 4 length bytes cannot fit in memory anyway.
    if (lenBytes === 0 || lenBytes > 4 || b.length < 2 + lenBytes) return undefined;
    let len = 0;
    for (let i = 0; i < lenBytes; i++) len = len * 256 + b[2 + i]!;
    // Minimal encoding: no leading zero byte, and the long form only for lengths >= 128.
    if (b[2] === 0 || len < 0x80) return undefined;
    const total = 2 + lenBytes + len;
    return total <= b.length ? { tag, headerLen: 2 + lenBytes, total } : undefined;
  }

  peekTag(tag: number): boolean {
    return this.buf.length > 0 && this.buf[0] === tag;
  }

  /** The next element with its header (Go's ReadASN1Element). */
  readElement(tag: number): Buffer | undefined {
    const h = this.head();
    if (!h || h.tag !== tag) return undefined;
    const el = this.buf.subarray(0, h.total);
    this.buf = this.buf.subarray(h.total);
    return el;
  }

  /** The contents of the next element (Go's ReadASN1). */
  read(tag: number): Buffer | undefined {
    const h = this.head();
    if (!h || h.tag !== tag) return undefined;
    const content = this.buf.subarray(h.headerLen, h.total);
    this.buf = this.buf.subarray(h.total);
    return content;
  }

  /** The next element whatever its tag (Go's ReadAnyASN1 / ReadAnyASN1Element). */
  readAny(): { tag: number; content: Buffer; element: Buffer } | undefined {
    const h = this.head();
    if (!h) return undefined;
    const element = this.buf.subarray(0, h.total);
    const content = this.buf.subarray(h.headerLen, h.total);
    this.buf = this.buf.subarray(h.total);
    return { tag: h.tag, content, element };
  }

  /** An OPTIONAL element: `{present:false}` when the next tag differs, undefined when malformed. */
  readOptional(tag: number): { present: boolean; content: Buffer } | undefined {
    if (!this.peekTag(tag)) return { present: false, content: Buffer.alloc(0) };
    const content = this.read(tag);
    return content ? { present: true, content } : undefined;
  }

  skipOptional(tag: number): boolean {
    if (!this.peekTag(tag)) return true;
    return this.read(tag) !== undefined;
  }

  readInteger(): bigint | undefined {
    const save = this.buf;
    const c = this.read(TAG.INTEGER);
    if (!c) return undefined;
    const v = decodeInteger(c);
    if (v === undefined) this.buf = save;
    return v;
  }

  /** An INTEGER that fits a JS number safely (versions, path lengths, exponents). */
  readSmallInteger(): number | undefined {
    const save = this.buf;
    const v = this.readInteger();
    if (v === undefined) return undefined;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.buf = save;
      return undefined;
    }
    return Number(v);
  }

  readBoolean(): boolean | undefined {
    const save = this.buf;
    const c = this.read(TAG.BOOLEAN);
    if (!c || c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) {
      this.buf = save;
      return undefined;
    }
    return c[0] === 0xff;
  }

  readOid(): string | undefined {
    const save = this.buf;
    const c = this.read(TAG.OID);
    const oid = c ? decodeOid(c) : undefined;
    if (oid === undefined) this.buf = save;
    return oid;
  }

  readBitString(): { bytes: Buffer; unusedBits: number } | undefined {
    const save = this.buf;
    const c = this.read(TAG.BIT_STRING);
    const bs = c ? decodeBitString(c) : undefined;
    if (!bs) this.buf = save;
    return bs;
  }
}

/** Two's-complement INTEGER contents, rejecting the non-minimal encodings cryptobyte rejects. */
export function decodeInteger(c: Buffer): bigint | undefined {
  if (c.length === 0) return undefined;
  if (c.length > 1 && ((c[0] === 0 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) === 0x80))) {
    return undefined;
  }
  let v = BigInt('0x' + c.toString('hex'));
  if (c[0]! & 0x80) v -= 1n << BigInt(c.length * 8);
  return v;
}

export function decodeOid(c: Buffer): string | undefined {
  if (c.length === 0) return undefined;
  // cryptobyte.readBase128Int: at most 5 bytes and 31 bits per component, minimal encoding.
  const arcs: number[] = [];
  let i = 0;
  while (i < c.length) {
    let v = 0;
    let done = false;
    for (let n = 0; i < c.length; n++) {
      if (n === 5 || v >= 1 << 24) return undefined;
      const byte = c[i++]!;
      if (n === 0 && byte === 0x80) return undefined;
      v = v * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) {
        done = true;
        break;
      }
    }
    if (!done) return undefined;
    arcs.push(v);
  }
  const first = arcs[0]!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

export function decodeBitString(c: Buffer): { bytes: Buffer; unusedBits: number } | undefined {
  if (c.length === 0) return undefined;
  const unusedBits = c[0]!;
  const bytes = c.subarray(1);
  if (unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) return undefined;
  if (bytes.length > 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) return undefined;
  return { bytes, unusedBits };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validCalendar(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const max = mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1]!;
  return d <= max;
}

function zoneOffsetMinutes(z: string): number | undefined {
  if (z === 'Z') return 0;
  const m = /^([+-])(\d{2})(\d{2})$/.exec(z);
  if (!m) return undefined;
  const hh = Number(m[2]);
  const mm = Number(m[3]);
  // Go formats a zero offset as "Z", so "+0000" fails its round-trip check.
  if (hh > 23 || mm > 59 || (hh === 0 && mm === 0)) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hh * 60 + mm);
}

/**
 * UTCTime as cryptobyte.ReadASN1UTCTime reads it: "YYMMDDhhmm[ss]Z" or with a +hhmm offset,
 * years 50..99 are 19xx, and the string must survive Go's format round trip.
 */
export function parseUtcTime(s: string): Date | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(s);
  if (!m) return undefined;
  const yy = Number(m[1]);
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  return buildTime(year, m.slice(2, 6).map(Number), m[6] === undefined ? 0 : Number(m[6]), 0, m[7]!);
}

/**
 * GeneralizedTime as cryptobyte reads it: "YYYYMMDDhhmmssZ" (or +hhmm). time.Parse would accept a
 * fraction, but Go's layout has none, so the round-trip check rejects every fractional time.
 */
export function parseGeneralizedTime(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})$/.exec(s);
  if (!m) return undefined;
  return buildTime(Number(m[1]), m.slice(2, 6).map(Number), Number(m[6]), 0, m[7]!);
}

function buildTime(year: number, mdhm: number[], sec: number, ms: number, zone: string): Date | undefined {
  const [mo, d, h, mi] = mdhm as [number, number, number, number];
  if (!validCalendar(year, mo, d, h, mi, sec)) return undefined;
  const off = zoneOffsetMinutes(zone);
  if (off === undefined) return undefined;
  const t = Date.UTC(year, mo - 1, d, h, mi, sec, ms) - off * 60_000;
  const date = new Date(t);
  // Date.UTC maps years 0..99 to 1900..1999; GeneralizedTime can say 0001.
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER element: the tag, the minimal definite length, the contents. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}
