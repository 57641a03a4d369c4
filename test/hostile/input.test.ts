// Bad input: every malformed flag, variable or input file ends in exit 2 with one clear line naming it.
// Flag errors are found before the pipeline starts (stderr, nothing else); values go itself rejects and
// unreadable files fail the config stage (report.json and the termination message name them). Inputs
// go accepts (a resolv.conf with 50 nameservers or garbage lines: go uses the first 3 and skips the rest)
// must not fail the run.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { GO_MISSING_MODULE } from '../../src/stages/config.js';
import { findLabGos, telemetryOff } from '../e2e/lab/gos.js';
import { budget, cleanupRuns, expectNoCrash, expectOutputs, expectPass, expectWithin, probeLab, resetLab, spawnProbe, startLab, type ProbeRun } from './harness.js';

let lab: LabTarget;
let scratch: string;

beforeAll(async () => {
  lab = await startLab();
  scratch = mkdtempSync(join(tmpdir(), 'gmp-hostile-input-'));
});

afterAll(async () => {
  await lab.close();
  rmSync(scratch, { recursive: true, force: true });
  cleanupRuns();
});

beforeEach(() => resetLab(lab));

/** A flag or GOMODPROBE_* error: exit 2, exactly one line on stderr naming `source`, nothing on stdout, no report. */
async function expectFlagError(args: string[], env: Record<string, string>, source: string, what: RegExp): Promise<void> {
  const out = join(scratch, `out-${Math.random().toString(36).slice(2)}`);
  const r = await spawnProbe({ args: ['--report-dir', out, ...args], env, killAfterMs: 20_000 });
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n');
  expect(lines, JSON.stringify(r.stderr)).toHaveLength(2);
  expect(lines[1]).toBe('');
  expect(lines[0]!.startsWith(`gomodprobe: ${source}`), lines[0]).toBe(true);
  expect(lines[0]).toMatch(what);
  // One line that a terminal shows safely: no control characters, a bounded length.
  // eslint-disable-next-line no-control-regex
  expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f]/);
  expect(lines[0]!.length).toBeLessThan(300);
  expect(r.peakRssKb).toBeGreaterThan(0);
  expect(r.elapsedMs).toBeLessThan(10_000);
}

describe('flags and GOMODPROBE_* variables: exit 2 before the pipeline, one line on stderr', () => {
  const cases: [string, string[], Record<string, string>, string, RegExp][] = [
    ['a duration without a unit', ['--timeout', '5'], {}, '--timeout', /missing unit.*5s/],
    ['a duration that is not one', ['--timeout', 'abc'], {}, '--timeout', /invalid duration "abc"/],
    ['a duration with an unknown unit', ['--deadline', '1y'], {}, '--deadline', /invalid duration "1y"/],
    ['a zero timeout', ['--timeout=0s'], {}, '--timeout', /greater than 0/],
    ['a duration beyond 24h', ['--deadline', '25h'], {}, '--deadline', /out of range/],
    ['a malformed duration in the environment', [], { GOMODPROBE_TIMEOUT: '10 seconds' }, 'GOMODPROBE_TIMEOUT', /invalid duration/],
    ['an unknown flag', ['--bogus'], {}, '--bogus', /unknown flag/],
    ['a misspelt flag', ['--modul', 'x@v1.0.0'], {}, '--modul', /unknown flag \(did you mean --module\?\)/],
    ['a misspelt GOMODPROBE_* variable (a plural)', [], { GOMODPROBE_MODULES: 'lab.test/hello@v1.1.0' }, 'GOMODPROBE_MODULES', /unknown variable \(did you mean GOMODPROBE_MODULE\?\)/],
    ['a misspelt GOMODPROBE_* variable (two letters swapped)', [], { GOMODPROBE_FROMAT: 'pretty' }, 'GOMODPROBE_FROMAT', /unknown variable \(did you mean GOMODPROBE_FORMAT\?\)/],
    ['an unknown GOMODPROBE_* variable', [], { GOMODPROBE_SOMETHING_ELSE: '1' }, 'GOMODPROBE_SOMETHING_ELSE', /^gomodprobe: GOMODPROBE_SOMETHING_ELSE: unknown variable \(the GOMODPROBE_\* variables are listed in --help\)$/],
    ['an unknown single-dash flag', ['-x'], {}, '--x', /unknown flag/],
    ['a flag without its value', ['--timeout'], {}, '--timeout', /needs a value/],
    ['a stray argument', ['rsc.io/quote@v1.5.2'], {}, 'argument', /unexpected argument/],
    ['a port out of range', ['--dns-port', '70000'], {}, '--dns-port', /out of range/],
    ['a port that is not a number', ['--dns-port', '53a'], {}, '--dns-port', /not a whole number/],
    ['an unknown format', ['--format', 'xml'], {}, '--format', /not json or pretty/],
    ['an --expect that names no stage', ['--expect', 'fail:config'], {}, '--expect', /not pass or fail:STAGE/],
    ['a --must-block with a bad port', ['--must-block', 'github.com:99x'], {}, '--must-block', /invalid port/],
    ['a flag given twice', ['--timeout', '1s', '--timeout', '2s'], {}, '--timeout', /more than once/],
    ['a control character in a flag value', ['--report-dir', 'out\ndir'], {}, '--report-dir', /control characters/],
    ['a control character in a GOMODPROBE_* variable', [], { GOMODPROBE_MODULE: 'rsc.io/quote@v1.5.2\u001b[31m' }, 'GOMODPROBE_MODULE', /control characters/],
    ['a 100 KB flag value', ['--module', `${'a'.repeat(100 * 1024)}@v1.0.0`], {}, '--module', /too long/],
    ['a 100 KB GOMODPROBE_* value', [], { GOMODPROBE_GOMOD: 'x'.repeat(100 * 1024) }, 'GOMODPROBE_GOMOD', /too long/],
  ];
  for (const [name, args, env, source, what] of cases) {
    it(name, () => expectFlagError(args, env, source, what));
  }
});

/** A config-stage failure: exit 2, report.json and the termination message name `target`. */
function expectConfigError(r: ProbeRun, target: string | RegExp, cause: string, what: RegExp): void {
  expectNoCrash(r);
  expect(r.exitCode).toBe(2);
  expectWithin(r, budget(1));
  expectOutputs(r);
  const f = r.report!.failure!;
  expect(f.stage).toBe('config');
  expect(f.cause).toBe(cause);
  if (typeof target === 'string') expect(f.target).toBe(target);
  else expect(f.target).toMatch(target);
  expect(f.detail).toMatch(what);
  expect(r.report!.verdict).toBe('error');
  const term = r.termination!;
  expect(term.split('\n')[0]).toBe(`gomodprobe: ERROR at stage config: ${cause} (exit 2)`);
  expect(term).toContain(`target: ${f.target}`);
  expect(term).toMatch(what);
  // No network stage ran: the probe could not run as configured.
  expect(r.report!.stages.map((s) => s.stage)).toEqual(['config']);
}

describe('values go rejects and unusable input files: the config stage fails, exit 2', () => {
  it('--module without a version', async () => {
    const r = await probeLab(lab, { modules: ['lab.test/hello'] });
    expectConfigError(r, '--module', 'config.bad_flag', /missing @version/);
  });

  it('--module with an invalid module path', async () => {
    const r = await probeLab(lab, { modules: ['Lab Test/hello@v1.0.0'] });
    expectConfigError(r, '--module', 'config.bad_flag', /--module Lab Test\/hello@v1\.0\.0: /);
  });

  it('--module with a version that is not one', async () => {
    const r = await probeLab(lab, { modules: ['lab.test/hello@v1.0.0.0.0/../x'] });
    expectConfigError(r, '--module', 'config.bad_flag', /--module /);
  });

  it('GOPROXY with a scheme go does not accept', async () => {
    const r = await probeLab(lab, { env: { GOPROXY: 'ftp://proxy.lab.test' } });
    expectConfigError(r, 'GOPROXY', 'config.invalid', /go rejects GOPROXY=ftp:\/\/proxy\.lab\.test/);
  });

  it('GOSUMDB that is neither a known name nor name+hash+key', async () => {
    const r = await probeLab(lab, { env: { GOSUMDB: 'sum.example.com+bad' } });
    expectConfigError(r, 'GOSUMDB', 'config.invalid', /go rejects GOSUMDB=/);
  });

  it('GOFLAGS with a flag go does not know', async () => {
    const r = await probeLab(lab, { env: { GOFLAGS: '-no-such-flag' } });
    expectConfigError(r, 'GOFLAGS', 'config.invalid', /no-such-flag/);
  });

  it('a newline in GOPROXY (a ConfigMap value with a trailing line break)', async () => {
    const r = await probeLab(lab, { env: { GOPROXY: `${lab.proxyURL}\n` } });
    expectConfigError(r, 'GOPROXY', 'config.invalid', /GOPROXY contains control characters/);
  });

  it('an escape sequence in GONOSUMDB', async () => {
    const r = await probeLab(lab, { env: { GONOSUMDB: 'corp.example\u001b[2J' } });
    expectConfigError(r, 'GONOSUMDB', 'config.invalid', /GONOSUMDB contains control characters/);
    expect(r.termination).not.toContain('\u001b');
  });

  it('a 100 KB GOPROXY', async () => {
    const r = await probeLab(lab, { env: { GOPROXY: `${lab.proxyURL},${'https://pad.example,'.repeat(5000)}direct` } });
    expectConfigError(r, 'GOPROXY', 'config.invalid', /GOPROXY is too long/);
    // The value is echoed in settings.env, but not multiplied.
    expect(r.reportText!.length).toBeLessThan(256 * 1024);
  });

  it('a --resolv-conf that does not exist', async () => {
    const r = await probeLab(lab, { setArgs: { '--resolv-conf': '{dir}/no-such-resolv.conf' } });
    expectConfigError(r, /no-such-resolv\.conf$/, 'config.bad_file', /--resolv-conf .*no-such-resolv\.conf: cannot read the file/);
  });

  it('a --resolv-conf that cannot be read (a directory)', async () => {
    const r = await probeLab(lab, { setArgs: { '--resolv-conf': '{dir}/certs' } });
    expectConfigError(r, /certs$/, 'config.bad_file', /cannot read the file/);
  });

  it('a --hosts-file whose read fails with EIO (/proc/self/mem)', async () => {
    const r = await probeLab(lab, { setArgs: { '--hosts-file': '/proc/self/mem' } });
    expectConfigError(r, '/proc/self/mem', 'config.bad_file', /--hosts-file \/proc\/self\/mem: cannot read the file/);
  });

  it('an SSL_CERT_FILE that is not PEM', async () => {
    const r = await probeLab(lab, { env: { SSL_CERT_FILE: '{dir}/not-pem.txt' }, files: { 'not-pem.txt': 'this is not a certificate\n'.repeat(10) } });
    // go reads it, finds no certificate and trusts nothing else here: every https fetch would fail.
    expectConfigError(r, 'SSL_CERT_FILE', 'config.bad_file', /SSL_CERT_FILE=.*not-pem\.txt: no PEM data found, and no other root is trusted/);
  });

  it('an SSL_CERT_FILE that is not PEM, with roots in SSL_CERT_DIR: go trusts those, the run passes', async () => {
    const r = await probeLab(lab, { env: { SSL_CERT_FILE: '{dir}/not-pem.txt' }, files: { 'not-pem.txt': 'not a certificate\n', 'certs/lab-root.pem': lab.pki.root.certPem } });
    expectPass(r, budget(6));
    expect(r.report!.stages[0]!.findings.map((f) => f.code)).toContain('config.ssl_cert_file_unusable');
  });

  it('a go.mod that does not parse', async () => {
    const r = await probeLab(lab, { modules: [], args: ['--gomod', '{dir}/go.mod'], files: { 'go.mod': 'module lab.test/app\n\nrequire (\n\tlab.test/hello v1.1.0\n' } });
    expectConfigError(r, /go\.mod$/, 'config.bad_file', /--gomod: /);
  });

  it('a go.mod that is binary garbage', async () => {
    const r = await probeLab(lab, { modules: [], args: ['--gomod', '{dir}/go.mod'], files: { 'go.mod': '\u0000\u0001\u0002PK\u0003\u0004\uffff'.repeat(100) } });
    expectConfigError(r, /go\.mod$/, 'config.bad_file', /--gomod: /);
  });

  // go refuses these before it downloads anything; the probe used to pass them ("PASS go mod download
  // should work from here"). go's exact words are checked against the real gos below.
  for (const [name, text] of [['an empty (0-byte) go.mod', ''], ['a go.mod without a module line', 'go 1.21\n\nrequire lab.test/hello v1.1.0\n']] as const) {
    it(`${name}: go refuses it, so does the config stage (exit 2, go's words)`, async () => {
      const r = await probeLab(lab, { modules: [], args: ['--gomod', '{dir}/go.mod', '--expect', 'pass'], files: { 'go.mod': text } });
      expectConfigError(r, /go\.mod$/, 'config.bad_file', /no module declaration/);
      expect(r.report!.failure!.goError).toBe(GO_MISSING_MODULE);
      expect(r.report!.expect).toMatchObject({ met: false });
      // Nothing about file:// proxies or anything else that does not apply.
      expect(r.report!.stages[0]!.findings.map((f) => f.code)).not.toContain('config.gomod_no_requires');
    });
  }

  it("go 1.23 and go 1.27 print exactly the probe's goError for both go.mods", async () => {
    const gos = await findLabGos(process.env);
    const wanted = gos.found.filter((g) => g.minor === 23 || g.minor === 27);
    // Under CI both must be there (.ci/run installs them); elsewhere at least the system's go 1.23.
    if (process.env['CI'] === 'true') expect(wanted.map((g) => g.minor), gos.missing).toEqual([23, 27]);
    expect(wanted.length, `no go 1.23 or 1.27 here: ${gos.missing}`).toBeGreaterThan(0);
    for (const go of wanted) {
      for (const text of ['', 'go 1.21\n\nrequire lab.test/hello v1.1.0\n']) {
        const dir = mkdtempSync(join(scratch, `go${go.minor}-`));
        writeFileSync(join(dir, 'go.mod'), text);
        telemetryOff(join(dir, 'home', '.config'));
        // Nothing from this machine: its own HOME and GOPATH, no proxy, no checksum database, no toolchain switch.
        const r = spawnSync(go.bin, ['mod', 'download'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 30_000,
          env: { PATH: '/usr/bin:/bin', HOME: join(dir, 'home'), GOPATH: join(dir, 'gopath'), GOPROXY: 'off', GOSUMDB: 'off', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOENV: 'off', GOTELEMETRY: 'off' },
        });
        expect(r.status, `${go.version}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim(), `${go.version} on ${JSON.stringify(text)}`).toBe(GO_MISSING_MODULE);
      }
    }
  });

  it('a go.sum that does not parse', async () => {
    const r = await probeLab(lab, { args: ['--gosum', '{dir}/go.sum'], files: { 'go.sum': 'lab.test/hello v1.1.0\n' } });
    expectConfigError(r, /go\.sum$/, 'config.bad_file', /--gosum: /);
  });
});

describe('input files that never end or are not text', () => {
  // go would read these forever (or block); the probe refuses them without opening them (test/hostile/input-files.test.ts has every input with every kind).
  it('/dev/zero as resolv.conf, /dev/urandom as hosts, .netrc and go env file: refused at once, the first input go reads named', async () => {
    const r = await probeLab(lab, {
      setArgs: { '--resolv-conf': '/dev/zero', '--hosts-file': '/dev/urandom', '--nsswitch': '/dev/urandom' },
      env: { NETRC: '/dev/urandom', GOENV: '/dev/urandom' },
    });
    expectConfigError(r, '/dev/urandom', 'config.bad_file', /GOENV \/dev\/urandom: cannot read the file: is a character device, not a regular file/);
  });

  // 10k lines (220 KB, within the probe's 256 KiB for a go.mod; ten times a large real go.mod): parsing
  // costs ~80x the file in memory, which is why the cap is no larger.
  it('a go.mod with 10k require lines: bounded by --max-modules, in time', async () => {
    const requires = Array.from({ length: 10_000 }, (_, i) => `\tlab.test/m${i} v1.0.0`).join('\n');
    const r = await probeLab(lab, { modules: [], args: ['--gomod', '{dir}/go.mod', '--max-modules', '3'], files: { 'go.mod': `module lab.test/app\n\ngo 1.21\n\nrequire (\n${requires}\n)\n` } });
    expectNoCrash(r);
    expectOutputs(r);
    expectWithin(r, budget(6));
    expect(r.report!.stages[0]!.findings.map((f) => f.code)).toContain('config.modules_capped');
  });

  it('a go.mod larger than the probe reads: a config failure naming the cap, not a truncated parse', async () => {
    const r = await probeLab(lab, { modules: [], args: ['--gomod', '{dir}/go.mod'], files: { 'go.mod': `module lab.test/app\n\n${'// padding\n'.repeat(100_000)}` } });
    expectConfigError(r, /go\.mod$/, 'config.bad_file', /--gomod .*go\.mod: cannot read the file: larger than 256 KiB, the most the probe reads of a go\.mod/);
  });
});

describe('input files go accepts as they are', () => {
  it('a resolv.conf with 50 nameservers: go uses the first 3, the run passes', async () => {
    const servers = [lab.dns.host, ...Array.from({ length: 49 }, (_, i) => `127.0.0.${i + 2}`)];
    const r = await probeLab(lab, { files: { 'resolv.conf': `${servers.map((s) => `nameserver ${s}`).join('\n')}\noptions timeout:1 attempts:1\n` } });
    expectPass(r, budget(6));
    const dns = r.report!.stages.find((s) => s.stage === 'dns')!.evidence['resolver'] as { nameservers: string[] };
    expect(dns.nameservers).toHaveLength(3);
  });

  it('a resolv.conf with garbage lines: go skips what it does not know, the run passes', async () => {
    const garbage = ['\u0000\u0001binary', 'nameserver', 'nameserver not-an-ip', 'options ndots:abc timeout:-1 attempts:99999', 'search', 'x'.repeat(10_000), '#comment', ';comment'];
    const r = await probeLab(lab, { files: { 'resolv.conf': `${garbage.join('\n')}\nnameserver ${lab.dns.host}\n` } });
    expectPass(r, budget(6));
  });

  it('a hosts file of binary garbage: go skips the lines it cannot parse, the run passes', async () => {
    const r = await probeLab(lab, { files: { hosts: '\u0000\u00ff\n127.0.0.1\n::1 \t \n999.1.1.1 bad\n'.repeat(200) } });
    expectPass(r, budget(6));
  });
});
