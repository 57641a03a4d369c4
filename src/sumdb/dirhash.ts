// The "h1:" hashes of go.sum, as golang.org/x/mod/sumdb/dirhash: Hash1, HashZip, and cmd/go's go.mod hash.

import { createHash } from 'node:crypto';
import { ParseError } from '../errors.js';
import { eachZipEntry, type ZipLimits } from './zip.js';

export class DirhashError extends ParseError {
  constructor(message: string) {
    super('dirhash.bad_name', message);
    this.name = 'DirhashError';
  }
}

interface NamedBytes {
  /** The file name as bytes (Go strings are bytes: sorting and hashing use them as stored). */
  name: Uint8Array;
  data: Uint8Array;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

function hash1Bytes(files: NamedBytes[]): string {
  return hash1Digests(files.map((f) => ({ name: f.name, digest: sha256Hex(f.data) })));
}

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Hash1 from each file's SHA-256 (hex): the summary lines, sorted by name as bytes. */
function hash1Digests(files: { name: Uint8Array; digest: string }[]): string {
  const sorted = [...files].sort((a, b) => compareBytes(a.name, b.name));
  const h = createHash('sha256');
  for (const f of sorted) {
    if (f.name.includes(0x0a)) throw new DirhashError('dirhash: filenames with newlines are not supported');
    const fileHash = f.digest;
    h.update(`${fileHash}  `);
    h.update(f.name);
    h.update('\n');
  }
  return `h1:${h.digest('base64')}`;
}

/**
 * dirhash.Hash1: "h1:" + base64(SHA-256 of the lines "<hex sha256(content)>  <name>\n", sorted by name
 * as bytes). Names with a newline are rejected.
 */
export function hash1(files: { name: string; data: Uint8Array }[]): string {
  return hash1Bytes(files.map((f) => ({ name: Buffer.from(f.name, 'utf8'), data: f.data })));
}

/** cmd/go's go.mod hash: Hash1 over a single file named "go.mod". */
export function hashGoMod(data: Uint8Array): string {
  return hash1([{ name: 'go.mod', data }]);
}

/**
 * dirhash.HashZip: Hash1 over every zip entry, named by its full entry name. As in Go, a name listed
 * twice is hashed twice with the content of its last entry. Throws ZipError or DirhashError.
 */
export function hashModuleZip(zip: Uint8Array, opts: { maxUncompressed?: number } = {}): string {
  const limits: ZipLimits = opts.maxUncompressed === undefined ? {} : { maxUncompressed: opts.maxUncompressed };
  // Each entry's content is hashed as it is inflated and then dropped (eachZipEntry): only the digests stay.
  const names: { name: Uint8Array; key: string }[] = [];
  const last = new Map<string, string>();
  eachZipEntry(zip, limits, (e) => {
    const key = Buffer.from(e.rawName).toString('latin1');
    last.set(key, sha256Hex(e.data));
    names.push({ name: e.rawName, key });
  });
  return hash1Digests(names.map((n) => ({ name: n.name, digest: last.get(n.key)! })));
}
