// go's ClientHello, field by field: each real go (1.23, 1.24, 1.27, with the GODEBUG settings that change
// its hello) and the probe's hello for the same go version are captured on the same raw listener and
// compared. Outside CI a missing go skips its rows with a visible reason; under CI=true it fails.

import { describe, expect, it } from 'vitest';
import { listenForHellos } from '../../src/lab/hello-listener.js';
import { dialAddress } from '../../src/net/dialer.js';
import { buildClientHello, goHelloProfile, groupName, parseClientHello, sendHello, type ClientHelloFields } from '../../src/net/clienthello.js';
import { findLabGos, LAB_GO_MINORS } from './lab/gos.js';
import { captureGoHello, readmeHelloRow } from './lab/gohello.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tlsHandshake } from '../../src/net/tls.js';
import { parseGoVersion, rulesFor, x509RulesFor } from '../../src/goenv/goversion.js';
import { REPO_ROOT } from './lab/suite.js';

const CI = process.env['CI'] === 'true';
/** The settings that change the hello: go's godebugs table for crypto/tls, per version. */
const GODEBUGS: Readonly<Record<number, readonly string[]>> = {
  23: ['', 'tlsmlkem=0,tlssecpmlkem=0', 'tlskyber=1', 'tlsrsakex=0,tls3des=0', 'http2client=0'],
  24: ['', 'tlsmlkem=0', 'tlsmlkem=0,tlssecpmlkem=0', 'tlsrsakex=1,tls3des=1', 'http2client=0'],
  27: ['', 'tlsmlkem=0', 'tlssecpmlkem=0', 'tlsmlkem=0,tlssecpmlkem=0', 'tlssha1=1', 'http2client=0,tlsmlkem=0'],
};
const gos = await findLabGos(process.env);
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
/** The hellos README's table shows (the rest are compared with the probe's, not shown). */
const README_ROWS = new Set(['23:', '24:', '24:tlsmlkem=0,tlssecpmlkem=0', '27:', '27:tlsmlkem=0,tlssecpmlkem=0']);
const readmeMessage = (row: string): string => `README's table under "go's bytes on the wire" lacks (or differs from) this recorded row:\n${row}`;
/** The rows of README's hello table that a test below found as captured (a row none finds is stale). */
const checkedReadmeRows = new Set<string>();

describe.skipIf(!CI)('the gos whose hello is compared (CI)', () => {
  it('are all installed', () => {
    expect(gos.missing, 'CI=true but a go is missing').toBe('');
  });
});

/** The probe's hello as the listener sees it: built for the go version, sent through the project's dialer. */
async function captureProbeHello(minor: number, godebug: string): Promise<Buffer> {
  const listener = await listenForHellos();
  try {
    const signal = AbortSignal.timeout(10_000);
    const { socket } = await dialAddress('127.0.0.1', listener.port, { signal });
    const hello = buildClientHello(goHelloProfile({ minor, godebug }), '127.0.0.1');
    const answer = await sendHello(socket, hello, { signal, timeoutMs: 5000 });
    // The listener closes once it has the record (a close, or a reset when the close races the read).
    expect(['closed', 'reset']).toContain(answer.kind);
    return await listener.next(signal);
  } finally {
    await listener.close();
  }
}

/** The fields that a middlebox (or a server) can act on; randoms and key material are not compared. */
function comparable(f: ClientHelloFields): Record<string, unknown> {
  return {
    recordVersion: f.recordVersion,
    legacyVersion: f.legacyVersion,
    sessionIdBytes: f.sessionIdBytes,
    cipherSuites: f.cipherSuites,
    compressionMethods: f.compressionMethods,
    extensions: f.extensions,
    serverName: f.serverName,
    supportedGroups: f.supportedGroups.map(groupName),
    keyShares: f.keyShares.map((k) => `${groupName(k.group)}:${k.bytes}`),
    signatureAlgorithms: f.signatureAlgorithms,
    signatureAlgorithmsCert: f.signatureAlgorithmsCert,
    alpn: f.alpn,
    supportedVersions: f.supportedVersions,
    pointFormats: f.pointFormats,
    pskModes: f.pskModes,
  };
}

for (const minor of LAB_GO_MINORS) {
  const go = gos.found.find((g) => g.minor === minor);
  describe.skipIf(!go)(`go 1.${minor}'s ClientHello${go ? '' : ` (skipped: ${gos.missing})`}`, () => {
    for (const godebug of GODEBUGS[minor] ?? ['']) {
      it(`the probe sends what go 1.${minor} sends${godebug ? ` with GODEBUG=${godebug}` : ''}`, async () => {
        const captured = parseClientHello((await captureGoHello(go!.bin, godebug)).hello);
        const probe = parseClientHello(await captureProbeHello(minor, godebug));
        expect(comparable(probe)).toEqual(comparable(captured));
        expect(Math.abs(probe.recordBytes - captured.recordBytes)).toBeLessThanOrEqual(64);
        if (README_ROWS.has(`${minor}:${godebug}`)) {
          const row = readmeHelloRow(`go 1.${minor}`, godebug, captured);
          expect(README.includes(row), readmeMessage(row)).toBe(true);
          checkedReadmeRows.add(row);
        }
      }, 60_000);
    }
  });
}

// The probe's own verifying handshake (OpenSSL's hello) for README's last row: Node 20's OpenSSL 3.0 is
// what CI runs; another OpenSSL (the image's Node) sends another hello, so the row is checked on 3.0 only.
const openssl30 = process.versions.openssl.startsWith('3.0.');
describe.skipIf(!openssl30)(`the probe's verifying handshake${openssl30 ? '' : ` (skipped: OpenSSL ${process.versions.openssl}, README shows 3.0's)`}`, () => {
  // The verifying hello follows the modelled go's TLS 1.2 signature rules (tlssha1): go 1.25+ offers no
  // SHA-1 scheme, go ≤1.24 offers two more (OpenSSL at @SECLEVEL=0 for them).
  const cases = [
    { sender: 'gomodprobe verifying as go 1.25+ (Node 20, OpenSSL 3.0)', go: '1.27' },
    { sender: 'gomodprobe verifying as go ≤1.24 (Node 20, OpenSSL 3.0)', go: '1.24' },
  ] as const;
  for (const { sender, go } of cases) {
    it(`sends OpenSSL 3.0's small hello as go ${go}'s rules want it, as README's table says`, async () => {
      const listener = await listenForHellos();
      try {
        const signal = AbortSignal.timeout(10_000);
        const { socket } = await dialAddress('127.0.0.1', listener.port, { signal });
        const trust = { pems: [], fingerprints: new Set<string>(), loaded: [], skipped: [], refused: [] };
        const x509 = x509RulesFor(rulesFor(parseGoVersion(go)), new Map());
        await expect(tlsHandshake(socket, { host: '127.0.0.1', port: listener.port, trust, signal, timeoutMs: 5000, x509 })).rejects.toThrow();
        const row = readmeHelloRow(sender, '', parseClientHello(await listener.next(signal)));
        expect(README.includes(row), readmeMessage(row)).toBe(true);
        checkedReadmeRows.add(row);
      } finally {
        await listener.close();
      }
    });
  }
});

// Runs after the rows above (a file's tests run in order): with every go and OpenSSL 3.0 here, each row of
// the table was captured by one of them, so a row for a hello nobody sends any more cannot stay.
const everyRowCheckable = !gos.missing && openssl30;
describe.skipIf(!everyRowCheckable)(`README's hello table${everyRowCheckable ? '' : ` (skipped: ${gos.missing || `OpenSSL ${process.versions.openssl}`})`}`, () => {
  it('has no row that no capture above produced', () => {
    const lines = README.split('\n');
    const header = lines.findIndex((l) => l.startsWith('| sender | ClientHello record |'));
    expect(header, 'README has no hello table').toBeGreaterThan(0);
    const rows: string[] = [];
    for (let i = header + 2; i < lines.length && lines[i]!.startsWith('| '); i++) rows.push(lines[i]!);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => !checkedReadmeRows.has(r))).toEqual([]);
  });
});
