// The tamper-evident log of the checksum database, ported from golang.org/x/mod/sumdb/tlog:
// RFC 6962 hashing, the stored-hash ordering, proofs, tiles, tree notes and lookup records.
// Numbers are JS numbers: exact below 2^53, far above any real log. Bit operations are written with
// arithmetic because 32-bit JS shifts would silently wrap.

import { createHash } from 'node:crypto';
import { ParseError } from '../errors.js';
import { goQuote } from '../goenv/gostrings.js';
import { decodeStdBase64, encodeStdBase64, isValidUtf8NoControls } from './note.js';

export type TlogErrorCode =
  | 'tlog.malformed_hash'
  | 'tlog.malformed_tree'
  | 'tlog.malformed_record'
  | 'tlog.malformed_tile_path'
  | 'tlog.too_large'
  | 'tlog.invalid_input'
  | 'tlog.proof_failed'
  | 'tlog.inconsistent_tile'
  | 'tlog.bad_tile'
  | 'tlog.not_in_tree'
  | 'tlog.internal';

export class TlogError extends ParseError {
  constructor(code: TlogErrorCode, message: string) {
    super(code, message);
    this.name = 'TlogError';
  }
}

export const HASH_SIZE = 32;
/** A 32-byte SHA-256 hash. */
export type Hash = Uint8Array;

export interface Tree {
  readonly n: number;
  readonly hash: Hash;
}

/** Synchronous hash storage (the server's in-memory log). */
export interface HashReader {
  readHashes(indexes: readonly number[]): Hash[];
}

export const ZERO_HASH: Hash = new Uint8Array(HASH_SIZE);

const pow2 = (k: number): number => 2 ** k;
const shr = (n: number, k: number): number => Math.floor(n / pow2(k));
const shl = (n: number, k: number): number => n * pow2(k);

function trailingZeros(x: number): number {
  if (x <= 0) return 64;
  let k = 0;
  while (x % 2 === 0) {
    x /= 2;
    k++;
  }
  return k;
}

export function hashToString(h: Hash): string {
  return encodeStdBase64(h);
}

export function hashEqual(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** tlog.ParseHash. */
export function parseHash(s: string): Hash {
  const h = decodeStdBase64(s);
  if (h === undefined || h.length !== HASH_SIZE) throw new TlogError('tlog.malformed_hash', 'malformed hash');
  return h;
}

/** SHA256(0x00 || data): RFC 6962 §2.1 leaf hash. */
export function recordHash(data: Uint8Array): Hash {
  return new Uint8Array(createHash('sha256').update(Buffer.of(0)).update(data).digest());
}

/** SHA256(0x01 || left || right): RFC 6962 §2.1 interior node. */
export function nodeHash(left: Hash, right: Hash): Hash {
  return new Uint8Array(createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest());
}

/** maxpow2: the largest power of two k = 2^l smaller than n. */
function maxpow2(n: number): { k: number; l: number } {
  let l = 0;
  while (pow2(l + 1) < n) l++;
  return { k: pow2(l), l };
}

/** tlog.StoredHashIndex: tree coordinates (level, n) to the dense storage order. */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  return i + level;
}

/** tlog.SplitStoredHashIndex, the inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  if (indexN > index) throw new TlogError('tlog.internal', 'bad math');
  for (;;) {
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: shr(n, level) };
}

/** tlog.StoredHashCount: stored hashes for a tree of n records. */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let numHash = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = shr(i, 1)) numHash++;
  return numHash;
}

function checkCount(got: readonly Hash[], want: number): void {
  if (got.length !== want) {
    throw new TlogError('tlog.internal', `tlog: ReadHashes(${want} indexes) = ${got.length} hashes`);
  }
}

/** tlog.StoredHashesForRecordHash: the hashes to append when writing record n with leaf hash h. */
export function storedHashesForRecordHash(n: number, h: Hash, r: HashReader): Hash[] {
  const hashes: Hash[] = [h];
  const m = trailingZeros(n + 1);
  const indexes = new Array<number>(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, shr(n, i) - 1);
  const old = m > 0 ? r.readHashes(indexes) : [];
  checkCount(old, m);
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i]!, h);
    hashes.push(h);
  }
  return hashes;
}

/** tlog.StoredHashes. */
export function storedHashes(n: number, data: Uint8Array, r: HashReader): Hash[] {
  return storedHashesForRecordHash(n, recordHash(data), r);
}

function subTreeIndex(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const { k, l } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new TlogError('tlog.internal', 'tlog: bad math in subTreeIndex');
    need.push(storedHashIndex(l, shr(lo, l)));
    lo += k;
  }
  return need;
}

/** A cursor over hashes consumed in the order the *Index functions listed them. */
class HashCursor {
  pos = 0;
  constructor(private readonly hashes: readonly Hash[]) {}
  take(count: number): Hash[] {
    if (this.pos + count > this.hashes.length) throw new TlogError('tlog.internal', 'tlog: bad index math');
    const out = this.hashes.slice(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
  get done(): boolean {
    return this.pos === this.hashes.length;
  }
}

function subTreeHash(lo: number, hi: number, hashes: HashCursor): Hash {
  let numTree = 0;
  while (lo < hi) {
    const { k } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new TlogError('tlog.internal', 'tlog: bad math in subTreeHash');
    numTree++;
    lo += k;
  }
  const hs = hashes.take(numTree);
  let h = hs[numTree - 1]!;
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hs[i]!, h);
  return h;
}

/** Storage indexes tlog.TreeHash reads for a tree of n records. */
export function treeHashIndexes(n: number): number[] {
  return n === 0 ? [] : subTreeIndex(0, n, []);
}

/** tlog.TreeHash's computation, given the hashes at treeHashIndexes(n). */
export function treeHashFromHashes(n: number, hashes: readonly Hash[]): Hash {
  if (n === 0) return ZERO_HASH;
  checkCount(hashes, treeHashIndexes(n).length);
  return subTreeHash(0, n, new HashCursor(hashes));
}

/** tlog.TreeHash. The tree of size zero has the all-zero hash. */
export function treeHash(n: number, r: HashReader): Hash {
  if (n === 0) return ZERO_HASH;
  return treeHashFromHashes(n, r.readHashes(treeHashIndexes(n)));
}

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo <= n && n < hi)) throw new TlogError('tlog.internal', 'tlog: bad math in leafProofIndex');
  if (lo + 1 === hi) return need;
  const { k } = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function leafProof(lo: number, hi: number, n: number, hashes: HashCursor): Hash[] {
  if (lo + 1 === hi) return [];
  const { k } = maxpow2(hi - lo);
  let p: Hash[];
  let th: Hash;
  if (n < lo + k) {
    p = leafProof(lo, lo + k, n, hashes);
    th = subTreeHash(lo + k, hi, hashes);
  } else {
    th = subTreeHash(lo, lo + k, hashes);
    p = leafProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return p;
}

/** tlog.ProveRecord: the audit path proving tree t contains record n. */
export function proveRecord(t: number, n: number, r: HashReader): Hash[] {
  if (t < 0 || n < 0 || n >= t) throw new TlogError('tlog.invalid_input', 'tlog: invalid inputs in ProveRecord');
  const indexes = leafProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const hashes = r.readHashes(indexes);
  checkCount(hashes, indexes.length);
  const cursor = new HashCursor(hashes);
  const p = leafProof(0, t, n, cursor);
  if (!cursor.done) throw new TlogError('tlog.internal', 'tlog: bad index math in ProveRecord');
  return p;
}

const proofFailed = () => new TlogError('tlog.proof_failed', 'invalid transparency proof');

function runRecordProof(p: readonly Hash[], lo: number, hi: number, n: number, leaf: Hash): Hash {
  if (lo + 1 === hi) {
    if (p.length !== 0) throw proofFailed();
    return leaf;
  }
  if (p.length === 0) throw proofFailed();
  const { k } = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  if (n < lo + k) return nodeHash(runRecordProof(p.slice(0, -1), lo, lo + k, n, leaf), last);
  return nodeHash(last, runRecordProof(p.slice(0, -1), lo + k, hi, n, leaf));
}

/** tlog.CheckRecord: throws unless p proves tree (t, th) has record n with leaf hash h. */
export function checkRecord(p: readonly Hash[], t: number, th: Hash, n: number, h: Hash): void {
  if (t < 0 || n < 0 || n >= t) throw new TlogError('tlog.invalid_input', 'tlog: invalid inputs in CheckRecord');
  if (!hashEqual(runRecordProof(p, 0, t, n, h), th)) throw proofFailed();
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo < n && n <= hi)) throw new TlogError('tlog.internal', 'tlog: bad math in treeProofIndex');
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const { k } = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function treeProof(lo: number, hi: number, n: number, hashes: HashCursor): Hash[] {
  if (n === hi) return lo === 0 ? [] : [subTreeHash(lo, hi, hashes)];
  const { k } = maxpow2(hi - lo);
  let p: Hash[];
  let th: Hash;
  if (n <= lo + k) {
    p = treeProof(lo, lo + k, n, hashes);
    th = subTreeHash(lo + k, hi, hashes);
  } else {
    th = subTreeHash(lo, lo + k, hashes);
    p = treeProof(lo + k, hi, n, hashes);
  }
  p.push(th);
  return p;
}

/** tlog.ProveTree: the consistency proof that tree t contains tree n as a prefix. */
export function proveTree(t: number, n: number, r: HashReader): Hash[] {
  if (t < 1 || n < 1 || n > t) throw new TlogError('tlog.invalid_input', 'tlog: invalid inputs in ProveTree');
  const indexes = treeProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const hashes = r.readHashes(indexes);
  checkCount(hashes, indexes.length);
  const cursor = new HashCursor(hashes);
  const p = treeProof(0, t, n, cursor);
  if (!cursor.done) throw new TlogError('tlog.internal', 'tlog: bad index math in ProveTree');
  return p;
}

function runTreeProof(p: readonly Hash[], lo: number, hi: number, n: number, old: Hash): [Hash, Hash] {
  if (n === hi) {
    if (lo === 0) {
      if (p.length !== 0) throw proofFailed();
      return [old, old];
    }
    if (p.length !== 1) throw proofFailed();
    return [p[0]!, p[0]!];
  }
  if (p.length === 0) throw proofFailed();
  const { k } = maxpow2(hi - lo);
  const last = p[p.length - 1]!;
  if (n <= lo + k) {
    const [oh, th] = runTreeProof(p.slice(0, -1), lo, lo + k, n, old);
    return [oh, nodeHash(th, last)];
  }
  const [oh, th] = runTreeProof(p.slice(0, -1), lo + k, hi, n, old);
  return [nodeHash(last, oh), nodeHash(last, th)];
}

/** tlog.CheckTree: throws unless p proves tree (t, th) contains tree (n, h) as a prefix. */
export function checkTree(p: readonly Hash[], t: number, th: Hash, n: number, h: Hash): void {
  if (t < 1 || n < 1 || n > t) throw new TlogError('tlog.invalid_input', 'tlog: invalid inputs in CheckTree');
  const [h2, th2] = runTreeProof(p, 0, t, n, h);
  if (!hashEqual(th2, th) || !hashEqual(h2, h)) throw proofFailed();
}

// ---- Tiles ----

/** A tile of height h at level l (-1 = record data), number n, width w (2^h = full). */
export interface Tile {
  readonly h: number;
  readonly l: number;
  readonly n: number;
  readonly w: number;
}

function tileKey(t: Tile): string {
  return `${t.h}/${t.l}/${t.n}/${t.w}`;
}

/**
 * tileForIndexRange's answers, by height and index: every lookup of a run proves against the same tree, so
 * its tree-hash tiles' indexes come back for each module (a Tile is readonly: the objects can be shared).
 */
const tileRanges = new Map<number, { readonly tile: Tile; readonly start: number; readonly end: number }>();
const TILE_RANGES_KEPT = 4096;

function tileForIndexRange(h: number, index: number): { tile: Tile; start: number; end: number } {
  // One number per (h, index) while it stays exact; past that, computed every time.
  const key = index * 32 + h;
  const memo = Number.isSafeInteger(key) && h >= 0 && h < 32 ? key : undefined;
  const known = memo === undefined ? undefined : tileRanges.get(memo);
  if (known) return known;
  const range = computeTileForIndexRange(h, index);
  if (memo !== undefined) {
    if (tileRanges.size >= TILE_RANGES_KEPT) tileRanges.clear();
    tileRanges.set(memo, range);
  }
  return range;
}

function computeTileForIndexRange(h: number, index: number): { tile: Tile; start: number; end: number } {
  const split = splitStoredHashIndex(index);
  let level = split.level;
  let n = split.n;
  const l = Math.floor(level / h);
  level -= l * h;
  const tn = shr(shl(n, level), h);
  n -= shr(shl(tn, h), level);
  const w = shl(n + 1, level);
  return { tile: { h, l, n: tn, w }, start: shl(n, level) * HASH_SIZE, end: shl(n + 1, level) * HASH_SIZE };
}

/** tlog.TileForIndex: the tile of height h and least width that stores hash index. */
export function tileForIndex(h: number, index: number): Tile {
  if (h <= 0) throw new TlogError('tlog.invalid_input', `TileForIndex: invalid height ${h}`);
  return tileForIndexRange(h, index).tile;
}

function tileHash(data: Uint8Array): Hash {
  if (data.length === HASH_SIZE) return data.slice();
  const half = data.length / 2;
  return nodeHash(tileHash(data.subarray(0, half)), tileHash(data.subarray(half)));
}

/**
 * tileHash of data[start:end], computed once per tile buffer and range. Every lookup of a run proves
 * against the same few tiles (the sumdb stage fetches each once), and a full tile is 255 SHA-256s:
 * recomputing them per module allocated ~150 MB over a 500-module run.
 */
const tileHashes = new WeakMap<Uint8Array, Map<number, Hash>>();
function tileRangeHash(data: Uint8Array, start: number, end: number): Hash {
  let byRange = tileHashes.get(data);
  if (!byRange) tileHashes.set(data, (byRange = new Map()));
  const key = start * 0x100000000 + end;
  let h = byRange.get(key);
  if (!h) byRange.set(key, (h = tileHash(data.subarray(start, end))));
  return h.slice();
}

/** tlog.HashFromTile: the hash at storage index, from tile t (or a wider one) and its data. */
export function hashFromTile(t: Tile, data: Uint8Array, index: number): Hash {
  if (t.h < 1 || t.h > 30 || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > pow2(t.h)) {
    throw new TlogError('tlog.bad_tile', `invalid tile ${tilePath(t)}`);
  }
  if (data.length < t.w * HASH_SIZE) {
    throw new TlogError('tlog.bad_tile', `data len ${data.length} too short for tile ${tilePath(t)}`);
  }
  const { tile: t1, start, end } = tileForIndexRange(t.h, index);
  if (t.l !== t1.l || t.n !== t1.n || t.w < t1.w) {
    throw new TlogError('tlog.bad_tile', `index ${index} is in ${tilePath(t1)} not ${tilePath(t)}`);
  }
  return tileRangeHash(data, start, end);
}

/** tlog.NewTiles: the tiles to publish when a tree grows from oldTreeSize to newTreeSize. */
export function newTiles(h: number, oldTreeSize: number, newTreeSize: number): Tile[] {
  if (h <= 0) throw new TlogError('tlog.invalid_input', `NewTiles: invalid height ${h}`);
  const tiles: Tile[] = [];
  for (let level = 0; shr(newTreeSize, h * level) > 0; level++) {
    const oldN = shr(oldTreeSize, h * level);
    const newN = shr(newTreeSize, h * level);
    if (oldN === newN) continue;
    for (let n = shr(oldN, h); n < shr(newN, h); n++) tiles.push({ h, l: level, n, w: pow2(h) });
    // Only the newest partial tile of a level (x/mod v0.19.0+, as go 1.23-1.27 vendor it; older x/mod
    // listed every width between the old and the new size).
    const n = shr(newN, h);
    const w = newN - shl(n, h);
    if (w > 0) tiles.push({ h, l: level, n, w });
  }
  return tiles;
}

/** tlog.ReadTileData: the W*32 bytes of hash tile t. */
export function readTileData(t: Tile, r: HashReader): Uint8Array {
  const size = t.w === 0 ? pow2(t.h) : t.w;
  const start = shl(t.n, t.h);
  const indexes: number[] = [];
  for (let i = 0; i < size; i++) indexes.push(storedHashIndex(t.h * t.l, start + i));
  const hashes = r.readHashes(indexes);
  checkCount(hashes, indexes.length);
  const out = new Uint8Array(size * HASH_SIZE);
  hashes.forEach((h, i) => out.set(h, i * HASH_SIZE));
  return out;
}

const PATH_BASE = 1000;

/** Tile.Path: tile/H/L/x001/x234/067[.p/W]. */
export function tilePath(t: Tile): string {
  let n = t.n;
  let nStr = String(n % PATH_BASE).padStart(3, '0');
  while (n >= PATH_BASE) {
    n = Math.floor(n / PATH_BASE);
    nStr = `x${String(n % PATH_BASE).padStart(3, '0')}/${nStr}`;
  }
  const pStr = t.w !== pow2(t.h) ? `.p/${t.w}` : '';
  const L = t.l === -1 ? 'data' : String(t.l);
  return `tile/${t.h}/${L}/${nStr}${pStr}`;
}

/** strconv.Atoi for the values a tile path can hold; undefined on a syntax or (safe-)range error. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** tlog.ParseTilePath. Only the canonical spelling of a tile is accepted. */
export function parseTilePath(path: string): Tile {
  const bad = () => new TlogError('tlog.malformed_tile_path', `malformed tile path ${goQuote(path)}`);
  if (path.length > 4096) throw bad(); // far beyond any 64-bit tile; keeps the split bounded
  let f = path.split('/');
  if (f.length < 4 || f[0] !== 'tile') throw bad();
  const h = atoi(f[1]!);
  let isData = false;
  if (f[2] === 'data') {
    isData = true;
    f[2] = '0';
  }
  let l = atoi(f[2]!);
  if (h === undefined || l === undefined || h < 1 || l < 0 || h > 30) throw bad();
  let w = pow2(h);
  const dotP = f[f.length - 2]!;
  if (dotP.endsWith('.p')) {
    const ww = atoi(f[f.length - 1]!);
    if (ww === undefined || ww <= 0 || ww >= w) throw bad();
    w = ww;
    f[f.length - 2] = dotP.slice(0, -2);
    f = f.slice(0, -1);
  }
  let n = 0;
  for (const s of f.slice(3)) {
    const nn = atoi(s.startsWith('x') ? s.slice(1) : s);
    if (nn === undefined || nn < 0 || nn >= PATH_BASE) throw bad();
    n = n * PATH_BASE + nn;
    if (!Number.isSafeInteger(n)) throw bad();
  }
  if (isData) l = -1;
  const t: Tile = { h, l, n, w };
  if (path !== tilePath(t)) throw bad();
  return t;
}

// ---- Authenticated tile reading (tlog.TileHashReader) ----

/** Reads the data of tiles; each result must be exactly tile.w*32 bytes. */
export interface TileReader {
  readonly height: number;
  readTiles(tiles: readonly Tile[], signal: AbortSignal): Promise<Uint8Array[]>;
}

/** tileParent: t's k'th parent in the tiles of a tree of size n, or undefined (Go's Tile{}). */
function tileParent(t: Tile, k: number, n: number): Tile | undefined {
  const l = t.l + k;
  const tn = shr(t.n, k * t.h);
  let w = pow2(t.h);
  const max = shr(n, l * t.h);
  if (shl(tn, t.h) + w >= max) {
    if (shl(tn, t.h) >= max) return undefined;
    w = max - shl(tn, t.h);
  }
  return { h: t.h, l, n: tn, w };
}

/** The tree-hash tiles' data that hashed to a tree's hash, by the tree's hash (the same object for one opened note). */
const treeTilesChecked = new WeakMap<Hash, { readonly n: number; readonly data: readonly Uint8Array[] }>();

/**
 * tlog.TileHashReader: reads hashes of `tree` by fetching tiles, and authenticates the tiles against the
 * tree hash (tiles for the tree hash first, then the other tiles against their parents).
 *
 * Go's loop that checks tiles against their parents starts at index len(stx) (the number of tree-hash
 * *indexes*) although those indexes were deduplicated into fewer tiles, so the tiles in between are
 * never checked: a level-0 tile under a tree-hash tile is accepted as served (x/mod up to at least
 * 2026-06; reproduced with go1.23's copy). By default this reader does what Go does, so its verdict is
 * go's, and lists such tiles that do NOT match their parent in `unauthenticated`; with `strict` it
 * rejects them as every tile should be.
 */
export class TileHashReader {
  /** Tiles Go leaves unchecked that failed the parent check (tile paths). */
  readonly unauthenticated: string[] = [];

  constructor(
    private readonly tree: Tree,
    private readonly tr: TileReader,
    private readonly opts: { strict?: boolean } = {},
  ) {}

  async readHashes(indexes: readonly number[], signal: AbortSignal): Promise<Hash[]> {
    const h = this.tr.height;
    const N = this.tree.n;
    if (N <= 0) throw new TlogError('tlog.not_in_tree', 'indexes not in tree');
    const tileOrder = new Map<string, number>();
    const tiles: Tile[] = [];
    const add = (t: Tile): number => {
      tileOrder.set(tileKey(t), tiles.length);
      tiles.push(t);
      return tiles.length - 1;
    };

    // Tiles needed to recompute the tree hash; if it matches, they are authenticated.
    const stx = subTreeIndex(0, N, []);
    const stxTileOrder = stx.map((x) => {
      const t = tileParent(tileForIndex(h, x), 0, N);
      if (t === undefined) throw new TlogError('tlog.internal', 'bad math in tileHashReader');
      return tileOrder.get(tileKey(t)) ?? add(t);
    });

    // Tiles holding the indexes, plus any parents needed to authenticate them.
    const indexTileOrder = indexes.map((x) => {
      if (x < 0 || x >= storedHashIndex(0, N)) throw new TlogError('tlog.not_in_tree', 'indexes not in tree');
      const tile = tileForIndex(h, x);
      let k = 0;
      let found: number | undefined;
      for (; ; k++) {
        if (k > 64) throw new TlogError('tlog.internal', `bad math in tileHashReader: ${N} ${x}`);
        const p = tileParent(tile, k, N);
        const j = p === undefined ? undefined : tileOrder.get(tileKey(p));
        if (j !== undefined) {
          if (k === 0) found = j;
          break;
        }
      }
      for (k--; k >= 0; k--) {
        const p = tileParent(tile, k, N);
        if (p === undefined || p.w !== pow2(p.h)) {
          throw new TlogError('tlog.internal', `bad math in tileHashReader: ${N} ${x}`);
        }
        const j = add(p);
        if (k === 0) found = j;
      }
      return found!;
    });

    const data = await this.tr.readTiles(tiles, signal);
    if (data.length !== tiles.length) {
      throw new TlogError('tlog.bad_tile', `TileReader returned bad result slice (len=${data.length}, want ${tiles.length})`);
    }
    tiles.forEach((tile, i) => {
      if (data[i]!.length !== tile.w * HASH_SIZE) {
        throw new TlogError(
          'tlog.bad_tile',
          `TileReader returned bad result slice (${tilePath(tile)} len=${data[i]!.length}, want ${tile.w * HASH_SIZE})`,
        );
      }
    });

    // Authenticate the tree-hash tiles (parents come before children in `tiles`): once per tree and tile
    // data, not once per lookup (every lookup of a run proves against the same tree with the same tiles).
    const stxData = stxTileOrder.map((j) => data[j]!);
    const checked = treeTilesChecked.get(this.tree.hash);
    if (!(checked && checked.n === N && checked.data.length === stxData.length && checked.data.every((d, i) => d === stxData[i]))) {
      const last = stx.length - 1;
      let th = hashFromTile(tiles[stxTileOrder[last]!]!, data[stxTileOrder[last]!]!, stx[last]!);
      for (let i = last - 1; i >= 0; i--) {
        th = nodeHash(hashFromTile(tiles[stxTileOrder[i]!]!, data[stxTileOrder[i]!]!, stx[i]!), th);
      }
      if (!hashEqual(th, this.tree.hash)) throw new TlogError('tlog.inconsistent_tile', 'downloaded inconsistent tile');
      treeTilesChecked.set(this.tree.hash, { n: N, data: stxData });
    }

    // Authenticate the remaining (full) tiles against their parents; see the class comment for the
    // tiles Go skips.
    const numStxTiles = new Set(stxTileOrder).size;
    for (let i = numStxTiles; i < tiles.length; i++) {
      const tile = tiles[i]!;
      const p = tileParent(tile, 1, N);
      const j = p === undefined ? undefined : tileOrder.get(tileKey(p));
      if (p === undefined || j === undefined) {
        throw new TlogError('tlog.internal', `bad math in tileHashReader ${N}: lost parent of ${tilePath(tile)}`);
      }
      const ph = hashFromTile(p, data[j]!, storedHashIndex(p.l * p.h, tile.n));
      if (hashEqual(ph, tileRangeHash(data[i]!, 0, data[i]!.length))) continue;
      if (i >= stx.length || this.opts.strict) {
        throw new TlogError('tlog.inconsistent_tile', 'downloaded inconsistent tile');
      }
      this.unauthenticated.push(tilePath(tile));
    }

    return indexes.map((x, i) => hashFromTile(tiles[indexTileOrder[i]!]!, data[indexTileOrder[i]!]!, x));
  }
}

/** Fetches `path` (relative to the database base URL, e.g. "/tile/8/0/000.p/5"). */
export type TileFetch = (path: string, signal: AbortSignal) => Promise<Uint8Array>;

/**
 * A TileReader over the network, as sumdb.Client.readTile with an empty on-disk cache: each tile is
 * fetched once; when a partial tile fails, the full tile is fetched and cut to the requested width
 * (the partial one may be gone because the tile has since been completed). Tiles are fetched in
 * parallel; the error reported is the first in tile order, as the Go client does.
 */
export class RemoteTileReader implements TileReader {
  readonly height: number;
  /** Paths fetched successfully, in completion order. */
  readonly fetched: string[] = [];
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly fetch: TileFetch, opts: { height?: number } = {}) {
    this.height = opts.height ?? 8;
  }

  async readTiles(tiles: readonly Tile[], signal: AbortSignal): Promise<Uint8Array[]> {
    const results = await Promise.allSettled(tiles.map((t) => this.readTile(t, signal)));
    return results.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
  }

  private readTile(tile: Tile, signal: AbortSignal): Promise<Uint8Array> {
    const key = tileKey(tile);
    let p = this.cache.get(key);
    if (p === undefined) {
      p = this.fetchTile(tile, signal);
      this.cache.set(key, p);
    }
    return p;
  }

  private async get(path: string, signal: AbortSignal): Promise<Uint8Array> {
    const data = await this.fetch(path, signal);
    this.fetched.push(path);
    return data;
  }

  private async fetchTile(tile: Tile, signal: AbortSignal): Promise<Uint8Array> {
    try {
      return await this.get(`/${tilePath(tile)}`, signal);
    } catch (err) {
      const fullW = pow2(tile.h);
      if (tile.w === fullW || signal.aborted) throw err;
      try {
        const data = await this.get(`/${tilePath({ ...tile, w: fullW })}`, signal);
        return data.subarray(0, Math.floor(data.length / fullW) * tile.w);
      } catch {
        throw err; // Go reports the error of the requested (partial) tile
      }
    }
  }
}

// ---- Tree notes and lookup records (tlog/note.go) ----

const TREE_PREFIX = 'go.sum database tree\n';

/** tlog.FormatTree. */
export function formatTree(tree: Tree): string {
  return `${TREE_PREFIX}${tree.n}\n${hashToString(tree.hash)}\n`;
}

/** tlog.ParseTree: "go.sum database tree\nN\nbase64hash\n", extra lines ignored, under 1e6 bytes. */
export function parseTree(text: string | Uint8Array): Tree {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const byteLen = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.length;
  const malformed = () => new TlogError('tlog.malformed_tree', 'malformed tree note');
  if (!s.startsWith(TREE_PREFIX) || byteLen > 1e6) throw malformed();
  const lines = s.split('\n', 4);
  if (lines.length < 4) throw malformed(); // fewer than 3 newlines
  const nStr = lines[1]!;
  if (!/^(0|[1-9][0-9]*)$/.test(nStr) || nStr.length > 19 || BigInt(nStr) > 0x7fffffffffffffffn) throw malformed();
  const n = Number(nStr);
  if (!Number.isSafeInteger(n)) throw new TlogError('tlog.too_large', `tree size ${nStr} too large`);
  const h = decodeStdBase64(lines[2]!);
  if (h === undefined || h.length !== HASH_SIZE) throw malformed();
  return { n, hash: h };
}

/** tlog.FormatRecord: "<id>\n<text>\n". */
export function formatRecord(id: number, text: Uint8Array): Uint8Array {
  if (!isValidRecordText(text)) throw new TlogError('tlog.malformed_record', 'malformed record data');
  return Buffer.concat([Buffer.from(`${id}\n`), text, Buffer.of(0x0a)]);
}

/** Valid UTF-8, no control characters but '\n', no blank line, ends in '\n'. */
export function isValidRecordText(text: Uint8Array): boolean {
  return text.length > 0 && text[text.length - 1] === 0x0a && isValidUtf8NoControls(text, { noBlankLines: true });
}

function indexOfBlankLine(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x0a && b[i + 1] === 0x0a) return i;
  return -1;
}

/** tlog.ParseRecord: the record id, its text, and the rest (the signed tree note). */
export function parseRecord(msg: Uint8Array): { id: number; text: Uint8Array; rest: Uint8Array } {
  const malformed = () => new TlogError('tlog.malformed_record', 'malformed record data');
  const i = msg.indexOf(0x0a);
  if (i < 0) throw malformed();
  const idStr = Buffer.from(msg.subarray(0, i)).toString('latin1');
  // strconv.ParseInt(s, 10, 64): optional sign, decimal digits (leading zeros allowed), within int64.
  const m = /^([+-]?)0*([0-9]*)$/.exec(idStr);
  if (m === null || !/[0-9]/.test(idStr) || m[2]!.length > 19) throw malformed();
  const big = BigInt(`${m[1]}${m[2] || '0'}`);
  if (big > 0x7fffffffffffffffn || big < -0x8000000000000000n) throw malformed();
  const id = Number(big);
  if (!Number.isSafeInteger(id)) throw new TlogError('tlog.too_large', `record id ${idStr} too large`);
  const body = msg.subarray(i + 1);
  const j = indexOfBlankLine(body);
  if (j < 0) throw malformed();
  const text = body.subarray(0, j + 1);
  if (!isValidRecordText(text)) throw malformed();
  return { id, text, rest: body.subarray(j + 2) };
}
