// Parsers fed hostile bytes throw only our typed errors (never TypeError/RangeError) and terminate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import { parseGoSumDB } from '../../../src/goenv/gosumdb.js';
import { hashModuleZip } from '../../../src/sumdb/dirhash.js';
import { generateKey, openNote, parseSignerKey, parseVerifierKey, signNote } from '../../../src/sumdb/note.js';
import { parseRecord, parseTilePath, parseTree } from '../../../src/sumdb/tlog.js';
import { readZip, writeZip } from '../../../src/sumdb/zip.js';

function onlyTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    expect(typeof err.code).toBe('string');
  }
}

const { signerKey, verifierKey } = generateKey('fuzz.example');
const verifier = parseVerifierKey(verifierKey);
const goodNote = signNote('go.sum database tree\n3\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n', parseSignerKey(signerKey));
const goodZip = writeZip([
  { name: 'm.example@v1.0.0/go.mod', data: Buffer.from('module m.example\n') },
  { name: 'm.example@v1.0.0/a.go', data: Buffer.from('package m\n'.repeat(20)) },
]);

/** Mutations of valid input find more edge cases than uniform noise. */
function mutated(base: Uint8Array) {
  return fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
    .chain((edits) =>
      fc.nat({ max: base.length }).map((cut) => {
        const b = Buffer.from(base.subarray(0, Math.max(cut, base.length - 4)));
        for (const [pos, v] of edits) if (b.length > 0) b[pos % b.length] = v;
        return new Uint8Array(b);
      }),
    );
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('\n', '—', ' ', 'a', '0', '=', '/', '+', '.', 'x', 'p') }));

describe('fuzz: typed errors only', () => {
  it('openNote', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(Buffer.from(goodNote)), fc.uint8Array({ maxLength: 300 })), (msg) =>
        onlyTyped(() => openNote(msg, [verifier])),
      ),
      { numRuns: 500 },
    );
    fc.assert(fc.property(text, (msg) => onlyTyped(() => openNote(msg, [verifier]))), { numRuns: 300 });
  });

  it('parseVerifierKey and parseGoSumDB', () => {
    fc.assert(
      fc.property(text, (s) => {
        onlyTyped(() => parseVerifierKey(s));
        onlyTyped(() => parseVerifierKey(`${s}+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`));
        const r = parseGoSumDB(s);
        expect(typeof r.ok).toBe('boolean');
        const r2 = parseGoSumDB(`sum.golang.org ${s}`);
        expect(typeof r2.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('parseRecord and parseTree', () => {
    const record = Buffer.from(`12\na.example v1.0.0 h1:x\n\n${goodNote}`);
    fc.assert(
      fc.property(fc.oneof(mutated(record), fc.uint8Array({ maxLength: 200 })), (msg) => {
        onlyTyped(() => parseRecord(msg));
        onlyTyped(() => parseTree(msg));
      }),
      { numRuns: 500 },
    );
    fc.assert(fc.property(text, (s) => onlyTyped(() => parseTree(`go.sum database tree\n${s}`))), { numRuns: 300 });
  });

  it('parseTilePath', () => {
    const seg = fc.oneof(fc.constantFrom('tile', '8', 'data', '0', '-1', '000', 'x001', '000.p', '5', '256', '.p', 'x999', '+8', '1e3'), fc.string());
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 8 }), (segs) => {
        onlyTyped(() => parseTilePath(segs.join('/')));
        onlyTyped(() => parseTilePath(['tile', ...segs].join('/')));
      }),
      { numRuns: 1000 },
    );
  });

  it('readZip and hashModuleZip', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(goodZip), fc.uint8Array({ maxLength: 400 })), (zip) => {
        onlyTyped(() => readZip(zip, { maxUncompressed: 1 << 20 }));
        onlyTyped(() => hashModuleZip(zip, { maxUncompressed: 1 << 20 }));
      }),
      { numRuns: 1000 },
    );
  });
});
