// `gomodprobe demo`: the bundle starts the lab target and probes it healthy, then broken at one stage
// per --break; each broken variant must fail at that stage with that stage's exit code while the demo
// itself exits 0. Also the pieces the demo is made of (file overlay, argv), and the TTY view.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_EXIT_CODES } from '../../src/causes.js';
import { breakStage, DEMO_BREAKS, demoArgv, overlayIo, perRunPath } from '../../src/demo.js';
import { INPUT_LIMITS } from '../../src/inputfile.js';
import { loadTrustStore } from '../../src/net/truststore.js';
import { parseOptions } from '../../src/options.js';
import { testPki } from '../../src/lab/pki.js';
import { buildBundleLikeTheImage, REPO_DIR } from './image-plan.js';
import { readmeBreakTable } from './readme-tables.js';

let work: string;
let bundle: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gomodprobe-demo-'));
  bundle = buildBundleLikeTheImage(work);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const parseParts = (o: Partial<Parameters<typeof parseOptions>[0]> & { argv: string[] }) =>
  parseOptions({ env: {}, stdoutIsTTY: false, terminationLogExists: false, ...o });

describe('gomodprobe demo', () => {
  for (const name of DEMO_BREAKS) {
    const stage = breakStage(name);
    it(`--break ${name}: the healthy target passes, the broken one fails at ${stage} (exit ${STAGE_EXIT_CODES[stage]}), the demo exits 0`, async () => {
      const dir = join(work, `break-${name}`);
      const r = await run(process.execPath, [bundle, 'demo', '--break', name, '--report-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.at(-1)).toMatchObject({
        event: 'demo.finished',
        ok: true,
        runs: [
          { run: 'healthy', exit: 0, expectedExit: 0 },
          { run: `break-${name}`, exit: STAGE_EXIT_CODES[stage], expectedExit: STAGE_EXIT_CODES[stage] },
        ],
      });
      const healthy = JSON.parse(readFileSync(join(dir, 'healthy', 'report.json'), 'utf8'));
      expect(healthy.verdict).toBe('pass');
      const broken = JSON.parse(readFileSync(join(dir, `break-${name}`, 'report.json'), 'utf8'));
      expect(broken.failure.stage).toBe(stage);
      expect(broken.exitCode).toBe(STAGE_EXIT_CODES[stage]);
      expect(broken.failure.hint.length).toBeGreaterThan(0);
      // What README.md promises for this break.
      expect(readmeBreakTable(readFileSync(join(REPO_DIR, 'README.md'), 'utf8')).get(name)?.cause).toBe(broken.failure.cause);
    });
  }

  it('on a terminal: each stage shows as it starts and ends, then the summary with the fix', async () => {
    // script(1) gives the demo a pseudo-terminal, as a person running it has.
    const r = await run('script', ['-qec', `${process.execPath} ${bundle} demo --break dns`, '/dev/null'], { TERM: 'xterm', NO_COLOR: '1' });
    expect(r.code).toBe(0);
    const screen = r.stdout.replace(/\r/g, '');
    for (const stage of ['config', 'dns', 'tcp', 'tls', 'proxy', 'sumdb', 'redirect']) {
      expect(screen).toContain(`▸ ${stage}`);
      expect(screen).toMatch(new RegExp(`✓ ${stage}  \\d+ ms`));
    }
    expect(screen).toMatch(/✗ dns {2}\d+ ms {2}dns\.nxdomain/);
    expect(screen).toMatch(/PASS {2}go mod download should work from here/);
    expect(screen).toMatch(/FAIL {2}stage dns .*\(exit 10\)/);
    for (const label of ['target', 'cause', 'seen', 'fix']) expect(screen).toMatch(new RegExp(`\\n  ${label} +\\S`));
    expect(screen).toMatch(/OK {2}the healthy target passed/);
    // NO_COLOR: no colour sequences (the spinner's line clearing is not colour).
    expect(screen).not.toMatch(/\x1b\[3\dm/);
  });

  it('writes a one-line verdict to the termination log and per-run JUnit files', async () => {
    const dir = join(work, 'outputs');
    const r = await run(process.execPath, [bundle, 'demo', '--report-dir', dir, '--junit', join(dir, 'junit.xml'), '--termination-log', join(dir, 'term')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'term'), 'utf8')).toBe('gomodprobe demo: PASS: the healthy target passed and the target broken at tls failed there (exit 0)');
    expect(readFileSync(join(dir, 'junit-healthy.xml'), 'utf8')).toMatch(/failures="0"/);
    expect(readFileSync(join(dir, 'junit-break-tls.xml'), 'utf8')).toMatch(/type="tls\.unknown_authority"/);
    expect(existsSync(join(dir, 'junit.xml'))).toBe(false);
  });

  it('refuses --expect (the demo sets its own expectations) with exit 2', async () => {
    const r = await run(process.execPath, [bundle, 'demo', '--expect', 'pass']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--expect: has no meaning with demo/);
    expect(r.stdout).toBe('');
  });
});

describe('demo parts', () => {
  it('overlayIo serves the given files from memory and everything else from disk', async () => {
    const pki = testPki(['x.test']);
    const files = { '/virtual/ca.pem': pki.root.certPem, '/virtual/certs/.keep': '', '/virtual/resolv.conf': 'nameserver 127.0.0.1\n' };
    const { inputFs } = overlayIo(files);
    expect(String(await inputFs.readFile('/virtual/resolv.conf', 'resolv.conf'))).toBe('nameserver 127.0.0.1\n');
    await expect(inputFs.readFile('/virtual/missing', 'resolv.conf')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(String(await inputFs.readFile('/proc/self/stat', 'hosts'))).toMatch(/^\d+ /);
    const store = await loadTrustStore({ sslCertFile: '/virtual/ca.pem', sslCertDir: '/virtual/certs' }, inputFs);
    expect(store.pems).toHaveLength(1);
    expect(store.loaded.map((l) => [l.path, l.kind, l.certs])).toEqual([
      ['/virtual/ca.pem', 'file', 1],
      ['/virtual/certs', 'dir', 0],
    ]);
    const huge = overlayIo({ '/virtual/huge.pem': 'x'.repeat(INPUT_LIMITS['certificate file'].maxBytes + 1) }).inputFs;
    await expect(huge.readFile('/virtual/huge.pem', 'certificate file')).rejects.toMatchObject({ code: 'EFBIG' });
  });

  it('demoArgv renders the user settings as flags that parse back to the same values, lab flags first', () => {
    const user = parseParts({
      argv: ['demo', '--module', 'lab.test/hello@v1.0.0', '--timeout', '2s', '--must-block', 'x.test:81', '--report-dir', '/r', '--junit', '/j/out.xml', '--log-level', 'debug', '--format', 'pretty'],
    });
    const lab = ['--resolv-conf', '/v/resolv.conf', '--dns-port', '5353', '--module', 'lab.test/hello@v1.1.0'];
    const argv = demoArgv(user, lab, 'healthy');
    const parsed = parseParts({ argv });
    expect(parsed.modules).toEqual(['lab.test/hello@v1.0.0']);
    expect(parsed.resolvConf).toBe('/v/resolv.conf');
    expect(parsed.dnsPort).toBe(5353);
    expect(parsed.timeoutMs).toBe(2000);
    expect(parsed.deadlineMs).toBe(user.deadlineMs);
    expect(parsed.mustBlock.map((m) => m.raw)).toEqual(['x.test:81']);
    expect(parsed.reportDir).toBe('/r/healthy');
    expect(parsed.junitFile).toBe('/j/out-healthy.xml');
    expect(parsed.logLevel).toBe('debug');
    expect(parsed.format).toBe('pretty');
    // Without user modules the lab's module stays.
    expect(parseParts({ argv: demoArgv(parseParts({ argv: ['demo'] }), lab, 'x') }).modules).toEqual(['lab.test/hello@v1.1.0']);
  });

  it('perRunPath keeps the directory and extension', () => {
    expect(perRunPath('/out/junit.xml', 'break-tls')).toBe('/out/junit-break-tls.xml');
    expect(perRunPath('results', 'healthy')).toBe('results-healthy');
  });
});
