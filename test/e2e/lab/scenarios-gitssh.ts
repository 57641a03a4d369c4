// The ssh side of the git hop (#16 items 4 and 6): a private module whose go-import tag names
// https://git.lab.test/team/hello.git, and a ~/.gitconfig insteadOf that sends git to the lab's sshd
// (git@git.lab.test:<repos>/…, the forge account: test/e2e/lab/gitssh.ts). go 1.23, 1.24 and 1.27 run the real git and ssh
// with the scenario's HOME, which is also mounted over /root (ssh reads the passwd home), with the lab's
// resolv.conf and GIT_SSH_COMMAND unset (go ≤1.24 sets its own BatchMode one; go 1.27 none).
// The texts were measured with those gos, git 2.39 and OpenSSH 9.2.

import type { LabContent } from './content.js';
import { GIT_HOST, GIT_PUBLIC_MODULE } from './git.js';
import { GIT_SSH_CLOSED_PORT } from './gitssh.js';
import type { Scenario } from './scenarios.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sshEnv = (home: (c: LabContent) => string) => (c: LabContent): Record<string, string> => ({ GOPRIVATE: GIT_HOST, GIT_CONFIG_NOSYSTEM: '1', HOME: home(c) });
/**
 * go's wrapping of a failed ls-remote (go 1.23/1.24 `git ls-remote -q origin`, go 1.27 `git ls-remote -q
 * --end-of-options <url>`), ssh's line with the CR it ends with (ssh writes CRLF), then git's.
 */
const wrapped = (inner: string): RegExp => new RegExp(`git ls-remote -q (origin|--end-of-options \\S+) in .*: exit status 128:\\n\\t${inner}\\r\\n\\tfatal: Could not read from remote repository\\.`);

export const GIT_SSH_SCENARIOS: readonly Scenario[] = [
  {
    id: 'git-ssh-ok',
    title: 'insteadOf to ssh: a deploy key the server accepts, the host key in known_hosts',
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: sshEnv((c) => c.gitSsh.homeOk),
    sshHome: true,
    expect: { pass: true },
  },
  {
    id: 'git-ssh-refused-key',
    title: 'insteadOf to ssh: a key the server does not accept',
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: sshEnv((c) => c.gitSsh.homeRefusedKey),
    sshHome: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_publickey_denied', hint: /deploy key/, goError: wrapped(`git@${esc(GIT_HOST)}: Permission denied \\(publickey\\)\\.`) },
  },
  {
    id: 'git-ssh-no-key',
    title: 'insteadOf to ssh: no key and no agent',
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: sshEnv((c) => c.gitSsh.homeNoKey),
    sshHome: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_publickey_denied', hint: /deploy key/, goError: wrapped(`git@${esc(GIT_HOST)}: Permission denied \\(publickey\\)\\.`) },
  },
  {
    id: 'git-ssh-unknown-host',
    title: 'insteadOf to ssh: the host key is in no known_hosts',
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: sshEnv((c) => c.gitSsh.homeUnknownHost),
    sshHome: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_host_key_unknown', hint: /known_hosts/, goError: wrapped('Host key verification failed\\.') },
  },
  {
    id: 'git-ssh-no-sshd',
    title: `insteadOf to ssh://git.lab.test:${GIT_SSH_CLOSED_PORT}, where no sshd listens`,
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: sshEnv((c) => c.gitSsh.homeNoSshd),
    sshHome: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.tcp.refused', hint: /git\.lab\.test/, goError: wrapped(`ssh: connect to host ${esc(GIT_HOST)} port ${GIT_SSH_CLOSED_PORT}: Connection refused`) },
  },
  {
    id: 'git-ssh-missing-tag',
    title: 'insteadOf to ssh, accepted key: the repository has no tag v1.9.0',
    module: `${GIT_PUBLIC_MODULE}@v1.9.0`,
    env: sshEnv((c) => c.gitSsh.homeOk),
    sshHome: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_revision_not_found', hint: /tag/, goError: /unknown revision v1\.9\.0/ },
  },
];
