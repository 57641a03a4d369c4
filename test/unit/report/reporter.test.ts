import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createReporter, EVENTS, type ReporterOptions } from '../../../src/report/reporter.js';
import type { RunReport } from '../../../src/report/types.js';
import { createScrubber, scrubDeep } from '../../../src/report/redact.js';
import { failedRun, passedRun, stage, tlsFailure } from './fixtures.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gomodprobe-report-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) {
    try {
      chmodSync(d, 0o700);
      for (const e of readdirSync(d)) chmodSync(join(d, e), 0o700);
    } catch {
      // best effort: some entries are files
    }
    rmSync(d, { recursive: true, force: true });
  }
});

/** A stdout that records what was written. */
function captureStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function reporterIn(dir: string | undefined, over: Partial<ReporterOptions> = {}) {
  const out = captureStream();
  const reporter = createReporter({
    format: 'json',
    stdout: out.stream,
    stdoutIsTTY: false,
    color: false,
    ...(dir !== undefined ? { reportDir: dir } : {}),
    secrets: [],
    ...over,
  });
  return { reporter, out };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs `fn` with file permissions enforced: as root, with the effective uid of nobody. */
function withoutRootPowers<T>(fn: () => T): T {
  const root = process.getuid?.() === 0;
  if (root) process.seteuid!(65534);
  try {
    return fn();
  } finally {
    if (root) process.seteuid!(0);
  }
}

describe('Reporter outputs', () => {
  it('writes report.json, metrics.prom, the ndjson log, the termination message and JUnit', async () => {
    const dir = tempDir();
    const { reporter, out } = reporterIn(dir, { terminationLog: join(dir, 'termination-log'), junitFile: join(dir, 'junit.xml') });
    const run = failedRun();
    reporter.stageStarted('dns', ['proxy.golang.org']);
    reporter.log.child({ stage: 'dns' }).info({ server: '10.96.0.10:53' }, 'query');
    for (const s of run.stages) reporter.stageFinished(s);
    const { warnings } = await reporter.finish(run);
    expect(warnings).toEqual([]);

    expect(readdirSync(dir).sort()).toEqual(['gomodprobe.ndjson', 'junit.xml', 'metrics.prom', 'report.json', 'termination-log']);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(run)));
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toContain('\ngomodprobe_exit_code 12\n');
    expect(readFileSync(join(dir, 'termination-log'), 'utf8')).toMatch(/^gomodprobe: FAIL at stage tls/);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('<testcase classname="gomodprobe.stage" name="tls"');

    const lines = jsonLines(out.text());
    expect(readFileSync(join(dir, 'gomodprobe.ndjson'), 'utf8')).toBe(out.text());
    expect(lines.map((l) => l.event ?? l.msg)).toEqual([
      EVENTS.stageStarted, 'query', EVENTS.stageFinished, EVENTS.stageFinished, EVENTS.stageFinished, EVENTS.stageFinished, EVENTS.runFinished,
    ]);
    expect(lines[1]).toMatchObject({ level: 'info', stage: 'dns', server: '10.96.0.10:53' });
    expect(lines[5]).toMatchObject({ level: 'error', stage: 'tls', status: 'fail', failure: { cause: 'tls.unknown_authority' } });
    expect(lines[6]).toMatchObject({ verdict: 'fail', exitCode: 12, written: expect.arrayContaining([join(dir, 'report.json')]) });
  });

  it('logs debug lines only at level debug', async () => {
    const info = reporterIn(undefined);
    info.reporter.log.debug('hidden');
    const debug = reporterIn(undefined, { level: 'debug' });
    debug.reporter.log.debug('shown');
    expect(info.out.text()).toBe('');
    expect(jsonLines(debug.out.text())[0]).toMatchObject({ level: 'debug', msg: 'shown' });
  });

  it('pretty: the human view on stdout, the JSON lines in the ndjson file', async () => {
    const dir = tempDir();
    const { reporter, out } = reporterIn(dir, { format: 'pretty' });
    const run = failedRun();
    reporter.stageStarted('tls', ['proxy.golang.org:443']);
    reporter.log.info('not for humans');
    reporter.stageFinished(run.stages[3]!);
    await reporter.finish(run);
    const text = out.text();
    // Not a terminal: each stage once, when it ends.
    expect(text).toContain('✗ tls  80 ms  tls.unknown_authority\n');
    expect(text).not.toContain('▸ tls');
    expect(text).toContain('FAIL  stage tls');
    expect(text).toContain(`  fix      ${tlsFailure.hint}`);
    expect(text).toContain(`  reports  ${join(dir, 'report.json')}`);
    expect(text).not.toContain('not for humans');
    expect(text).not.toContain('{"level"');
    expect(text).not.toMatch(/\x1b|\r/);
    expect(readFileSync(join(dir, 'gomodprobe.ndjson'), 'utf8')).toContain('"msg":"not for humans"');
  });

  it('never writes a secret to any output, whatever the path it takes', async () => {
    const secrets = ['hunter2-pass', 's3cr3t-pw', 'alice:s3cr3t-pw', 'ghp_TOKEN123456'];
    const forms = [
      ...secrets,
      ...secrets.map(encodeURIComponent),
      Buffer.from('alice:s3cr3t-pw').toString('base64'),
    ];
    const basic = `Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`;
    const proxyUrl = 'http://alice:s3cr3t-pw@proxy.corp:3128';
    for (const format of ['json', 'pretty'] as const) {
      const dir = tempDir();
      const { reporter, out } = reporterIn(dir, {
        format,
        secrets,
        terminationLog: join(dir, 'termination-log'),
        junitFile: join(dir, 'junit.xml'),
      });
      reporter.log.info({ proxy: { password: 'hunter2-pass', url: proxyUrl } }, 'dialing with ghp_TOKEN123456');
      reporter.log.warn({ headers: { authorization: basic, 'proxy-authorization': basic } }, `echoed ${basic}`);
      reporter.log.child({ stage: 'proxy' }).error({ body: 'server said hunter2-pass' }, 'body');
      reporter.stageStarted('tcp', [proxyUrl, 'proxy.golang.org:443']);
      const failure = {
        ...tlsFailure,
        target: proxyUrl,
        detail: `CONNECT refused; sent Proxy-Authorization: ${basic}; body: "hunter2-pass"`,
        hint: `check the password s3cr3t-pw for ${proxyUrl}`,
        goError: `Get "https://alice:${encodeURIComponent('s3cr3t-pw')}@x/": ghp_TOKEN123456`,
      };
      const tls = stage({
        stage: 'tls',
        status: 'fail',
        failure,
        findings: [{ code: 'x', severity: 'warn', message: 'token ghp_TOKEN123456 in GOFLAGS', hint: 'hunter2-pass' }],
        evidence: { request: { headers: { Authorization: basic, Cookie: 'sid=hunter2-pass' } }, netrc: 'machine h login a password x' },
      });
      reporter.stageFinished(tls);
      const run: RunReport = failedRun({
        failure,
        stages: [stage({ stage: 'config' }), tls],
        mustBlock: [{ target: proxyUrl, blocked: false, detail: 'reached with hunter2-pass' }],
        settings: { HTTPS_PROXY: proxyUrl, GOFLAGS: '-token=ghp_TOKEN123456', netrc: { h: 'hunter2-pass' }, misc: ['hunter2-pass'] },
      });
      const { warnings } = await reporter.finish(run);
      expect(warnings).toEqual([]);

      const outputs: Record<string, string> = { stdout: out.text() };
      for (const f of readdirSync(dir)) outputs[f] = readFileSync(join(dir, f), 'utf8');
      expect(Object.keys(outputs)).toHaveLength(6);
      for (const [name, text] of Object.entries(outputs)) {
        for (const form of forms) expect(text.includes(form), `${format}: ${name} holds ${form}`).toBe(false);
        expect(text.length).toBeGreaterThan(0);
      }
      // Redacted, not dropped: the proxy user and host are still there to act on.
      expect(outputs['report.json']).toContain('http://alice:xxxxx@proxy.corp:3128');
    }
  });

  it('report.json is the whole report scrubbed at once, also for the stages scrubbed when they were logged', async () => {
    const secrets = ['hunter2-pass'];
    const dir = tempDir();
    const { reporter } = reporterIn(dir, { secrets });
    const logged = stage({ stage: 'proxy', evidence: { modules: [{ path: 'a', requests: ['https://u:hunter2-pass@proxy/a/@v/v1.info'] }], token: 'hunter2-pass' } });
    const notLogged = stage({ stage: 'sumdb', evidence: { body: 'said hunter2-pass', n: Number.NaN } });
    reporter.stageFinished(logged);
    const run = passedRun({ stages: [stage({ stage: 'config' }), logged, notLogged], settings: { password: 'hunter2-pass', misc: ['hunter2-pass'] } });
    await reporter.finish(run);
    const text = readFileSync(join(dir, 'report.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(scrubDeep(run, createScrubber(secrets)), null, 2)}\n`);
    expect(text).not.toContain('hunter2-pass');
    expect(text).toContain('https://u:xxxxx@proxy/a/@v/v1.info');
  });

  it('keeps logging after finish without losing lines', async () => {
    const dir = tempDir();
    const { reporter } = reporterIn(dir);
    await reporter.finish(passedRun());
    reporter.log.info('late line');
    expect(readFileSync(join(dir, 'gomodprobe.ndjson'), 'utf8')).toContain('"msg":"late line"');
  });

  it('creates a missing report dir (not its parents)', async () => {
    const dir = join(tempDir(), 'reports');
    const { reporter } = reporterIn(dir);
    expect((await reporter.finish(passedRun())).warnings).toEqual([]);
    expect(existsSync(join(dir, 'report.json'))).toBe(true);
  });

  it('never throws on a report it cannot serialise as given', async () => {
    const dir = tempDir();
    const { reporter } = reporterIn(dir);
    const settings: Record<string, unknown> = { big: 10n };
    settings.self = settings;
    const { warnings } = await reporter.finish(passedRun({ settings }));
    expect(warnings).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).settings).toEqual({ big: '10', self: '[Circular]' });
  });
});

describe('Reporter on a broken volume', () => {
  it('an unwritable report dir is a warning; stdout still carries the verdict', async () => {
    const base = tempDir();
    chmodSync(base, 0o755);
    const dir = join(base, 'ro');
    mkdirSync(dir, { mode: 0o555 });
    chmodSync(dir, 0o555);
    const { out, warnings } = await withoutRootPowers(async () => {
      const { reporter, out } = reporterIn(dir);
      // finish's file writes are synchronous, before its first await: still without root powers.
      const pending = reporter.finish(failedRun());
      return { out, warnings: (await pending).warnings };
    });
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    for (const w of warnings) expect(w).toContain('permission denied');
    expect(readdirSync(dir)).toEqual([]);
    const last = jsonLines(out.text()).at(-1)!;
    expect(last).toMatchObject({ event: EVENTS.runFinished, verdict: 'fail', failure: { cause: 'tls.unknown_authority' } });
    expect(jsonLines(out.text()).some((l) => l.event === EVENTS.outputProblem)).toBe(true);
  });

  it('a missing parent is a warning', async () => {
    const dir = join(tempDir(), 'no', 'such', 'dir');
    const { reporter, out } = reporterIn(dir);
    const { warnings } = await reporter.finish(failedRun());
    expect(warnings).toEqual([`report dir ${dir}: the parent directory does not exist (ENOENT)`]);
    expect(jsonLines(out.text()).at(-1)).toMatchObject({ event: EVENTS.runFinished, exitCode: 12 });
  });

  it('a report dir that is a file, and a termination log that is a directory, are warnings', async () => {
    const base = tempDir();
    const file = join(base, 'a-file');
    writeFileSync(file, 'keep me');
    const { reporter } = reporterIn(file, { terminationLog: base, junitFile: join(file, 'junit.xml') });
    const { warnings } = await reporter.finish(failedRun());
    expect(warnings).toEqual([
      `report dir ${file}: the path is a file, not a directory`,
      `${base}: the path is a directory`,
      `${join(file, 'junit.xml')}: a parent of the path is a file, not a directory (ENOTDIR)`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('a full disk is a warning', async () => {
    const { reporter } = reporterIn(undefined, { terminationLog: '/dev/full', junitFile: '/dev/full' });
    const { warnings } = await reporter.finish(failedRun());
    expect(warnings).toEqual([
      '/dev/full: no space left on the device (ENOSPC)',
      '/dev/full: no space left on the device (ENOSPC)',
    ]);
  });
});

describe('Reporter and a closed stdout', () => {
  it('EPIPE on a closed socket neither throws nor stops the files', async () => {
    const dir = tempDir();
    // A loopback connection whose reading end is closed: writes fail with EPIPE/ECONNRESET,
    // emitted as 'error' events that crash the process when nobody listens.
    const server = createServer((conn) => conn.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    // Half-open: the socket stays writable after the peer's FIN, as a pipe does after its reader exits.
    const stdout = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    await once(stdout, 'connect');
    await once(stdout, 'end');
    server.close();
    const reporter = createReporter({ format: 'json', stdout, stdoutIsTTY: false, reportDir: dir, secrets: [] });
    for (let i = 0; i < 500; i++) {
      reporter.log.info({ i, pad: 'x'.repeat(500) }, 'line');
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const { warnings } = await reporter.finish(failedRun());
    reporter.log.info('still fine');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stdout.destroyed).toBe(true);
    expect(warnings).toEqual([]);
    const ndjson = readFileSync(join(dir, 'gomodprobe.ndjson'), 'utf8');
    expect(ndjson).toContain('"i":499');
    expect(ndjson).toContain('"msg":"still fine"');
    expect(existsSync(join(dir, 'report.json'))).toBe(true);
  });

  it.each(['json', 'pretty'] as const)('a process whose stdout reader is gone still exits 0 (%s)', async (format) => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./epipe-child.ts', import.meta.url)), dir, format],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    child.stdout!.destroy();
    child.stdin!.end('go\n');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toContain('finished []');
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({ exitCode: 12 });
    expect(readFileSync(join(dir, 'gomodprobe.ndjson'), 'utf8')).toContain('"msg":"after finish"');
  });
});

describe('Reporter file writes are atomic', () => {
  it('a concurrent reader never sees a partial report.json, and no temp file is left', async () => {
    const dir = tempDir();
    const path = join(dir, 'report.json');
    const { reporter } = reporterIn(dir);
    const big = (tag: string) => passedRun({ settings: { tag, blob: tag.repeat(1_500_000) } });
    await reporter.finish(big('a'));

    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const flag = new Int32Array(workerData.flag);
      let reads = 0, partial = 0, missing = 0;
      while (Atomics.load(flag, 0) === 0) {
        let text;
        try { text = fs.readFileSync(workerData.path, 'utf8'); } catch { missing++; continue; }
        reads++;
        try { JSON.parse(text); } catch { partial++; }
        if (reads === 1) parentPort.postMessage('reading');
      }
      parentPort.postMessage({ reads, partial, missing });
      `,
      { eval: true, workerData: { path, flag: flag.buffer } },
    );
    const messages: unknown[] = [];
    worker.on('message', (m) => messages.push(m));
    await once(worker, 'message');
    for (const tag of ['b', 'c', 'd', 'e', 'f', 'g']) await reporter.finish(big(tag));
    Atomics.store(flag, 0, 1);
    await once(worker, 'exit');
    const result = messages.at(-1) as { reads: number; partial: number; missing: number };
    expect(result.reads).toBeGreaterThan(1);
    expect(result.partial).toBe(0);
    expect(result.missing).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8')).settings.tag).toBe('g');
    expect(readdirSync(dir).sort()).toEqual(['gomodprobe.ndjson', 'metrics.prom', 'report.json']);
  });
});
