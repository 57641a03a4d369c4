// Records what each go's crypto/x509 says about the Verify scenarios (verify-scenarios.ts and
// x509-version-scenarios.ts): `npx tsx test/unit/tls/record-x509-versions.ts --go /path/to/go [--go ...]`
// writes the chains to a scratch directory, runs go-verify/main.go there with each go (GOTOOLCHAIN=local,
// GOPROXY=off, nothing from this environment), and writes x509-versions-go.json: go minor -> scenario ->
// verdict. x509-versions.test.ts checks the probe's port under each version's rules against it.
//
// The chains are made afresh (new keys) on every run; no verdict depends on key bytes.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVerifyScenarios, type VerifyScenario } from './verify-scenarios.js';
import { buildVersionScenarios } from './x509-version-scenarios.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const X509_VECTORS = resolve(HERE, 'x509-versions-go.json');

export interface X509Recording {
  readonly recordedBy: string;
  /** `go version` of each go, by minor. */
  readonly gos: Record<string, string>;
  /** go minor -> scenario name -> verdict. */
  readonly verdicts: Record<string, Record<string, string>>;
}

export function allScenarios(): VerifyScenario[] {
  return [...buildVerifyScenarios(), ...buildVersionScenarios()];
}

function writeScenarios(dir: string, scenarios: VerifyScenario[]): void {
  for (const s of scenarios) {
    const d = join(dir, s.name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'leaf.der'), s.leaf);
    s.intermediates.forEach((c, i) => writeFileSync(join(d, `inter-${String(i).padStart(2, '0')}.der`), c));
    s.roots.forEach((c, i) => writeFileSync(join(d, `root-${String(i).padStart(2, '0')}.der`), c));
    writeFileSync(join(d, 'host'), s.dnsName);
    writeFileSync(join(d, 'now'), s.now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }
}

function record(goBin: string, chainsDir: string, work: string): { minor: string; version: string; verdicts: Record<string, string> } {
  const env = {
    PATH: '/usr/bin:/bin', HOME: join(work, 'home'), GOPATH: join(work, 'gopath'), GOCACHE: join(work, 'gocache'), GOENV: 'off',
    GOTOOLCHAIN: 'local', GOPROXY: 'off', GOSUMDB: 'off', GOTELEMETRY: 'off', GOFLAGS: '', GODEBUG: '',
  };
  const run = (args: string[], cwd: string) => {
    const r = spawnSync(goBin, args, { cwd, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${goBin} ${args.join(' ')}: ${r.stderr || r.error}`);
    return r.stdout;
  };
  const version = run(['version'], work).trim();
  const m = /go1\.(\d+)/.exec(version);
  if (!m) throw new Error(`${goBin}: cannot read its version (${version})`);
  const mod = join(work, `mod-${m[1]}`);
  mkdirSync(mod, { recursive: true });
  copyFileSync(join(HERE, 'go-verify', 'main.go'), join(mod, 'main.go'));
  writeFileSync(join(mod, 'go.mod'), `module goverify\n\ngo 1.${m[1]}\n`);
  return { minor: m[1]!, version, verdicts: JSON.parse(run(['run', '.', chainsDir], mod)) as Record<string, string> };
}

function main(argv: string[]): void {
  const gos: string[] = [];
  for (let i = 0; i < argv.length; i++) if (argv[i] === '--go' && argv[i + 1]) gos.push(argv[++i]!);
  if (gos.length === 0) throw new Error('usage: record-x509-versions.ts --go /path/to/go [--go ...]');
  const work = mkdtempSync(join(tmpdir(), 'gmp-x509-'));
  try {
    const chains = join(work, 'chains');
    writeScenarios(chains, allScenarios());
    let previous: X509Recording = { recordedBy: '', gos: {}, verdicts: {} };
    try {
      previous = JSON.parse(readFileSync(X509_VECTORS, 'utf8')) as X509Recording;
    } catch {
      // first recording
    }
    const out: X509Recording = { recordedBy: 'test/unit/tls/record-x509-versions.ts (test/unit/tls/go-verify/main.go)', gos: { ...previous.gos }, verdicts: { ...previous.verdicts } };
    for (const go of gos) {
      const r = record(go, chains, work);
      out.gos[r.minor] = r.version;
      out.verdicts[r.minor] = r.verdicts;
      process.stdout.write(`${r.version}: ${Object.keys(r.verdicts).length} scenarios\n`);
    }
    writeFileSync(X509_VECTORS, JSON.stringify(out, null, 2) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
