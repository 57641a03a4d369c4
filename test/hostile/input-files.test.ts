// Every input file, whatever it turns out to be (issue #23): each file the probe reads, given as each
// kind of thing a careless deployment mounts there (a FIFO, /dev/zero, a directory, a 10 MB binary, a
// symlink loop, a file the probe's user may not read), must end the run in bounded time with the exit
// code go's treatment of that file calls for, a report, and memory within a normal run's budget:
// - a file go must read (a flag names it, or the only trusted root) fails config (exit 2), naming the
//   path and what it is;
// - a file go reads only if it can (the go env -w file, .netrc, nsswitch.conf, an entry of SSL_CERT_DIR)
//   is skipped when go would skip it (a directory, a symlink loop, no permission): the run passes;
// - a FIFO or a device would hang go or never end, and a file past the probe's cap cannot be checked:
//   config fails (exit 2) rather than the probe blocking or swallowing it.
// The unreadable case runs the probe as nobody (uid 65534): as root every file is readable.

import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_LIMITS, type InputKind } from '../../src/inputfile.js';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNoCrash, expectOutputs, expectPass, expectWithin, probeLab, resetLab, startLab, type ProbeRun, type ProbeRunOptions } from './harness.js';

const NOBODY = 65534;
/** How far above a healthy run's peak RSS a hostile input may take the probe. */
const MEMORY_HEADROOM_KB = 24 * 1024;

type Bad = 'fifo' | 'dev-zero' | 'directory' | 'binary-10mb' | 'symlink-loop' | 'unreadable';
const BADS: readonly Bad[] = ['fifo', 'dev-zero', 'directory', 'binary-10mb', 'symlink-loop', 'unreadable'];

/** What the refusal or go's error says the path is. */
const SAYS: Readonly<Record<Bad, RegExp>> = {
  fifo: /is a FIFO \(named pipe\), not a regular file/,
  'dev-zero': /is a character device, not a regular file/,
  directory: /is a directory/,
  'binary-10mb': /larger than \d+ (KiB|MiB), the most the probe reads of a/,
  'symlink-loop': /symlink loop|too many levels of symbolic links/,
  unreadable: /permission denied/,
};

let lab: LabTarget;
let scratch: string;
let healthyPeakKb: number;
/** Each bad kind's path; for SSL_CERT_DIR, a directory holding one entry of that kind. */
const badPath = {} as Record<Bad, string>;
const badCertDir = {} as Record<Bad, string>;

function makeBad(dir: string, name: string, bad: Bad): string {
  const path = join(dir, name);
  switch (bad) {
    case 'fifo':
      execFileSync('mkfifo', [path]);
      break;
    case 'dev-zero':
      symlinkSync('/dev/zero', path);
      break;
    case 'directory':
      mkdirSync(path);
      break;
    case 'binary-10mb':
      writeFileSync(path, randomBytes(10 * 1024 * 1024));
      break;
    case 'symlink-loop':
      symlinkSync(`${path}.other`, path);
      symlinkSync(path, `${path}.other`);
      break;
    case 'unreadable':
      writeFileSync(path, 'readable by root only\n', { mode: 0o600 });
      break;
  }
  return path;
}

beforeAll(async () => {
  lab = await startLab();
  scratch = mkdtempSync(join(tmpdir(), 'gmp-hostile-files-'));
  // nobody must reach the files (and be refused only the unreadable one).
  chmodSync(scratch, 0o755);
  for (const bad of BADS) {
    badPath[bad] = makeBad(scratch, `bad-${bad}`, bad);
    const dir = join(scratch, `certdir-${bad}`);
    mkdirSync(dir, { mode: 0o755 });
    makeBad(dir, 'entry.pem', bad);
    badCertDir[bad] = dir;
  }
  // /dev/zero itself for the files given by path (a symlink to it is the SSL_CERT_DIR case).
  badPath['dev-zero'] = '/dev/zero';
  const healthy = await probeLab(lab);
  expectPass(healthy, budget(6));
  healthyPeakKb = healthy.peakRssKb;
}, 120_000);

afterAll(async () => {
  await lab?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  cleanupRuns();
});

interface InputCase {
  readonly input: string;
  /** How the run is pointed at `path` (the bad file itself). */
  readonly give: (path: string) => ProbeRunOptions;
  /** Where the bad file of this kind is (default: badPath). */
  readonly at?: (bad: Bad) => string;
  /** Which bad kinds go survives (the run passes); every other kind fails config. */
  readonly goSkips: readonly Bad[];
}

const SKIPPED_BY_GO: readonly Bad[] = ['directory', 'symlink-loop', 'unreadable'];

const CASES: readonly InputCase[] = [
  { input: 'go.mod (--gomod)', give: (p) => ({ modules: [], args: ['--gomod', p] }), goSkips: [] },
  { input: 'go.sum (--gosum)', give: (p) => ({ args: ['--gosum', p] }), goSkips: [] },
  { input: 'the go env -w file (GOENV)', give: (p) => ({ env: { GOENV: p } }), goSkips: SKIPPED_BY_GO },
  { input: '.netrc (NETRC)', give: (p) => ({ env: { NETRC: p } }), goSkips: SKIPPED_BY_GO },
  { input: 'resolv.conf (--resolv-conf)', give: (p) => ({ setArgs: { '--resolv-conf': p } }), goSkips: [] },
  { input: 'hosts (--hosts-file)', give: (p) => ({ setArgs: { '--hosts-file': p } }), goSkips: [] },
  { input: 'nsswitch.conf (--nsswitch)', give: (p) => ({ setArgs: { '--nsswitch': p } }), goSkips: SKIPPED_BY_GO },
  // The lab's only trusted root is in SSL_CERT_FILE: go trusts nothing when it cannot read it.
  { input: 'SSL_CERT_FILE', give: (p) => ({ env: { SSL_CERT_FILE: p } }), goSkips: [] },
  { input: 'an entry of SSL_CERT_DIR', give: (p) => ({ env: { SSL_CERT_DIR: dirname(p) } }), at: (bad) => join(badCertDir[bad], 'entry.pem'), goSkips: SKIPPED_BY_GO },
];

function expectMemoryBudget(r: ProbeRun): void {
  expect(r.peakRssKb, `peak RSS ${r.peakRssKb} KiB against a healthy run's ${healthyPeakKb} KiB`).toBeLessThan(healthyPeakKb + MEMORY_HEADROOM_KB);
}

describe.each(CASES)('$input', ({ give, at, goSkips }) => {
  it.each(BADS)('as %s', async (bad) => {
    resetLab(lab);
    const path = at ? at(bad) : badPath[bad];
    const r = await probeLab(lab, { ...give(path), ...(bad === 'unreadable' ? { uid: NOBODY } : {}) });
    expectNoCrash(r);
    expectMemoryBudget(r);
    if (goSkips.includes(bad)) {
      expectPass(r, budget(6));
      return;
    }
    expect(r.exitCode, JSON.stringify(r.report?.failure)).toBe(2);
    expectWithin(r, budget(1));
    expectOutputs(r);
    const f = r.report!.failure!;
    expect(f.stage).toBe('config');
    expect(f.cause).toBe('config.bad_file');
    // One line naming the file (or the entry of the directory) and what it is.
    expect(f.detail).not.toContain('\n');
    expect(f.detail).toMatch(SAYS[bad]);
    expect(`${f.target} ${f.detail}`).toContain(path);
    expect(r.termination).toMatch(SAYS[bad]);
    expect(r.report!.stages.map((s) => s.stage)).toEqual(['config']);
  });
});

describe('at the cap: as large as the probe reads, binary or one enormous line', () => {
  const atCap: [string, InputKind, (path: string) => ProbeRunOptions][] = [
    ['go.mod (--gomod)', 'go.mod', (p) => ({ modules: [], args: ['--gomod', p] })],
    ['go.sum (--gosum)', 'go.sum', (p) => ({ args: ['--gosum', p] })],
    ['the go env -w file (GOENV)', 'go env file', (p) => ({ env: { GOENV: p } })],
    ['.netrc (NETRC)', '.netrc', (p) => ({ env: { NETRC: p } })],
    ['resolv.conf (--resolv-conf)', 'resolv.conf', (p) => ({ setArgs: { '--resolv-conf': p } })],
    ['hosts (--hosts-file)', 'hosts', (p) => ({ setArgs: { '--hosts-file': p } })],
    ['nsswitch.conf (--nsswitch)', 'nsswitch.conf', (p) => ({ setArgs: { '--nsswitch': p } })],
    ['SSL_CERT_FILE', 'certificate file', (p) => ({ env: { SSL_CERT_FILE: p } })],
  ];
  // Many short lines, each one of the things the parser keeps or reports (a statement, an entry, an error).
  const lineOf: Readonly<Record<InputKind, (i: number) => string>> = {
    'go.mod': () => '(\n',
    'go.sum': (i) => `example.com/m${i} v1.0.0 h1:${'A'.repeat(43)}=\n`,
    'go env file': (i) => `GOPROXY=https://proxy${i}.example\n`,
    '.netrc': (i) => `machine m${i}.example login u password p${i}\n`,
    // Loopback only: go (and the probe) query the first 3, the lab's DNS server.
    'resolv.conf': () => 'nameserver 127.0.0.1\n',
    hosts: (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} host${i}.example\n`,
    'nsswitch.conf': () => 'hosts: files dns\n',
    'certificate file': () => '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    'git config': (i) => `[url "ssh://git@h${i}.example/"]\n\tinsteadOf = https://h${i}.example/\n`,
    'git credentials': (i) => `https://u:p${i}@h${i}.example\n`,
    'ssh config': (i) => `Host h${i}.example\n\tIdentityFile ~/.ssh/k${i}\n`,
    known_hosts: (i) => `h${i}.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(i).padStart(43, 'A')}\n`,
    'ssh private key': () => '-----BEGIN OPENSSH PRIVATE KEY-----\n',
  };
  const manyLines = (kind: InputKind) => (n: number): Buffer => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; ; i++) {
      const line = lineOf[kind](i);
      if (size + line.length > n) break;
      parts.push(line);
      size += line.length;
    }
    return Buffer.from(parts.join(''));
  };
  for (const [input, kind, give] of atCap) {
    const contents: [string, (n: number) => Buffer][] = [
      ['binary', (n) => randomBytes(n)],
      ['one line', (n) => Buffer.alloc(n, 'a')],
      ['many lines', manyLines(kind)],
    ];
    for (const [what, make] of contents) {
      it(`${input}: ${what}, ${INPUT_LIMITS[kind].maxBytes} bytes`, async () => {
        resetLab(lab);
        const path = join(scratch, `cap-${kind.replace(/\W/g, '')}-${what.replace(/\W/g, '')}`);
        writeFileSync(path, make(INPUT_LIMITS[kind].maxBytes));
        const r = await probeLab(lab, give(path));
        rmSync(path);
        expectNoCrash(r);
        expectMemoryBudget(r);
        expectWithin(r, budget(6));
        expectOutputs(r);
        // go would read it too: the verdict is whatever go makes of it (a parse error, or skipped lines).
        expect([0, 2]).toContain(r.exitCode);
      });
    }
  }
});
