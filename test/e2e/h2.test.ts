// HTTP/2 agreement with the real gos, on loopback: an origin whose h2 streams are reset while HTTP/1.1
// works (src/lab/h2-origin.ts, in front of the lab's GOPROXY). go 1.23, 1.24 and 1.27 negotiate h2 and
// fail with `stream error: stream ID 1; INTERNAL_ERROR; received from peer`; with GODEBUG=http2client=0
// they speak HTTP/1.1 and succeed. The probe, told each go (--go-version), must agree. go is given only
// the origin's IP literal (no DNS), an isolated HOME/GOPATH and GOSUMDB=off: nothing leaves the machine.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH2Origin, type H2Origin } from '../../src/lab/h2-origin.js';
import { LAB_MODULE, labPki, LabTarget } from '../../src/lab/target.js';
import { cleanupRuns, probeLab } from '../integration/stages/harness.js';
import { findLabGos, LAB_GO_MINORS, telemetryOff } from './lab/gos.js';

const CI = process.env['CI'] === 'true';
const gos = await findLabGos(process.env);
const MODULE = `${LAB_MODULE}@v1.1.0`;

let lab: LabTarget;
let origin: H2Origin;
let goaway: H2Origin;
let dir: string;

beforeAll(async () => {
  // The zip is served by the proxy itself: a redirect to storage.lab.test would send go to the machine's resolver.
  lab = await LabTarget.start({ pki: labPki(), zipRedirect: false });
  origin = await startH2Origin({
    tls: { cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem, key: lab.pki.leaf.keyPem },
    handler: (req, res) => lab.goproxy.handle(req, res),
  });
  goaway = await startH2Origin({
    tls: { cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem, key: lab.pki.leaf.keyPem },
    handler: (req, res) => lab.goproxy.handle(req, res),
    goawayAfter: 1,
  });
  dir = mkdtempSync(join(tmpdir(), 'gmp-h2-'));
  writeFileSync(join(dir, 'ca.pem'), lab.pki.root.certPem);
});
afterAll(async () => {
  await origin?.close();
  await goaway?.close();
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
  cleanupRuns();
});

function runGo(bin: string, godebug: string, port = origin.port): Promise<{ code: number | null; stdout: string }> {
  const home = mkdtempSync(join(dir, 'go-'));
  telemetryOff(join(home, '.config'));
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    GOPATH: join(home, 'gopath'),
    GOMODCACHE: join(home, 'gopath/pkg/mod'),
    GOCACHE: join(home, 'gocache'),
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    GOPROXY: `https://127.0.0.1:${port}`,
    GOSUMDB: 'off',
    GOFLAGS: '-mod=mod',
    SSL_CERT_FILE: join(dir, 'ca.pem'),
    ...(godebug ? { GODEBUG: godebug } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['mod', 'download', '-json', MODULE], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'], signal: AbortSignal.timeout(60_000) });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe.skipIf(!CI)('the gos HTTP/2 is compared with (CI)', () => {
  it('are all installed', () => {
    expect(gos.missing, 'CI=true but a go is missing').toBe('');
  });
});

for (const minor of LAB_GO_MINORS) {
  const go = gos.found.find((g) => g.minor === minor);
  describe.skipIf(!go)(`go 1.${minor} and the probe against an origin whose h2 streams are reset${go ? '' : ` (skipped: ${gos.missing})`}`, () => {
    for (const godebug of ['', 'http2client=0']) {
      const h2 = godebug === '';
      it(`${godebug ? `GODEBUG=${godebug}: both speak HTTP/1.1 and pass` : 'both speak h2 and fail with the stream error'}`, async () => {
        const [goRun, probe] = await Promise.all([
          runGo(go!.bin, godebug),
          probeLab(lab, { env: { GOPROXY: `https://127.0.0.1:${origin.port}`, GOSUMDB: 'off', ...(godebug ? { GODEBUG: godebug } : {}) }, args: ['--go-version', `1.${minor}`] }),
        ]);
        const goError = /"Error": "([^"\\]*(?:\\.[^"\\]*)*)"/.exec(goRun.stdout)?.[1] ?? '';
        if (h2) {
          expect(goRun.code, 'go should fail').not.toBe(0);
          expect(goError).toMatch(/stream error: stream ID 1; INTERNAL_ERROR; received from peer/);
          expect(probe.exitCode).toBe(13);
          expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.http.h2_stream_error' });
          expect(probe.report.failure!.goError).toMatch(/stream error: stream ID 1; INTERNAL_ERROR; received from peer$/);
        } else {
          expect(goRun.code, `go should succeed: ${goError}`).toBe(0);
          expect(probe.exitCode, JSON.stringify(probe.report.failure)).toBe(0);
        }
      }, 90_000);
    }
  });
}

for (const minor of LAB_GO_MINORS) {
  const go = gos.found.find((g) => g.minor === minor);
  describe.skipIf(!go)(`go 1.${minor} and the probe against an origin that sends GOAWAY after each connection's first answer${go ? '' : ` (skipped: ${gos.missing})`}`, () => {
    it('both retry the unanswered request on a new connection and pass', async () => {
      const [goRun, probe] = await Promise.all([
        runGo(go!.bin, '', goaway.port),
        probeLab(lab, { env: { GOPROXY: `https://127.0.0.1:${goaway.port}`, GOSUMDB: 'off' }, args: ['--go-version', `1.${minor}`] }),
      ]);
      const goError = /"Error": "([^"\\]*(?:\\.[^"\\]*)*)"/.exec(goRun.stdout)?.[1] ?? '';
      expect(goRun.code, `go: ${goError}`).toBe(0);
      expect(probe.exitCode, JSON.stringify(probe.report.failure)).toBe(0);
    }, 90_000);
  });
}
