// What the e2e lab needs from the machine. Outside CI a missing piece skips the suite with one visible
// line; under CI=true it is a failure (CI installs everything with .ci/run).

import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { findLabGos, type LabGos } from './gos.js';
import { run } from './sh.js';

export interface Prerequisites {
  readonly ok: boolean;
  readonly reason: string;
  readonly goBin: string;
  readonly goVersion: string;
  readonly node: string;
  readonly cli: string;
  /** The gos the agreement test compares with (go 1.23, 1.24, 1.27), and which are missing. */
  readonly gos: LabGos;
}

const COMMANDS = ['ip', 'nft', 'dnsmasq', 'nginx', 'tinyproxy', 'ss', 'timeout', 'env', 'git', 'fcgiwrap', 'sshd', 'ssh', 'ssh-keygen', 'unshare', 'setsid'] as const;
const GO_CANDIDATES = ['/usr/lib/go-1.23/bin/go'];
/** The scenario table's go error texts and rules are those of Go >= 1.21 (go-fetch-semantics.md §10). */
const MIN_GO_MINOR = 21;

export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function checkPrerequisites(env: NodeJS.ProcessEnv, repoRoot: string): Promise<Prerequisites> {
  const pathVar = `${env['PATH'] ?? ''}${delimiter}/usr/sbin${delimiter}/sbin`;
  const cli = resolve(repoRoot, 'dist', 'gomodprobe.mjs');
  const gos = await findLabGos(env);
  const base = { goBin: '', goVersion: '', node: process.execPath, cli, gos };
  const missing = (reason: string): Prerequisites => ({ ok: false, reason, ...base });
  if (process.platform !== 'linux') return missing(`network namespaces need Linux (this is ${process.platform})`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return missing('not root (network namespaces, veth pairs and nftables need root)');
  const absent = COMMANDS.filter((c) => !findOnPath(c, pathVar));
  if (absent.length > 0) return missing(`missing commands: ${absent.join(', ')} (apt-get install iproute2 nftables dnsmasq-base nginx-light tinyproxy git fcgiwrap openssh-server openssh-client; see .ci/run)`);
  if (!existsSync(cli)) return missing(`${cli} is not built (npm run build)`);

  const candidates = [env['GOMODPROBE_E2E_GO'], findOnPath('go', env['PATH']), ...GO_CANDIDATES].filter((p): p is string => !!p);
  const tried: string[] = [];
  for (const goBin of candidates) {
    if (!existsSync(goBin)) continue;
    const r = await run(goBin, ['version'], { timeoutMs: 10_000, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', GOTOOLCHAIN: 'local', GOENV: 'off' } });
    const m = /go version go1\.(\d+)(\.\d+)?\S* /.exec(r.stdout);
    tried.push(`${goBin}: ${r.stdout.trim() || r.stderr.trim()}`);
    if (m && Number(m[1]) >= MIN_GO_MINOR) {
      const nft = await run('nft', ['--version'], { timeoutMs: 5000 });
      if (nft.code !== 0) return missing(`nft does not run: ${nft.stderr.trim()}`);
      return { ok: true, reason: '', ...base, goBin, goVersion: r.stdout.trim() };
    }
  }
  return missing(`no go >= 1.${MIN_GO_MINOR} found (tried ${tried.join('; ') || candidates.join(', ')}); install golang-1.23-go from bookworm-backports`);
}
