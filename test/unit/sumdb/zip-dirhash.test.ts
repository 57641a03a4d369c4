// Zip reading and go.sum hashes, checked against Go's archive/zip and x/mod/sumdb/dirhash output
// (test/unit/sumdb/vectors/tlog-go1.<minor>.json, recorded by test/vectors/record/tlog.go for each lab go:
// "goZip" was written by that go's archive/zip — go 1.27's deflate writes other bytes — and "hashZip:*"
// are dirhash.HashZip of zips with the same names and contents as the ones built below).
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildModule } from '../../../src/lab/modzip.js';
import { DirhashError, hash1, hashGoMod, hashModuleZip } from '../../../src/sumdb/dirhash.js';
import { ZipError, isZipPrefix, readZip, writeZip } from '../../../src/sumdb/zip.js';
import { recordedTlogVectors } from '../../vectors/record.js';

const FILES = {
  'example.com/m@v1.0.0/go.mod': 'module example.com/m\n',
  'example.com/m@v1.0.0/a.go': 'package m\n',
  'example.com/m@v1.0.0/Z/ü.txt': 'x',
  'example.com/m@v1.0.0/b.txt': '',
};

function zipCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZipError);
    return (err as ZipError).code;
  }
  return 'no error';
}

describe.each(recordedTlogVectors())('hashes against x/mod and archive/zip of $go', (go) => {
  it('hash1 and hashGoMod', () => {
    expect(hash1(Object.entries(FILES).map(([name, s]) => ({ name, data: Buffer.from(s) })))).toBe(go.hash1);
    expect(hashGoMod(Buffer.from('module example.com/m\n'))).toBe(go.hashGoMod);
    expect(() => hash1([{ name: 'a\nb', data: Buffer.alloc(0) }])).toThrow(DirhashError);
  });

  it('reads a zip written by Go (deflate, data descriptors) and hashes it as Go does', () => {
    const zip = Buffer.from(go.goZip, 'base64');
    expect(isZipPrefix(zip)).toBe(true);
    const entries = readZip(zip);
    expect(Object.fromEntries(entries.map((e) => [e.name, Buffer.from(e.data).toString()]))).toEqual(FILES);
    expect(hashModuleZip(zip)).toBe(go.goZipHash);
  });

  it('module zips built here hash as Go hashes them', () => {
    const a = buildModule('example.com/m', 'v1.0.0', {
      'a.go': 'package m\n',
      'b.txt': '',
      'Z/ü.txt': 'x',
      'go.mod': 'module example.com/m\n',
    });
    expect(a.zipHash).toBe(go['hashZip:a.zip']);
    expect(a.goModHash).toBe(go.hashGoMod);
    const b = buildModule('github.com/Azure/go-Thing/v2', 'v2.3.4-RC1', {
      'x/y/z.go': 'lorem ipsum dolor sit amet '.repeat(5000),
      LICENSE: 'MIT\n',
    });
    expect(b.zipHash).toBe(go['hashZip:b.zip']);
    expect(b.goMod).toBe('module github.com/Azure/go-Thing/v2\n');
    expect(b.zip.length).toBeLessThan(5000); // deflated
    expect(readZip(b.zip).map((e) => e.name)).toEqual([
      'github.com/Azure/go-Thing/v2@v2.3.4-RC1/LICENSE',
      'github.com/Azure/go-Thing/v2@v2.3.4-RC1/go.mod',
      'github.com/Azure/go-Thing/v2@v2.3.4-RC1/x/y/z.go',
    ]);
    // Duplicate names are hashed twice with the last content, directories as empty files (as Go).
    const dup = writeZip([
      { name: 'p@v1/a', data: Buffer.from('1') },
      { name: 'p@v1/b', data: Buffer.from('2') },
      { name: 'p@v1/a', data: Buffer.from('3') },
      { name: 'p@v1/dir/', data: Buffer.alloc(0) },
    ]);
    expect(hashModuleZip(dup)).toBe(go['hashZip:dup.zip']);
  });
});

describe('the reader refuses bad and oversized zips with ZipError only', () => {
  const good = writeZip([
    { name: 'm@v1/a', data: Buffer.from('hello hello hello hello hello') },
    { name: 'm@v1/b', data: Buffer.from('x') },
  ]);

  it('truncation and garbage', () => {
    expect(zipCode(() => readZip(good.subarray(0, good.length - 5)))).toBe('zip.format');
    expect(zipCode(() => readZip(Buffer.from('PK\x03\x04 not really')))).toBe('zip.format');
    expect(zipCode(() => readZip(new Uint8Array(0)))).toBe('zip.format');
    expect(isZipPrefix(Buffer.from('<html>'))).toBe(false);
  });

  it('a changed byte of content fails the CRC', () => {
    const bad = Buffer.from(good);
    const at = bad.indexOf('x', 40);
    bad[at] = 'y'.charCodeAt(0);
    expect(zipCode(() => readZip(bad))).toBe('zip.checksum');
  });

  it('unsupported methods, a declared size that lies, caps', () => {
    const stored = writeZip([{ name: 'm@v1/a', data: Buffer.from('x') }]);
    const bzip = Buffer.from(stored);
    bzip.writeUInt16LE(12, 8); // local header method
    bzip.writeUInt16LE(12, bzip.indexOf(Buffer.from('PK\x01\x02')) + 10); // central header method
    expect(zipCode(() => readZip(bzip))).toBe('zip.algorithm');

    // A deflate bomb: 10 MiB of zeros in a few KiB, declared as 1 byte.
    const bomb = deflateRawSync(Buffer.alloc(10 << 20));
    const lying = writeZip([{ name: 'm@v1/a', data: Buffer.alloc(10 << 20) }]);
    expect(lying.length).toBeLessThan(bomb.length + 200);
    const cd = lying.indexOf(Buffer.from('PK\x01\x02'));
    const patched = Buffer.from(lying);
    patched.writeUInt32LE(1, cd + 24);
    expect(zipCode(() => readZip(patched))).toBe('zip.format');
    expect(zipCode(() => readZip(lying, { maxUncompressed: 1 << 20 }))).toBe('zip.too_large');
    expect(readZip(lying)[0]!.data.length).toBe(10 << 20);

    expect(zipCode(() => readZip(good, { maxEntries: 1 }))).toBe('zip.too_many_entries');
    expect(zipCode(() => readZip(good, { maxNameLength: 3 }))).toBe('zip.name_too_long');
    expect(hashModuleZip(lying, { maxUncompressed: 11 << 20 })).toMatch(/^h1:/);
  });
});
