// tlog against Go: every expected value below was printed by golang.org/x/mod/sumdb/tlog, as each lab go
// vendors it, for the same records (test/unit/sumdb/vectors/tlog-go1.<minor>.json, recorded by
// test/vectors/record/tlog.go: `npm run record-vectors -- --go /path/to/go`), so these are Go's answers,
// not ours; each go's recording is checked.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TileHashReader,
  TlogError,
  checkRecord,
  checkTree,
  formatRecord,
  formatTree,
  hashToString,
  newTiles,
  parseHash,
  parseRecord,
  parseTilePath,
  parseTree,
  proveRecord,
  proveTree,
  readTileData,
  recordHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashes,
  tileForIndex,
  tilePath,
  treeHash,
  type Hash,
  type HashReader,
  type Tile,
  type TileReader,
} from '../../../src/sumdb/tlog.js';
import { recordedTlogVectors } from '../../vectors/record.js';

/** The same record texts as the Go program. */
function recordText(i: number): Uint8Array {
  const b64 = (s: string) => createHash('sha256').update(s).digest('base64');
  return Buffer.from(
    `example.com/m${i} v1.0.${i} h1:${b64(`zip${i}`)}\nexample.com/m${i} v1.0.${i}/go.mod h1:${b64(`mod${i}`)}\n`,
  );
}

const store: Hash[] = [];
const reader: HashReader = { readHashes: (idx) => idx.map((i) => store[i]!) };
const treeAt = new Map<number, Hash>();
for (let i = 0; i < 1100; i++) {
  store.push(...storedHashes(i, recordText(i), reader));
  treeAt.set(i + 1, treeHash(i + 1, reader));
}

function tlogCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TlogError);
    return (err as TlogError).message;
  }
  return 'no error';
}

describe.each(recordedTlogVectors())('x/mod of $go', (go) => {
  describe('hashing and storage order, against Go', () => {
    it('record hash and tree hashes', () => {
      expect(hashToString(recordHash(recordText(0)))).toBe(go.recordHash0);
      for (const [n, h] of Object.entries(go.treeHash)) expect([n, hashToString(treeAt.get(Number(n))!)]).toEqual([n, h]);
      expect(hashToString(treeHash(0, reader))).toBe('A'.repeat(43) + '=');
    });

    it('stored hash index, its inverse and counts', () => {
      for (const [level, n, want] of go.storedHashIndex) expect(storedHashIndex(level!, n!)).toBe(want);
      for (const [index, level, n] of go.split) expect(splitStoredHashIndex(index!)).toEqual({ level, n });
      for (const [n, want] of Object.entries(go.storedHashCount)) expect(storedHashCount(Number(n))).toBe(want);
      expect(store.length).toBe(storedHashCount(1100));
      for (let i = 0; i < 3000; i++) {
        const { level, n } = splitStoredHashIndex(i);
        expect(storedHashIndex(level, n)).toBe(i);
      }
    });
  });

  describe('tiles, against Go', () => {
    it('tileForIndex and tile paths', () => {
      for (const [index, path] of go.tileForIndex) expect(tilePath(tileForIndex(8, index as number))).toBe(path);
      for (const [h, l, n, w, path] of go.tilePath) {
        expect(tilePath({ h, l, n, w } as Tile)).toBe(path);
      }
    });

    it('parseTilePath accepts exactly the canonical paths', () => {
      for (const [path, want] of go.parseTilePath) {
        if (typeof want === 'string') {
          expect([path, tlogCode(() => parseTilePath(path as string))]).toEqual([path, want]);
        } else {
          const [h, l, n, w] = want as number[];
          expect(parseTilePath(path as string)).toEqual({ h, l, n, w });
        }
      }
    });

    it('newTiles', () => {
      for (const [oldN, newN, paths] of go.newTiles) {
        expect(newTiles(8, oldN as number, newN as number).map(tilePath)).toEqual(paths);
      }
    });

    it('TileHashReader reads the same tiles as Go and returns proven hashes', async () => {
      for (const [n, id, wantTiles] of go.tileReads) {
        const requested: string[] = [];
        const tr: TileReader = {
          height: 8,
          readTiles: async (tiles) => {
            requested.push(...tiles.map(tilePath));
            return tiles.map((t) => readTileData(t, reader));
          },
        };
        const thr = new TileHashReader({ n: n as number, hash: treeAt.get(n as number)! }, tr);
        const [h] = await thr.readHashes([storedHashIndex(0, id as number)], AbortSignal.timeout(5000));
        expect(requested).toEqual(wantTiles);
        expect(hashToString(h!)).toBe(hashToString(recordHash(recordText(id as number))));
      }
    });

    it('TileHashReader: a corrupted tile Go checks is rejected; one Go skips is reported (or rejected when strict)', async () => {
      const tree = { n: 1000, hash: treeAt.get(1000)! };
      const corrupting = (l: number, n: number): TileReader => ({
        height: 8,
        readTiles: async (tiles) =>
          tiles.map((t) => {
            const d = readTileData(t, reader);
            if (t.l === l && t.n === n) d[5]! ^= 1;
            return d;
          }),
      });
      const idx = [storedHashIndex(0, 3)];
      // tile/8/1/000.p/3 feeds the tree hash: always checked.
      await expect(new TileHashReader(tree, corrupting(1, 0)).readHashes(idx, AbortSignal.timeout(5000))).rejects.toMatchObject({
        code: 'tlog.inconsistent_tile',
        message: 'downloaded inconsistent tile',
      });
      // tile/8/0/000 (hash of record 0 changed) sits at index 2 < len(stx) = 6: x/mod never checks it.
      const lenient = new TileHashReader(tree, corrupting(0, 0));
      const [h] = await lenient.readHashes(idx, AbortSignal.timeout(5000));
      expect(hashToString(h!)).toBe(hashToString(recordHash(recordText(3))));
      expect(lenient.unauthenticated).toEqual(['tile/8/0/000']);
      await expect(
        new TileHashReader(tree, corrupting(0, 0), { strict: true }).readHashes(idx, AbortSignal.timeout(5000)),
      ).rejects.toMatchObject({ code: 'tlog.inconsistent_tile' });
      // Nothing to report when the tiles are intact.
      const clean = new TileHashReader(tree, corrupting(-5, 0), { strict: true });
      await clean.readHashes(idx, AbortSignal.timeout(5000));
      expect(clean.unauthenticated).toEqual([]);

      const short: TileReader = { height: 8, readTiles: async (tiles) => tiles.map((t) => readTileData(t, reader).subarray(32)) };
      await expect(new TileHashReader(tree, short).readHashes(idx, AbortSignal.timeout(5000))).rejects.toMatchObject({
        code: 'tlog.bad_tile',
        message: 'TileReader returned bad result slice (tile/8/1/000.p/3 len=64, want 96)',
      });
      await expect(
        new TileHashReader(tree, short).readHashes([storedHashIndex(0, 1000)], AbortSignal.timeout(5000)),
      ).rejects.toMatchObject({ code: 'tlog.not_in_tree' });
    });
  });

  describe('proofs, against Go', () => {
    it('record proofs match Go and verify; a changed hash or index fails', () => {
      for (const [t, n, want] of go.proveRecord) {
        const p = proveRecord(t as number, n as number, reader);
        expect(p.map(hashToString)).toEqual(want);
        const th = treeAt.get(t as number)!;
        const leaf = recordHash(recordText(n as number));
        checkRecord(p, t as number, th, n as number, leaf);
        expect(tlogCode(() => checkRecord(p, t as number, th, n as number, recordHash(recordText((n as number) + 1))))).toBe(
          'invalid transparency proof',
        );
        if (p.length > 0) {
          const bad = p.map((h) => h.slice());
          bad[0]![0]! ^= 1;
          expect(tlogCode(() => checkRecord(bad, t as number, th, n as number, leaf))).toBe('invalid transparency proof');
        }
      }
      expect(tlogCode(() => proveRecord(5, 5, reader))).toBe('tlog: invalid inputs in ProveRecord');
    });

    it('tree proofs match Go and verify', () => {
      for (const [t, n, want] of go.proveTree) {
        const p = proveTree(t as number, n as number, reader);
        expect(p.map(hashToString)).toEqual(want);
        checkTree(p, t as number, treeAt.get(t as number)!, n as number, treeAt.get(n as number)!);
        if ((n as number) < (t as number)) {
          expect(
            tlogCode(() => checkTree(p, t as number, treeAt.get(t as number)!, n as number, treeAt.get((n as number) + 1)!)),
          ).toBe('invalid transparency proof');
        }
      }
    });
  });
});

describe('tree notes and records', () => {
  it.each(recordedTlogVectors())('formats like x/mod of $go and parses back', (go) => {
    expect(formatTree({ n: 5, hash: treeAt.get(5)! })).toBe(go.formatTree5);
    expect(parseTree(go.formatTree5)).toEqual({ n: 5, hash: treeAt.get(5) });
    expect(Buffer.from(formatRecord(3, recordText(3))).toString()).toBe(go.formatRecord3);
    const rest = Buffer.from('go.sum database tree\n');
    const parsed = parseRecord(Buffer.concat([Buffer.from(go.formatRecord3), rest]));
    expect(parsed.id).toBe(3);
    expect(Buffer.from(parsed.text).toString()).toBe(Buffer.from(recordText(3)).toString());
    expect(Buffer.from(parsed.rest).toString()).toBe('go.sum database tree\n');
  });

  it.each([
    ['go.sum database tree\n5\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o=\nextra\nlines\n', 'no error'],
    ['go.sum database tree\n05\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o=\n', 'malformed tree note'],
    ['go.sum database tree\n-5\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o=\n', 'malformed tree note'],
    ['go.sum database tree\n5\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o=', 'malformed tree note'],
    ['go.sum database tree\n5\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o\n', 'malformed tree note'],
    ['go.sum database tree v2\n5\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o=\n', 'malformed tree note'],
    ['go.sum database tree\n9223372036854775808\nD+5NN17+QyaK2Zc97hOQWHOXD8EoJJdyZLuK5h/tq/o=\n', 'malformed tree note'],
  ])('parseTree(%j) -> %s', (text, want) => {
    expect(tlogCode(() => parseTree(text))).toBe(want);
  });

  it.each([
    ['3\na b h1:x\n\nrest', 'no error'],
    ['+03\na b h1:x\n\n', 'no error'],
    ['3\na b h1:x\n', 'malformed record data'],
    ['x\na\n\n', 'malformed record data'],
    ['3\na\tb\n\n', 'malformed record data'],
    ['3', 'malformed record data'],
    ['99999999999999999999\na\n\n', 'malformed record data'],
  ])('parseRecord(%j) -> %s', (msg, want) => {
    expect(tlogCode(() => parseRecord(Buffer.from(msg)))).toBe(want);
  });

  it.each(recordedTlogVectors())('parseHash (a tree hash x/mod of $go printed)', (go) => {
    expect(hashToString(parseHash(go.treeHash['5']!))).toBe(go.treeHash['5']);
    expect(tlogCode(() => parseHash('AAAA'))).toBe('malformed hash');
  });
});
