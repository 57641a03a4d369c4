// Trust store loading against go: the pools and errors each go's crypto/x509 reported with SSL_CERT_FILE
// and SSL_CERT_DIR set to the same layouts (test/unit/tls/vectors/truststore-go1.<minor>.json, recorded
// by `npm run record-vectors` with test/vectors/record/truststore.go; $B stands for the temporary
// directory), each checked under that go's rules.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGoVersion, rulesFor, x509RulesFor } from '../../../src/goenv/goversion.js';
import { diskInputFs, INPUT_LIMITS, overlayInputFs, type InputFs } from '../../../src/inputfile.js';
import { selfSignedCA } from '../../../src/lab/pki.js';
import { decodePem, loadTrustStore, readTrustStore } from '../../../src/net/truststore.js';
import { CertPool } from '../../../src/net/x509/pool.js';
import { parseCertificate } from '../../../src/net/x509/parse.js';
import { recordedTrustVectors } from '../../vectors/record.js';
import { buildTrustFixtures, type TrustFixtures } from './truststore-fixtures.js';

let base: string;
let fx: TrustFixtures;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'gomodprobe-trust-'));
  fx = buildTrustFixtures(base);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const namesOf = (fingerprints: ReadonlySet<string>): string[] =>
  Object.entries(fx.certs)
    .filter(([, c]) => fingerprints.has(c.sha256))
    .map(([n]) => n)
    .sort();

describe.each(recordedTrustVectors())('loadTrustStore agrees with $go on Linux', ({ go, layouts }) => {
  const rules = rulesFor(parseGoVersion(go));
  it('has a go result for every layout', () => {
    expect(fx.layouts.map((l) => l.name).sort()).toEqual(Object.keys(layouts).sort());
  });
  it.each(Object.keys(layouts))('%s', async (name) => {
    const layout = fx.layouts.find((l) => l.name === name)!;
    const store = await loadTrustStore({ sslCertFile: layout.sslCertFile, sslCertDir: layout.sslCertDir, readDirOpensDirectory: rules.readDirOpensDirectory });
    const expected = layouts[name]!;
    expect(namesOf(store.fingerprints)).toEqual(expected.certs);
    expect(store.pems.length).toBe(expected.certs.length);
    expect(store.error?.replaceAll(base, '$B') ?? null).toBe(expected.error);
  });
});

// The config stage decides on a store that is read but parsed only until its first root (readTrustStore);
// the rest is parsed while the network waits run. What it decides on must be what the full parse says.
describe.each(recordedTrustVectors())('a store parsed in idle time says what the full load says ($go)', ({ go, layouts }) => {
  const rules = rulesFor(parseGoVersion(go));
  it.each(Object.keys(layouts))('%s', async (name) => {
    const layout = fx.layouts.find((l) => l.name === name)!;
    const src = { sslCertFile: layout.sslCertFile, sslCertDir: layout.sslCertDir, readDirOpensDirectory: rules.readDirOpensDirectory };
    const full = await loadTrustStore(src);
    const pending = await readTrustStore(src);
    // Before the idle-time parse: the verdicts' facts, and nothing that needs every certificate.
    expect(pending.hasRoots()).toBe(full.pems.length > 0);
    expect(pending.error).toBe(full.error);
    if (layout.sslCertFile) {
      const loaded = full.loaded.find((l) => l.path === layout.sslCertFile && l.kind === 'file');
      const of = pending.file(layout.sslCertFile);
      expect(of.read).toBe(loaded !== undefined);
      expect(of.certs).toBe((loaded?.certs ?? 0) > 0);
      if (!of.certs) expect(of.firstSkip).toBe(full.skipped.find((s) => s.path === layout.sslCertFile)?.reason);
    }
    expect(pending.read).toEqual(full.loaded.map(({ path, kind }) => ({ path, kind })));
    expect(() => pending.loaded).toThrow(/before its certificates were parsed/);
    // The verifier's pool, indexed by subject and parsed as asked, holds what the full load holds.
    await pending.indexed;
    const pool = pending.pool();
    const fullPool = new CertPool();
    for (const c of full.certs ?? []) fullPool.add(c);
    for (const c of full.certs ?? []) {
      expect(pool.contains(c)).toBe(true);
      expect(pool.bySubject(c.rawSubject).map((x) => x.raw)).toEqual(fullPool.bySubject(c.rawSubject).map((x) => x.raw));
    }
    await pending.ready;
    expect(pending.loaded).toEqual(full.loaded);
    expect(pending.skipped).toEqual(full.skipped);
    expect(pending.pems).toEqual(full.pems);
  });
});

describe('the idle-time parse', () => {
  it('gives the event loop back between slices of work: with slices of 0 ms, a callback that queues itself runs between every two certificates', async () => {
    const pending = await readTrustStore({ sslCertFile: join(base, 'bundle.pem'), sslCertDir: `${join(base, 'dirA')}:${join(base, 'dirB')}` }, diskInputFs, 0);
    expect(pending.hasRoots()).toBe(true);
    let turns = 0;
    let parsing = true;
    const turn = (): void => {
      if (!parsing) return;
      turns++;
      setImmediate(turn);
    };
    setImmediate(turn);
    await pending.ready;
    parsing = false;
    // hasRoots parsed the first; every other root took a turn of its own.
    expect(pending.certs.length).toBeGreaterThan(2);
    expect(turns).toBeGreaterThanOrEqual(pending.certs.length - 1);
  });

  it('counts every copy of a block repeated 5,000 times, and pools it once', async () => {
    const cert = selfSignedCA({ commonName: 'copies' });
    const store = await loadTrustStore({ sslCertFile: '/copies.pem', dirs: [] }, overlayInputFs({ '/copies.pem': cert.certPem.repeat(5_000) }));
    expect(store.loaded).toEqual([{ path: '/copies.pem', kind: 'file', certs: 5_000 }]);
    expect(store.pems).toEqual([cert.certPem]);
  });
});

describe('what the store reports', () => {
  it('lists what it loaded and why it skipped blocks and files', async () => {
    const store = await loadTrustStore({ sslCertFile: join(base, 'bundle.pem'), sslCertDir: `${join(base, 'dirA')}:${join(base, 'dirB')}` });
    expect(store.loaded).toEqual([
      { path: join(base, 'bundle.pem'), kind: 'file', certs: 3 },
      { path: join(base, 'dirA'), kind: 'dir', certs: 2 },
      { path: join(base, 'dirB'), kind: 'dir', certs: 2 },
    ]);
    const reasons = store.skipped.map((s) => `${s.path}: ${s.reason}`.replaceAll(base, '$B'));
    expect(reasons).toContain('$B/bundle.pem: PEM block 2 is a PRIVATE KEY, not a CERTIFICATE');
    expect(reasons).toContain('$B/bundle.pem: PEM block 5 has headers');
    expect(reasons).toContain('$B/dirA/garbage.pem: no PEM data found');
    expect(reasons).toContain('$B/dirB/dangling.pem: open $B/dirB/dangling.pem: no such file or directory');
  });

  it('reports a non-PEM SSL_CERT_FILE without throwing, and stops the file list there', async () => {
    const store = await loadTrustStore({ sslCertFile: join(base, 'not-pem.txt'), sslCertDir: join(base, 'empty') });
    expect(store.pems).toEqual([]);
    expect(store.error).toBeUndefined();
    expect(store.skipped).toEqual([{ path: join(base, 'not-pem.txt'), reason: 'no PEM data found' }]);
  });

  it('skips same-directory symlinks without reading them, and follows links with a slash', async () => {
    const reads: string[] = [];
    const spy: InputFs = { ...diskInputFs, readFile: (p, kind) => (reads.push(p), diskInputFs.readFile(p, kind)) };
    await loadTrustStore({ sslCertFile: join(base, 'missing.pem'), sslCertDir: `${join(base, 'dirA')}:${join(base, 'dirB')}` }, spy);
    const rel = reads.map((r) => r.replace(base, '$B'));
    expect(rel).not.toContain('$B/dirB/abcd1234.0');
    expect(rel).toContain('$B/dirB/relative-link.pem');
    expect(rel).toContain('$B/dirA/c1-link.pem');
    expect(rel).toContain('$B/dirB/b2.pem');
  });
});

describe('the modelled go decides which blocks parse', () => {
  it('keeps a root only if that go parses it (AppendCertsFromPEM), and the verifier indexes it as loaded', async () => {
    // A negative pathLenConstraint: go <= 1.24 reads it into an int, go 1.27 into a uint and fails the certificate.
    const negative = selfSignedCA({ commonName: 'Negative PathLen', pathLen: -1 });
    const plain = selfSignedCA({ commonName: 'Plain Root' });
    const file = join(base, 'versioned.pem');
    writeFileSync(file, negative.certPem + plain.certPem);
    const load = (minor: number) =>
      loadTrustStore({ sslCertFile: file, dirs: [], rules: x509RulesFor(rulesFor(parseGoVersion(`1.${minor}.0`)), new Map()) });
    const go124 = await load(24);
    expect([...go124.fingerprints].sort()).toEqual([negative.sha256, plain.sha256].sort());
    expect(go124.loaded).toEqual([{ path: file, kind: 'file', certs: 2 }]);
    const go127 = await load(27);
    expect([...go127.fingerprints]).toEqual([plain.sha256]);
    expect(go127.loaded).toEqual([{ path: file, kind: 'file', certs: 1 }]);
    expect(go127.skipped).toEqual([{ path: file, reason: 'PEM block 1: x509: invalid basic constraints' }]);
    expect(go127.pems).toEqual([plain.certPem]);
    // Indexed by subject before anything is parsed, the pool still leaves out what that go does not parse.
    const pending = await readTrustStore({ sslCertFile: file, dirs: [], rules: x509RulesFor(rulesFor(parseGoVersion('1.27.0')), new Map()) });
    await pending.indexed;
    const pool = pending.pool();
    const neg = parseCertificate(negative.der);
    const ok = parseCertificate(plain.der);
    expect(pool.bySubject(neg.rawSubject)).toEqual([]);
    expect(pool.contains(neg)).toBe(false);
    expect(pending.holds(negative.der)).toBe(false);
    expect(pool.bySubject(ok.rawSubject).map((c) => c.raw)).toEqual([plain.der]);
    expect(pool.findPotentialParents(ok).map((c) => c.raw)).toEqual([plain.der]);
  });
});

describe('built-in lists (no environment variables)', () => {
  it('reads only the first readable file of the list, after unreadable ones', async () => {
    const first = selfSignedCA({ commonName: 'First' });
    const second = selfSignedCA({ commonName: 'Second' });
    writeFileSync(join(base, 'first.pem'), first.certPem);
    writeFileSync(join(base, 'second.pem'), second.certPem);
    const store = await loadTrustStore({
      files: [join(base, 'missing.pem'), join(base, 'adir'), join(base, 'first.pem'), join(base, 'second.pem')],
      dirs: [],
    });
    expect([...store.fingerprints]).toEqual([first.sha256]);
    // The directory read failed, but certificates were found: Go reports no error.
    expect(store.error).toBeUndefined();
    expect(store.skipped.map((s) => s.reason)).toEqual([`read ${join(base, 'adir')}: is a directory`]);
  });

  it('SSL_CERT_FILE replaces the file list but the default directories are still read', async () => {
    const store = await loadTrustStore({ sslCertFile: join(base, 'bundle.pem'), files: [join(base, 'first.pem')], dirs: [join(base, 'dirB')] });
    expect(namesOf(store.fingerprints)).toEqual(['a1', 'a2', 'b2', 'c1']);
  });

  it('SSL_CERT_DIR replaces the directory list', async () => {
    const store = await loadTrustStore({ files: [], dirs: [join(base, 'dirA')], sslCertDir: join(base, 'dirB') });
    expect(namesOf(store.fingerprints)).toEqual(['b2', 'c1']);
  });

  it('refuses a file beyond the size cap instead of reading it all', async () => {
    const cap = INPUT_LIMITS['certificate file'].maxBytes;
    const store = await loadTrustStore({ sslCertFile: '/big.pem', dirs: [] }, overlayInputFs({ '/big.pem': 'x'.repeat(cap + 1) }));
    expect(store.pems).toEqual([]);
    expect(store.refused.map((e) => [e.path, e.code])).toEqual([['/big.pem', 'EFBIG']]);
  });

  it('refuses a device or a FIFO without reading it: go\'s os.ReadFile would never end or never start', async () => {
    const fifo = join(base, 'fifo.pem');
    execFileSync('mkfifo', [fifo]);
    const store = await loadTrustStore({ sslCertFile: '/dev/zero', dirs: [], sslCertDir: base });
    expect(store.refused.map((e) => [e.path, e.code])).toEqual([['/dev/zero', 'ENOTREG'], [fifo, 'ENOTREG']]);
    expect(store.refused[0]!.message).toBe('/dev/zero: is a character device, not a regular file: the probe does not read it (reading one can block or never end)');
    expect(store.refused[1]!.message).toMatch(/fifo\.pem: is a FIFO \(named pipe\), not a regular file/);
    rmSync(fifo);
  });
});

describe('decodePem (encoding/pem.Decode rules)', () => {
  const cert = selfSignedCA({ commonName: 'pem' });
  it('accepts CRLF, trailing spaces and blank padding inside the body', () => {
    const crlf = cert.certPem.replace(/\n/g, ' \r\n');
    expect(decodePem(crlf)?.block.bytes.equals(cert.der)).toBe(true);
  });
  it('rejects a mismatched END type and bad base64, and skips to the next block', () => {
    const bad = cert.certPem.replace('END CERTIFICATE', 'END CERTIFICATE REQUEST');
    expect(decodePem(bad)).toBeUndefined();
    const next = decodePem('-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n' + cert.certPem);
    expect(next?.block.bytes.equals(cert.der)).toBe(true);
  });
  it('accepts non-zero bits after the last byte, as base64.StdEncoding does (not Strict)', () => {
    expect(decodePem('-----BEGIN X-----\nQR==\n-----END X-----\n')?.block.bytes).toEqual(Buffer.from('A'));
    expect(decodePem('-----BEGIN X-----\nQQ==\n-----END X-----\n')?.block.bytes).toEqual(Buffer.from('A'));
    expect(decodePem('-----BEGIN X-----\nQQ=A\n-----END X-----\n')).toBeUndefined();
  });
  it('parses headers', () => {
    const withHeaders = cert.certPem.replace('-----BEGIN CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nA: b\n\n');
    expect(decodePem(withHeaders)?.block.headers).toEqual({ A: 'b' });
  });
});

describe('fuzzing the PEM reader', () => {
  it('terminates and never throws on arbitrary text around PEM markers', async () => {
    const fc = (await import('fast-check')).default;
    const piece = fc.constantFrom('-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', '\n', '\r\n', 'A: b', 'QUJD', '====', ' ', '-----');
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 40 }), (parts) => {
        let rest = parts.join('');
        for (let i = 0; i < 100; i++) {
          const next = decodePem(rest);
          if (!next) break;
          expect(next.rest.length).toBeLessThan(rest.length);
          rest = next.rest;
        }
      }),
      { numRuns: 500 },
    );
  });
});
