// A bounded zip reader that follows Go's archive/zip (the reader cmd/go hashes module zips with), and a
// small deterministic writer. The reader never throws anything but ZipError, and never inflates more
// than its caps allow: module zips come from the network.

import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ParseError } from '../errors.js';

export type ZipErrorCode =
  | 'zip.format'
  | 'zip.algorithm'
  | 'zip.checksum'
  | 'zip.unexpected_eof'
  | 'zip.too_many_entries'
  | 'zip.name_too_long'
  | 'zip.too_large';

export class ZipError extends ParseError {
  constructor(code: ZipErrorCode, message: string) {
    super(code, message);
    this.name = 'ZipError';
  }
}

export interface ZipLimits {
  /** Most central-directory entries read (default 100 000). */
  maxEntries?: number;
  /** Longest entry name in bytes (default 4096). */
  maxNameLength?: number;
  /** Total uncompressed bytes of all entries (default 500 MiB, cmd/go's codehost.MaxZipFile). */
  maxUncompressed?: number;
}

export interface ZipEntry {
  /** The name decoded as UTF-8 (invalid bytes become U+FFFD). */
  name: string;
  /** The name exactly as stored: what Go's dirhash hashes and sorts. */
  rawName: Uint8Array;
  data: Uint8Array;
}

const DEFAULT_LIMITS: Required<ZipLimits> = {
  maxEntries: 100_000,
  maxNameLength: 4096,
  maxUncompressed: 500 << 20,
};

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const LEN_LOCAL = 30;
const LEN_CENTRAL = 46;
const LEN_END = 22;
const LEN_END64 = 56;
const LEN_LOC64 = 20;
const ZIP64_EXTRA_ID = 0x0001;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
const FLAG_DESCRIPTOR = 0x8;

const errFormat = () => new ZipError('zip.format', 'zip: not a valid zip file');
const errChecksum = () => new ZipError('zip.checksum', 'zip: checksum error');
const errEOF = () => new ZipError('zip.unexpected_eof', 'unexpected EOF');

/** True when buf starts with a local file header (PK\x03\x04), as every non-empty zip does. */
export function isZipPrefix(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

class Bytes {
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  has(off: number, len: number): boolean {
    return off >= 0 && len >= 0 && off + len <= this.buf.length;
  }
  u16(off: number): number {
    return this.view.getUint16(off, true);
  }
  u32(off: number): number {
    return this.view.getUint32(off, true);
  }
  /** uint64 as a number; values beyond 2^53 come back as Infinity so that every bound check fails. */
  u64(off: number): number {
    const v = this.view.getBigUint64(off, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
  }
}

interface DirectoryEnd {
  records: number;
  size: number;
  offset: number;
}

/** findSignatureInBlock: the last end-of-directory signature whose comment fits in the block. */
function findSignatureInBlock(b: Uint8Array): number {
  for (let i = b.length - LEN_END; i >= 0; i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 0x05 && b[i + 3] === 0x06) {
      const n = b[i + LEN_END - 2]! | (b[i + LEN_END - 1]! << 8);
      return n + LEN_END + i > b.length ? -1 : i;
    }
  }
  return -1;
}

function readDirectoryEnd(z: Bytes): { end: DirectoryEnd; baseOffset: number } {
  const size = z.buf.length;
  let endOffset = -1;
  for (const blockLen of [1024, 65 * 1024]) {
    const bLen = Math.min(blockLen, size);
    const p = findSignatureInBlock(z.buf.subarray(size - bLen));
    if (p >= 0) {
      endOffset = size - bLen + p;
      break;
    }
    if (bLen === size) break;
  }
  if (endOffset < 0) throw errFormat();
  const end: DirectoryEnd = {
    records: z.u16(endOffset + 10),
    size: z.u32(endOffset + 12),
    offset: z.u32(endOffset + 16),
  };
  // zip64: the locator sits right before the end record and points at the zip64 end record.
  if (end.records === 0xffff || end.size === 0xffff || end.offset === 0xffffffff) {
    const loc = endOffset - LEN_LOC64;
    if (loc >= 0 && z.u32(loc) === SIG_LOC64 && z.u32(loc + 4) === 0 && z.u32(loc + 16) === 1) {
      const p = z.u64(loc + 8);
      if (!z.has(p, LEN_END64)) throw errEOF();
      if (z.u32(p) !== SIG_END64) throw errFormat();
      endOffset = p;
      end.records = z.u64(p + 32);
      end.size = z.u64(p + 40);
      end.offset = z.u64(p + 48);
    }
  }
  if (!Number.isFinite(end.size) || !Number.isFinite(end.offset)) throw errFormat();
  let baseOffset = endOffset - end.size - end.offset;
  const o = baseOffset + end.offset;
  if (o < 0 || o >= size) throw errFormat();
  // A wrong non-zero base offset is ignored when offset 0 holds a valid directory header.
  if (baseOffset > 0 && readDirectoryHeader(z, end.offset, Number.POSITIVE_INFINITY) !== undefined) baseOffset = 0;
  return { end, baseOffset };
}

interface CentralEntry {
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  headerOffset: number;
  rawName: Uint8Array;
  next: number;
}

/** readDirectoryHeader; undefined where Go's loop stops (ErrFormat / unexpected EOF). */
function readDirectoryHeader(z: Bytes, off: number, maxNameLength: number): CentralEntry | undefined {
  if (!z.has(off, LEN_CENTRAL) || z.u32(off) !== SIG_CENTRAL) return undefined;
  const nameLen = z.u16(off + 28);
  const extraLen = z.u16(off + 30);
  const commentLen = z.u16(off + 32);
  const varStart = off + LEN_CENTRAL;
  if (!z.has(varStart, nameLen + extraLen + commentLen)) return undefined;
  if (nameLen > maxNameLength) {
    throw new ZipError('zip.name_too_long', `zip: entry name of ${nameLen} bytes exceeds the limit of ${maxNameLength}`);
  }
  let uncompressedSize = z.u32(off + 24);
  let compressedSize = z.u32(off + 20);
  let headerOffset = z.u32(off + 42);
  let needU = uncompressedSize === 0xffffffff;
  let needC = compressedSize === 0xffffffff;
  let needH = headerOffset === 0xffffffff;
  let e = varStart + nameLen;
  const extraEnd = e + extraLen;
  while (extraEnd - e >= 4) {
    const tag = z.u16(e);
    const fieldSize = z.u16(e + 2);
    e += 4;
    if (extraEnd - e < fieldSize) break;
    let f = e;
    const fieldEnd = e + fieldSize;
    e = fieldEnd;
    if (tag !== ZIP64_EXTRA_ID) continue;
    const take = (): number | undefined => {
      if (fieldEnd - f < 8) return undefined;
      const v = z.u64(f);
      f += 8;
      return v;
    };
    if (needU) {
      needU = false;
      const v = take();
      if (v === undefined) return undefined;
      uncompressedSize = v;
    }
    if (needC) {
      needC = false;
      const v = take();
      if (v === undefined) return undefined;
      compressedSize = v;
    }
    if (needH) {
      needH = false;
      const v = take();
      if (v === undefined) return undefined;
      headerOffset = v;
    }
  }
  if (needC || needH) return undefined;
  return {
    flags: z.u16(off + 8),
    method: z.u16(off + 10),
    crc: z.u32(off + 16),
    compressedSize,
    uncompressedSize,
    headerOffset,
    rawName: z.buf.subarray(varStart, varStart + nameLen),
    next: varStart + nameLen + extraLen + commentLen,
  };
}

function readBody(z: Bytes, f: CentralEntry, budget: number): Uint8Array {
  const h = f.headerOffset;
  if (!z.has(h, LEN_LOCAL)) throw errEOF();
  if (z.u32(h) !== SIG_LOCAL) throw errFormat();
  const bodyOffset = h + LEN_LOCAL + z.u16(h + 26) + z.u16(h + 28);
  const isDir = f.rawName.length > 0 && f.rawName[f.rawName.length - 1] === 0x2f;
  if (isDir) {
    if (f.uncompressedSize !== 0) throw errFormat();
    return new Uint8Array(0);
  }
  if (f.method !== METHOD_STORE && f.method !== METHOD_DEFLATE) {
    throw new ZipError('zip.algorithm', 'zip: unsupported compression algorithm');
  }
  if (f.uncompressedSize > budget) {
    throw new ZipError('zip.too_large', 'zip: uncompressed size exceeds the limit');
  }
  if (!Number.isFinite(f.compressedSize) || !z.has(bodyOffset, f.compressedSize)) throw errEOF();
  const compressed = z.buf.subarray(bodyOffset, bodyOffset + f.compressedSize);
  let data: Uint8Array;
  if (f.method === METHOD_STORE) {
    data = compressed;
  } else {
    try {
      // One byte over the declared size is enough to tell "too long" (ErrFormat) from exact.
      data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, f.uncompressedSize + 1) });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw errFormat();
      // Truncated or corrupt deflate data: Go's flate reader reports unexpected EOF or corrupt input.
      throw code === 'Z_BUF_ERROR' ? errEOF() : new ZipError('zip.format', `flate: corrupt input (${String(code)})`);
    }
  }
  if (data.length > f.uncompressedSize) throw errFormat();
  if (data.length < f.uncompressedSize) throw errEOF();
  const sum = crc32(data) >>> 0;
  if (f.flags & FLAG_DESCRIPTOR) {
    // readDataDescriptor: an optional signature, then the CRC, which must match the directory's.
    const d = bodyOffset + f.compressedSize;
    if (!z.has(d, 4)) throw errEOF();
    const crcAt = z.u32(d) === SIG_DESCRIPTOR ? d + 4 : d;
    if (!z.has(crcAt, 4)) throw errEOF();
    if (z.u32(crcAt) !== f.crc) throw errChecksum();
    if (sum !== f.crc) throw errChecksum();
  } else if (f.crc !== 0 && sum !== f.crc) {
    throw errChecksum();
  }
  return data;
}

/**
 * Entry names as UTF-8 (a bad sequence becomes U+FFFD, a BOM is kept), one decoder for every zip: each
 * decode() call without { stream } starts afresh, and building a TextDecoder per zip was ~0.05 ms each
 * (500 zips in a 500-module run).
 */
const nameDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Reads every entry of a zip file, in central-directory order (duplicates kept, as in Go's z.File).
 * Throws ZipError only.
 */
export function readZip(buf: Uint8Array, limits: ZipLimits = {}): ZipEntry[] {
  const entries: ZipEntry[] = [];
  eachZipEntry(buf, limits, (e) => entries.push(e));
  return entries;
}

/**
 * readZip one entry at a time: `visit` gets each entry's content and may drop it, so a large zip (a ~75 MB
 * toolchain holds ~250 MB of files) is never held inflated all at once. `visit` must not throw.
 */
export function eachZipEntry(buf: Uint8Array, limits: ZipLimits, visit: (e: ZipEntry) => void): void {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  try {
    const z = new Bytes(buf);
    const { end, baseOffset } = readDirectoryEnd(z);
    const central: CentralEntry[] = [];
    let off = baseOffset + end.offset;
    // Go reads headers until one is bad, then checks the count modulo 65536 (it may be truncated).
    for (;;) {
      const f = readDirectoryHeader(z, off, lim.maxNameLength);
      if (f === undefined) break;
      if (central.length >= lim.maxEntries) {
        throw new ZipError('zip.too_many_entries', `zip: more than ${lim.maxEntries} entries`);
      }
      central.push({ ...f, headerOffset: f.headerOffset + baseOffset });
      off = f.next;
    }
    if (central.length % 65536 !== end.records % 65536) {
      // Go returns the error that stopped the loop: a short read is unexpected EOF, else ErrFormat.
      throw z.has(off, LEN_CENTRAL) ? errFormat() : errEOF();
    }
    let budget = lim.maxUncompressed;
    const decoder = nameDecoder;
    for (const f of central) {
      const data = readBody(z, f, budget);
      budget -= data.length;
      visit({ name: decoder.decode(f.rawName), rawName: f.rawName, data });
    }
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError('zip.format', `zip: not a valid zip file (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Writes a zip with fixed timestamps (1980-01-01), deflating an entry when that makes it smaller.
 * Deterministic, so a module built twice has the same bytes.
 */
export function writeZip(entries: { name: string; data: Uint8Array }[]): Buffer {
  if (entries.length > 0xffff) throw new ZipError('zip.too_many_entries', 'zip: the writer has no zip64 support');
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = entry.data;
    const deflated = data.length > 0 ? deflateRawSync(data) : undefined;
    const useDeflate = deflated !== undefined && deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const method = useDeflate ? METHOD_DEFLATE : METHOD_STORE;
    const crc = crc32(data) >>> 0;
    const flags = 0x800; // names are UTF-8
    const dosTime = 0;
    const dosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01

    const local = Buffer.alloc(LEN_LOCAL);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, Buffer.from(body.buffer, body.byteOffset, body.byteLength));

    const central = Buffer.alloc(LEN_CENTRAL);
    central.writeUInt32LE(SIG_CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0o100644 * 0x10000, 38); // external attributes: a regular file, mode 0644
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += LEN_LOCAL + name.length + body.length;
    if (offset > 0xffffffff) throw new ZipError('zip.too_large', 'zip: the writer has no zip64 support');
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(LEN_END);
  end.writeUInt32LE(SIG_END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
