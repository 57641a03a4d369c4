// The lab's ssh git server (#16 items 4 and 6): Debian's OpenSSH sshd in the services namespace on
// git.lab.test:22 (the address the https git server has: one host serving both, as GitLab does), serving
// the same bare repositories as git http-backend (test/e2e/lab/git.ts), to the forge account `git` only
// (shell git-shell; a passwd file only sshd sees: sshd.ts passwdWithGitUser), by public key only.
// The scenarios' HOMEs send git there with insteadOf (scp-like git@git.lab.test:<repos>/...) and hold
// ~/.ssh as a pod would mount it: a deploy key (0600), a key the server does not know, none; known_hosts
// with the host key, or empty. go and git run with that HOME bind-mounted over /root (runners.ts): ssh
// reads the passwd home, never $HOME.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { passwdWithGitUser, sshdConfig } from './sshd.js';
import { HOST_IPS, HOST_NAMES } from './topology.js';

export const GIT_SSH_PORT = 22;
/** A port of git.lab.test where nothing listens: "no sshd". */
export const GIT_SSH_CLOSED_PORT = 2222;

export interface LabGitSsh {
  readonly sshdConfig: string;
  /** The passwd file sshd sees over /etc/passwd: the machine's users and the forge account `git`. */
  readonly sshdPasswd: string;
  /** "git.lab.test ssh-ed25519 AAAA…" as known_hosts holds it. */
  readonly knownHostsLine: string;
  /** HOMEs: .gitconfig (insteadOf to ssh) and .ssh as named. */
  readonly homeOk: string;
  readonly homeRefusedKey: string;
  readonly homeNoKey: string;
  readonly homeUnknownHost: string;
  readonly homeNoSshd: string;
  /** The deploy key and known_hosts, and no .gitconfig: git dials the URLs go gives it as they are. */
  readonly homeNoRewrite: string;
  /** The private keys' text, for the redaction checks. */
  readonly privateKeys: readonly string[];
}

function keygen(path: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
  return readFileSync(path, 'utf8');
}

export function writeLabGitSsh(dir: string, projectRoot: string): LabGitSsh {
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  keygen(hostKey, 'git.lab.test');
  const deploy = keygen(join(dir, 'deploy'), 'deploy@lab');
  const other = keygen(join(dir, 'other'), 'other@lab');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(join(dir, 'deploy.pub')), { mode: 0o600 });
  const sshdConfigPath = join(dir, 'sshd_config');
  writeFileSync(sshdConfigPath, sshdConfig({ listen: [`ListenAddress ${HOST_IPS.git}:${GIT_SSH_PORT}`], hostKey, authorizedKeys: authorized, pidFile: join(dir, 'sshd.pid'), allowUsers: ['git'] }));
  const sshdPasswd = join(dir, 'passwd');
  writeFileSync(sshdPasswd, passwdWithGitUser(projectRoot), { mode: 0o644 });
  const knownHostsLine = `${HOST_NAMES.git} ${readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')}`;
  const home = (name: string, o: { key?: string; knownHosts: string; port?: number; noRewrite?: boolean }): string => {
    const h = join(dir, name);
    mkdirSync(join(h, '.ssh'), { recursive: true, mode: 0o700 });
    const base = o.port ? `ssh://git@${HOST_NAMES.git}:${o.port}${projectRoot}/` : `git@${HOST_NAMES.git}:${projectRoot}/`;
    if (!o.noRewrite) writeFileSync(join(h, '.gitconfig'), `[url "${base}"]\n\tinsteadOf = https://${HOST_NAMES.git}/\n`, { mode: 0o644 });
    writeFileSync(join(h, '.ssh', 'known_hosts'), o.knownHosts, { mode: 0o644 });
    if (o.key) {
      writeFileSync(join(h, '.ssh', 'id_ed25519'), o.key, { mode: 0o600 });
      chmodSync(join(h, '.ssh', 'id_ed25519'), 0o600);
    }
    return h;
  };
  const known = `${knownHostsLine}\n`;
  return {
    sshdConfig: sshdConfigPath,
    sshdPasswd,
    knownHostsLine,
    homeOk: home('home-ssh-ok', { key: deploy, knownHosts: known }),
    homeRefusedKey: home('home-ssh-refused', { key: other, knownHosts: known }),
    homeNoKey: home('home-ssh-nokey', { knownHosts: known }),
    homeUnknownHost: home('home-ssh-unknown-host', { key: deploy, knownHosts: '' }),
    homeNoSshd: home('home-ssh-no-sshd', { key: deploy, knownHosts: known, port: GIT_SSH_CLOSED_PORT }),
    homeNoRewrite: home('home-ssh-no-rewrite', { key: deploy, knownHosts: known, noRewrite: true }),
    privateKeys: [deploy, other],
  };
}
