// A real OpenSSH server (Debian's openssh-server) serving bare git repositories, for the ssh side of the
// git hop: the loopback agreement test and the e2e lab run the same one. It runs as root (the only user
// it lets in, by public key only, through its own authorized_keys file) and git-upload-pack runs as
// root's command, as it does for a `git@host` account whose shell is git-shell.
//
// Also the tools around it: keys made with ssh-keygen, and the real ssh + git run in a private mount
// namespace where a scratch directory is bind-mounted over /root, because ssh reads ~/.ssh from the
// passwd home directory, never $HOME: without it the test would read (and could change) the machine's.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run, type RunResult } from './sh.js';

export const SSHD = '/usr/sbin/sshd';

/** What the ssh tests need; under CI a missing one is a failure (.ci/run installs openssh-server, git). */
export function sshPrerequisites(): string | undefined {
  if (process.platform !== 'linux') return 'sshd and mount namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (sshd lets in root only; unshare -m needs root)';
  for (const bin of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/git', '/usr/bin/unshare']) {
    if (!existsSync(bin)) return `${bin} is missing (apt-get install openssh-server openssh-client git util-linux; see .ci/run)`;
  }
  return undefined;
}

export async function sshKeygen(path: string, type: 'ed25519' | 'ecdsa' | 'rsa', passphrase = '', comment = 'lab'): Promise<{ privateKey: string; publicKey: string }> {
  const r = await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', comment, '-f', path], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
  return { privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** A bare repository holding a module: a branch and the given tags, made with the real git. */
export async function makeBareRepo(dir: string, module: string, tags: readonly string[]): Promise<string> {
  const work = `${dir}.work`;
  const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'lab', GIT_AUTHOR_EMAIL: 'lab@lab.test', GIT_COMMITTER_NAME: 'lab', GIT_COMMITTER_EMAIL: 'lab@lab.test', GIT_AUTHOR_DATE: '2025-01-15T12:00:00Z', GIT_COMMITTER_DATE: '2025-01-15T12:00:00Z' };
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'go.mod'), `module ${module}\n\ngo 1.21\n`);
  writeFileSync(join(work, 'hello.go'), '// Package hello is served from a git repository over ssh.\npackage hello\n');
  const git = async (args: string[], cwd: string): Promise<void> => {
    const r = await run('git', args, { cwd, env, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  await git(['init', '-q', '-b', 'main', '.'], work);
  await git(['add', '.'], work);
  await git(['commit', '-q', '-m', 'hello'], work);
  for (const tag of tags) await git(['tag', '-a', '-m', tag, tag], work);
  await git(['init', '-q', '--bare', dir], work);
  await git(['push', '-q', dir, 'main', ...tags], work);
  return dir;
}

export interface Sshd {
  readonly port: number;
  readonly address: string;
  /** "ssh-ed25519 AAAA…" of the host key. */
  readonly hostPublicKey: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Scratch directory for its keys, configuration and log. */
  readonly dir: string;
  readonly address: string;
  readonly port?: number;
  /** The authorized_keys lines (public keys). */
  readonly authorizedKeys: readonly string[];
  /** Run it inside this network namespace (ip netns exec). */
  readonly netns?: string;
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The lab's sshd_config: public-key login only, no PAM; `listen` is the Port/ListenAddress lines. One text
 * for the loopback tests (which log in as root) and the e2e lab's git host (`allowUsers: ['git']`: only the
 * forge's git account, as GitHub and GitLab take every ssh client as git@).
 */
export function sshdConfig(o: { listen: readonly string[]; hostKey: string; authorizedKeys: string; pidFile: string; allowUsers?: readonly string[] }): string {
  return [
    ...o.listen,
    ...(o.allowUsers ? [`AllowUsers ${o.allowUsers.join(' ')}`] : []),
    `HostKey ${o.hostKey}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    // Scratch directories are not root-only as sshd's StrictModes wants of a home directory.
    'StrictModes no',
    'UsePAM no',
    'PrintMotd no',
    `PidFile ${o.pidFile}`,
    '',
  ].join('\n');
}

export async function startSshd(o: SshdOptions): Promise<Sshd> {
  mkdirSync(o.dir, { recursive: true });
  // sshd's privilege separation directory (Debian's service creates it at boot).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(o.dir, 'ssh_host_ed25519_key');
  if (!existsSync(hostKey)) await sshKeygen(hostKey, 'ed25519', '', 'lab-host');
  const authorized = join(o.dir, 'authorized_keys');
  writeFileSync(authorized, o.authorizedKeys.map((k) => `${k}\n`).join(''), { mode: 0o600 });
  const port = o.port ?? await freePort(o.address);
  const config = join(o.dir, 'sshd_config');
  writeFileSync(config, sshdConfig({ listen: [`Port ${port}`, `ListenAddress ${o.address}`], hostKey, authorizedKeys: authorized, pidFile: join(o.dir, 'sshd.pid') }));
  const logFile = join(o.dir, 'sshd.log');
  const argv = [SSHD, '-D', '-e', '-f', config];
  const child: ChildProcess = o.netns ? spawn('ip', ['netns', 'exec', o.netns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (log.length < 256 * 1024) log += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it says it listens (sshd -D -e logs "Server listening on …").
  const deadline = Date.now() + 10_000;
  while (!/Server listening on/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  writeFileSync(logFile, log);
  return {
    port,
    address: o.address,
    hostPublicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' '),
    log: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Runs argv with `home` bind-mounted over /root in a private mount namespace (and in `netns` if given):
 * the real ssh then reads home/.ssh, as it would read a pod's mounted ~/.ssh.
 */
export async function runWithRootHome(home: string, argv: readonly string[], o: { env: Record<string, string>; netns?: string; cwd?: string; timeoutMs?: number }): Promise<RunResult> {
  // setsid: no controlling terminal, as in a pod (ssh without BatchMode would otherwise ask on /dev/tty).
  const inner = ['setsid', '--wait', 'unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /root && exec "$@"', home, ...argv];
  const cmd = o.netns ? ['ip', 'netns', 'exec', o.netns, ...inner] : inner;
  return run(cmd[0]!, cmd.slice(1), { env: o.env, ...(o.cwd ? { cwd: o.cwd } : {}), timeoutMs: o.timeoutMs ?? 60_000 });
}

/**
 * The lab's forge account, `git`, as a line of a passwd file that sshd alone sees (the e2e lab bind-mounts it
 * over /etc/passwd in sshd's private mount namespace: the machine's users are not changed). Its shell is
 * git-shell, which runs only git-upload-pack and its kin, as on a forge. It has uid 0: the lab's bare
 * repositories belong to root, and git (2.35.2+) refuses repositories another user owns; a forge's own
 * uid would change nothing the client sees (ssh names the account it asked for: git@host).
 */
export function passwdWithGitUser(home: string): string {
  const machine = readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('git:'));
  return [...machine, `git:x:0:0:lab forge account:${home}:/usr/bin/git-shell`, ''].join('\n');
}
