// What one go decides about a toolchain switch (GOTOOLCHAIN, the go.mod `go` and `toolchain` lines, the
// `go env -w` file), for the cases test/unit/goenv/toolchain.test.ts checks the model against.
// test/vectors/record.ts records them with each go it is given (`npm run record-vectors -- --go
// /path/to/go`) into test/unit/goenv/vectors/toolchain-go1.<minor>.json.
//
// Each case runs `go mod download` in a scratch module with no network: GOPROXY is an empty file://
// directory, so a switch ends with go's "toolchain not available" (after it names the toolchain it
// wanted), and a case without a switch ends in the local go. PATH holds no goX.Y.Z binaries.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './sh.js';
import { telemetryOff } from './gos.js';

export interface ToolchainCase {
  readonly name: string;
  /** GOTOOLCHAIN in the environment (absent: go.env's default, auto). */
  readonly env?: string;
  /** GOTOOLCHAIN in the `go env -w` file. */
  readonly file?: string;
  /** go.mod lines after the module line. */
  readonly gomod: readonly string[];
  /** go.work lines (beside go.mod, which it uses): then go.work's go and toolchain lines decide (select.go modGoToolchain). */
  readonly gowork?: readonly string[];
}

export const CASES: readonly ToolchainCase[] = [
  { name: 'go line newer, default auto', gomod: ['go 1.27.3'] },
  { name: 'go line 1.22 without .0', gomod: ['go 1.22'] },
  { name: 'go line 1.27 without .0', gomod: ['go 1.27'] },
  { name: 'go line 1.26 without .0', gomod: ['go 1.26'] },
  { name: 'toolchain line newer', gomod: ['go 1.21.0', 'toolchain go1.27.3'] },
  { name: 'toolchain line older', gomod: ['go 1.21.0', 'toolchain go1.22.0'] },
  { name: 'toolchain line with suffix', gomod: ['go 1.21.0', 'toolchain go1.27.3-custom'] },
  { name: 'go line beats toolchain line', gomod: ['go 1.27.3', 'toolchain go1.25.1'] },
  { name: 'toolchain default, go newer', gomod: ['go 1.27.3', 'toolchain default'] },
  { name: 'toolchain line not a toolchain', gomod: ['go 1.21.0', 'toolchain 1.27.3'] },
  { name: 'GOTOOLCHAIN=local, go newer', env: 'local', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=local, go older', env: 'local', gomod: ['go 1.21.0'] },
  { name: 'go env -w GOTOOLCHAIN=local, go newer', file: 'local', gomod: ['go 1.27.3'] },
  { name: 'env auto beats go env -w local', env: 'auto', file: 'local', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=path, go newer', env: 'path', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=local+path, go newer', env: 'local+path', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=local+auto, go newer', env: 'local+auto', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=go1.27.3', env: 'go1.27.3', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=go1.24.4 (a downgrade for 1.27)', env: 'go1.24.4', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=go1.24.4, go newer', env: 'go1.24.4', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=go1.24.4+auto, go older', env: 'go1.24.4+auto', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=go1.24.4+auto, go newer', env: 'go1.24.4+auto', gomod: ['go 1.27.3'] },
  { name: 'GOTOOLCHAIN=go1.30.0+path', env: 'go1.30.0+path', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=go1.25+auto (a language version)', env: 'go1.25+auto', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=bogus', env: 'bogus', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=bogus+auto', env: 'bogus+auto', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=local+bogus', env: 'local+bogus', gomod: ['go 1.21.0'] },
  { name: 'GOTOOLCHAIN=go1.27.3+local', env: 'go1.27.3+local', gomod: ['go 1.21.0'] },
  { name: 'no go line', gomod: [] },
  // A workspace whose go line is not older than go.mod's (an older one is refused before any toolchain
  // decision: the config stage's gowork_too_old, not decideToolchain's).
  { name: 'go.work newer, GOTOOLCHAIN=local', env: 'local', gomod: ['go 1.22'], gowork: ['go 1.27.3', '', 'use .'] },
  { name: 'go.work newer, default auto', gomod: ['go 1.22'], gowork: ['go 1.27.3', '', 'use .'] },
  { name: 'go.work toolchain line newer', gomod: ['go 1.21.0'], gowork: ['go 1.21.0', 'toolchain go1.27.3', '', 'use .'] },
];

export interface ToolchainVector extends ToolchainCase {
  /** `go version`'s toolchain, e.g. "go1.23.5". */
  readonly local: string;
  readonly exit: number | null;
  readonly stderr: string;
}

/** Runs every case with the go at bin (`go version` says it is `local`, e.g. "go1.23.5"). */
export async function recordToolchainVectors(bin: string, local: string): Promise<ToolchainVector[]> {
  const out: ToolchainVector[] = [];
  // go's telemetry writes under $HOME/.config in the background after go exits: one HOME for the run.
  const home = mkdtempSync(join(tmpdir(), 'tcvec-home-'));
  telemetryOff(join(home, '.config'));
  try {
    for (const c of CASES) {
      const dir = mkdtempSync(join(tmpdir(), 'tcvec-'));
      try {
        const mod = join(dir, 'mod');
        const proxy = join(dir, 'proxy');
        mkdirSync(mod);
        mkdirSync(proxy);
        writeFileSync(join(mod, 'go.mod'), ['module example.com/m', '', ...c.gomod, ''].join('\n'));
        if (c.gowork !== undefined) writeFileSync(join(mod, 'go.work'), [...c.gowork, ''].join('\n'));
        const goenv = join(dir, 'goenv');
        writeFileSync(goenv, c.file !== undefined ? `GOTOOLCHAIN=${c.file}\n` : '');
        const env: Record<string, string> = {
          PATH: '/usr/bin:/bin', HOME: home, GOENV: goenv, GOPROXY: `file://${proxy}`, GOSUMDB: 'off',
          GOMODCACHE: join(dir, 'modcache'), GOCACHE: join(dir, 'cache'), GOTELEMETRY: 'off', GOFLAGS: '-modcacherw',
        };
        if (c.env !== undefined) env['GOTOOLCHAIN'] = c.env;
        const r = await run(bin, ['mod', 'download'], { cwd: mod, env, timeoutMs: 30_000 });
        out.push({ ...c, local, exit: r.code, stderr: r.stderr.trim() });
      } finally {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  return out;
}
