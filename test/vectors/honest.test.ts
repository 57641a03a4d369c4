// The vectors are honest: re-recording them with each lab go (`npm run record-vectors -- --go <go>
// --out <tmp>`, test/vectors/record.ts) gives the committed files byte for byte, and every committed
// recording is one that the recorder writes. A hand edit to a vector file, an input changed without
// re-recording, or a recorder that no longer says what the file says fails here.
//
// The recorder builds its Go programs with each go; go's build cache is kept in the temporary directory
// between runs. Measured on this 2-core machine with every recording in: warm, 16.4 s (28.8 s of CPU, the
// go children included) at load 1-3, 35-53 s at load 9-17; cold (CI's first run: an empty build cache),
// 103 s for the three gos at load 3-8, 167 s of CPU (go 1.27 alone: 173 s of wall time at load 14), hence
// the long timeouts. Before crypto/x509's, go env's and go.work's recordings joined: 13.5 s warm at load 3
// (24.5 s of CPU); they build no package net/http's build did not already need (crypto/x509, net).
// Nothing reaches the network: GOPROXY=off, GOTOOLCHAIN=local, GOFLAGS=-mod=mod against copies of the
// go's own vendored x/mod, a fresh HOME and GOPATH (record.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findLabGos } from '../e2e/lab/gos.js';
import { REPO_ROOT, TLOG_VECTORS_DIR, TRUST_VECTORS_DIR, VECTORS_DIR } from './record.js';

const exec = promisify(execFile);
const gos = await findLabGos(process.env);
const out = mkdtempSync(join(tmpdir(), 'gmp-vectors-honest-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Committed recordings, relative to the repository. */
function committed(): string[] {
  return [
    ...readdirSync(VECTORS_DIR).filter((f) => /^(toolchain-)?go1\.\d+\.json$/.test(f)).map((f) => relative(REPO_ROOT, join(VECTORS_DIR, f))),
    ...readdirSync(TLOG_VECTORS_DIR).filter((f) => /^tlog-go1\.\d+\.json$/.test(f)).map((f) => relative(REPO_ROOT, join(TLOG_VECTORS_DIR, f))),
    ...readdirSync(TRUST_VECTORS_DIR).filter((f) => /^(truststore|x509)-go1\.\d+\.json$/.test(f)).map((f) => relative(REPO_ROOT, join(TRUST_VECTORS_DIR, f))),
  ].sort();
}

describe('the committed go vectors are what the recorder writes with each lab go', () => {
  it('every lab go is here (CI installs them: .ci/run)', () => {
    // Outside CI a missing go is named in the test below instead of failing here.
    if (process.env['CI']) expect(gos.missing).toBe('');
  });

  it(
    `re-recorded with ${gos.found.map((g) => `go1.${g.minor}`).join(', ')}${gos.missing ? ` (${gos.missing})` : ''}: byte-identical`,
    async () => {
      expect(gos.found.length).toBeGreaterThan(0);
      // One recorder per go, side by side (they share go's build cache, which is safe for concurrent use).
      const runs = await Promise.all(
        gos.found.map(async (g) => {
          const r = await exec(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/vectors/record.ts'), '--go', g.bin, '--out', out], {
            cwd: REPO_ROOT,
            timeout: 900_000,
            maxBuffer: 1 << 20,
          });
          return { minor: g.minor, written: r.stdout.trim().split('\n').map((l) => relative(out, l.slice(l.indexOf(': ') + 2))) };
        }),
      );
      const written = runs.flatMap((r) => r.written).sort();
      for (const minor of gos.found.map((g) => g.minor)) {
        expect(written).toContain(`test/unit/goenv/vectors/go1.${minor}.json`);
        expect(written).toContain(`test/unit/sumdb/vectors/tlog-go1.${minor}.json`);
        expect(written).toContain(`test/unit/goenv/vectors/toolchain-go1.${minor}.json`);
        expect(written).toContain(`test/unit/tls/vectors/truststore-go1.${minor}.json`);
        expect(written).toContain(`test/unit/tls/vectors/x509-go1.${minor}.json`);
      }
      // Each file as recorded equals the committed one, byte for byte (the message names the file).
      for (const path of written) {
        const recorded = readFileSync(join(out, path));
        const mine = readFileSync(join(REPO_ROOT, path));
        expect(recorded.equals(mine), `${path} differs from a fresh recording: re-run npm run record-vectors`).toBe(true);
      }
      // No committed recording that no lab go writes (a stale file would be checked by no one).
      if (!gos.missing) expect(committed()).toEqual(written);
    },
    960_000,
  );
});
