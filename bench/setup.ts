// What the bench needs from the machine: the e2e lab's servers (installed by .ci/run), go 1.23, and
// the peers' tools. dig, openssl, curl and python3 are installed here with apt when missing: they are
// the bench's own needs, not the test suite's.

import { delimiter } from 'node:path';
import { checkPrerequisites, findOnPath, type Prerequisites } from '../test/e2e/lab/prereq.js';
import { run } from '../test/e2e/lab/sh.js';

/** Command -> Debian package that provides it. */
const PEER_PACKAGES: Readonly<Record<string, string>> = { dig: 'dnsutils', curl: 'curl', openssl: 'openssl', python3: 'python3' };

export interface BenchMachine extends Prerequisites {
  /** The real interpreter behind `python3` (a pyenv shim needs a PATH that `env -i` removes). */
  readonly python: string;
  readonly tools: Readonly<Record<'dig' | 'curl' | 'openssl', string>>;
  readonly versions: Readonly<Record<string, string>>;
}

export class SetupError extends Error {
  readonly code = 'bench.setup_failed';
}

export async function prepareMachine(repoRoot: string, log: (line: string) => void): Promise<BenchMachine> {
  const pathVar = `${process.env['PATH'] ?? ''}${delimiter}/usr/sbin${delimiter}/sbin${delimiter}/usr/bin${delimiter}/bin`;
  const missing = Object.keys(PEER_PACKAGES).filter((c) => !findOnPath(c, pathVar));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((c) => PEER_PACKAGES[c]!))];
    if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new SetupError(`missing ${missing.join(', ')}; as root: apt-get install ${pkgs.join(' ')}`);
    log(`installing ${pkgs.join(', ')} (for ${missing.join(', ')})`);
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive' };
    const update = await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
    if (update.code !== 0) throw new SetupError(`apt-get update failed: ${update.stderr.slice(-1500)}`);
    const install = await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env, timeoutMs: 600_000 });
    if (install.code !== 0) throw new SetupError(`apt-get install ${pkgs.join(' ')} failed: ${install.stderr.slice(-1500)}`);
  }
  const pre = await checkPrerequisites(process.env, repoRoot);
  if (!pre.ok) throw new SetupError(`the e2e lab cannot run here: ${pre.reason} (run .ci/run --setup-only as root first)`);

  const find = (c: string): string => {
    const p = findOnPath(c, pathVar);
    if (!p) throw new SetupError(`${c} is still missing after installing ${PEER_PACKAGES[c]}`);
    return p;
  };
  const py = await run(find('python3'), ['-c', 'import sys; print(sys.executable); print(sys.version.split()[0])'], { timeoutMs: 20_000 });
  const [python, pyVersion] = py.stdout.trim().split('\n');
  if (py.code !== 0 || !python) throw new SetupError(`python3 does not run: ${py.stderr.slice(-500)}`);
  const tools = { dig: find('dig'), curl: find('curl'), openssl: find('openssl') };
  const first = async (cmd: string, args: string[]): Promise<string> => {
    const r = await run(cmd, args, { timeoutMs: 20_000 });
    return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
  };
  const versions = {
    node: process.version,
    go: pre.goVersion,
    python: pyVersion ?? '',
    dig: await first(tools.dig, ['-v']),
    curl: await first(tools.curl, ['--version']),
    openssl: await first(tools.openssl, ['version']),
  };
  return { ...pre, python, tools, versions };
}
