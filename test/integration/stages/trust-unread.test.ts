// The trust store is read only when some hop can reach a TLS server: a run with GOPROXY=off (or only
// file:// entries) and GOSUMDB=off reads none of it, as go never loads its roots then (crypto/x509
// root.go: systemRootsPool's sync.Once runs on the first Verify). The proof is a FIFO as SSL_CERT_FILE:
// read, it fails config (go's os.ReadFile would block on it); unread, the run goes on to go's verdict.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_MODULE, probeLab, startLab } from './harness.js';

let lab: LabTarget;
let dir: string;
let fifo: string;

beforeAll(async () => {
  lab = await startLab();
  dir = mkdtempSync(join(tmpdir(), 'gmp-trust-unread-'));
  fifo = join(dir, 'roots.fifo');
  execFileSync('mkfifo', [fifo]);
});
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});

describe('trust store read only when a hop can reach a TLS server', () => {
  it('GOPROXY=off, GOSUMDB=off: not read (a FIFO as SSL_CERT_FILE is never opened); go\'s verdict proxy.off', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'off', GOSUMDB: 'off', SSL_CERT_FILE: fifo } });
    expect(run.exitCode).toBe(13);
    expect(run.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.off' });
    const notRead = { notRead: expect.stringMatching(/no hop can reach a TLS server/) };
    expect(run.stage('config').evidence['trustStore']).toEqual(notRead);
    expect(run.stage('tls').evidence['trustStore']).toEqual(notRead);
    expect(run.stage('config').findings.map((f) => f.code)).not.toContain('config.trust_store_empty');
  });

  it('GOPROXY of file:// entries only, GOSUMDB=off: not read', async () => {
    const proxyDir = join(dir, 'proxy');
    mkdirSync(join(proxyDir, LAB_MODULE, '@v'), { recursive: true });
    writeFileSync(join(proxyDir, LAB_MODULE, '@v', 'list'), '');
    const run = await probeLab(lab, { env: { GOPROXY: `file://${proxyDir}`, GOSUMDB: 'off', SSL_CERT_FILE: fifo } });
    expect(run.stage('config').evidence['trustStore']).toEqual({ notRead: expect.any(String) });
    expect(run.report.failure?.stage).not.toBe('config');
  });

  it.each([
    ['GOPROXY=off with a checksum database', { GOPROXY: 'off' }],
    ['GOPROXY=off with GOPRIVATE (direct fetches)', { GOPROXY: 'off', GOSUMDB: 'off', GOPRIVATE: 'lab.test' }],
    ['GOPROXY=file://… with a later https entry', { GOPROXY: 'file:///nonexistent,https://proxy.golang.org', GOSUMDB: 'off' }],
  ])('%s: read (the FIFO fails config as before)', async (_name, env) => {
    const run = await probeLab(lab, { env: { ...env, SSL_CERT_FILE: fifo } });
    expect(run.report.failure).toMatchObject({ stage: 'config', cause: 'config.bad_file', target: fifo });
  });

  it('the lab\'s own run reads it: config and tls name what they decided on, the report counts the roots', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    expect(run.stage('config').evidence['trustStore']).toMatchObject({ hasRoots: true, read: expect.arrayContaining([expect.objectContaining({ kind: 'file' })]) });
    expect(run.stage('tls').evidence['trustStore']).toEqual(run.stage('config').evidence['trustStore']);
    expect(run.report.trustStore).toMatchObject({ roots: 1, loaded: expect.arrayContaining([expect.objectContaining({ kind: 'file', certs: 1 })]) });
  });

  it('GOPROXY=off: the report says the store was not read', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'off', GOSUMDB: 'off', SSL_CERT_FILE: fifo } });
    expect(run.report.trustStore).toEqual({ notRead: expect.stringMatching(/no hop can reach a TLS server/) });
  });
});
