// The ssh side of the git hop against a real OpenSSH server on loopback, each case agreeing with the real
// `git ls-remote -q <url>` running the real ssh with the same ~/.ssh (bind-mounted over /root: ssh reads
// the passwd home, not $HOME), once as go ≤1.24 runs it (GIT_SSH_COMMAND="ssh -o ControlMaster=no -o
// BatchMode=yes") and once as go 1.27 does (plain ssh, no terminal). Agreement: both succeed with the same
// refs, or both fail and the probe's ssh + git text is git's stderr (for a changed host key, its last lines:
// the probe leaves out ssh's warning banner).

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskInputFs } from '../../../src/inputfile.js';
import { LayerError } from '../../../src/net/errors.js';
import { gitUploadPackCommand, lsRemoteSsh, parseGitSshUrl, type GitSshResult } from '../../../src/net/gitssh.js';
import { parseHosts } from '../../../src/net/hosts.js';
import { parseResolvConf } from '../../../src/net/resolvconf.js';
import { Resolver } from '../../../src/net/resolver.js';
import { makeBareRepo, runWithRootHome, sshKeygen, sshPrerequisites, startSshd, type Sshd } from '../../e2e/lab/sshd.js';
import { run } from '../../e2e/lab/sh.js';

const missing = sshPrerequisites();
// Fails loudly under CI, where .ci/run installs openssh-server and git.
if (missing && process.env['CI']) throw new Error(`the ssh agreement test cannot run: ${missing}`);

const BATCH = 'ssh -o ControlMaster=no -o BatchMode=yes';
const MODULE = 'git.lab.test/hello';

describe.skipIf(!!missing && !process.env['CI'])('git over ssh against a real sshd, agreeing with git ls-remote', () => {
  let dir: string;
  let sshd: Sshd;
  let repo: string;
  const keys: Record<string, { privateKey: string; publicKey: string }> = {};
  let agent: ChildProcess | undefined;
  let agentSock: string;
  let homeSeq = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gomodprobe-gitssh-'));
    keys['deploy'] = await sshKeygen(join(dir, 'deploy'), 'ed25519', '', 'deploy@lab');
    keys['deployRsa'] = await sshKeygen(join(dir, 'deploy-rsa'), 'rsa', '', 'deploy-rsa@lab');
    keys['other'] = await sshKeygen(join(dir, 'other'), 'ed25519', '', 'other@lab');
    keys['locked'] = await sshKeygen(join(dir, 'locked'), 'ed25519', 'a pass phrase', 'locked@lab');
    repo = await makeBareRepo(join(dir, 'srv', 'hello.git'), MODULE, ['v1.0.0', 'v1.1.0']);
    sshd = await startSshd({ dir: join(dir, 'sshd'), address: '127.0.0.1', authorizedKeys: [keys['deploy'].publicKey, keys['deployRsa'].publicKey, keys['locked'].publicKey] });
    // An agent holding the deploy key, for the SSH_AUTH_SOCK case.
    agentSock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await run('test', ['-S', agentSock])).code; i++) break;
    await new Promise((r) => setTimeout(r, 300));
    const add = await run('ssh-add', [join(dir, 'deploy')], { env: { PATH: '/usr/bin:/bin', SSH_AUTH_SOCK: agentSock } });
    if (add.code !== 0) throw new Error(`ssh-add: ${add.stderr}`);
  }, 120_000);

  afterAll(async () => {
    agent?.kill('SIGTERM');
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Home {
    readonly knownHosts?: string;
    /** Hash known_hosts with the real ssh-keygen -H (as Debian's HashKnownHosts yes writes it). */
    readonly hashed?: boolean;
    readonly files?: Readonly<Record<string, string>>;
    /** File modes other than 0600 (a Secret mounted with Kubernetes' default 0644). */
    readonly modes?: Readonly<Record<string, number>>;
  }
  /** A fresh ~ with .ssh laid out as a pod would mount it. */
  async function makeHome(h: Home): Promise<string> {
    const home = join(dir, `home${homeSeq++}`);
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    if (h.knownHosts !== undefined) writeFileSync(join(home, '.ssh', 'known_hosts'), h.knownHosts);
    for (const [name, text] of Object.entries(h.files ?? {})) {
      writeFileSync(join(home, '.ssh', name), text);
      chmodSync(join(home, '.ssh', name), h.modes?.[name] ?? 0o600);
    }
    if (h.hashed) {
      const r = await run('ssh-keygen', ['-q', '-H', '-f', join(home, '.ssh', 'known_hosts')], { env: { PATH: '/usr/bin:/bin' } });
      if (r.code !== 0) throw new Error(`ssh-keygen -H: ${r.stderr}`);
      expect(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8')).toMatch(/^\|1\|/);
    }
    return home;
  }
  const known = (): string => `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`;

  type Outcome = { ok: true; refs: string[] } | { ok: false; stderr: string };

  async function realGit(home: string, url: string, batch: boolean, authSock?: string): Promise<Outcome> {
    const env: Record<string, string> = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0',
      ...(batch ? { GIT_SSH_COMMAND: BATCH } : {}), ...(authSock ? { SSH_AUTH_SOCK: authSock } : {}),
    };
    const r = await runWithRootHome(home, ['git', 'ls-remote', '-q', url], { env });
    if (r.code === 0) return { ok: true, refs: r.stdout.trim().split('\n').map((l) => l.replace('\t', ' ')).sort() };
    // Exactly, CRs included: ssh ends its own lines with CRLF (log.c), git its own with LF.
    return { ok: false, stderr: r.stderr.replace(/\s+$/, '') };
  }

  async function probe(home: string, url: string, batch: boolean, authSock?: string): Promise<{ outcome: Outcome; result?: GitSshResult; error?: LayerError }> {
    const parsed = parseGitSshUrl(url);
    if (!parsed) throw new Error(`not an ssh URL: ${url}`);
    const ctx = {
      resolver: new Resolver({ conf: parseResolvConf('nameserver 127.0.0.1\n', 'pod'), hosts: parseHosts(''), order: 'files,dns' }),
      timeoutMs: 5000, fs: diskInputFs, home, localUser: 'root', batchMode: batch, ...(authSock ? { authSock } : {}),
    };
    try {
      const result = await lsRemoteSsh(ctx, parsed, AbortSignal.timeout(20_000));
      // As ls-remote prints them: "<oid> <name>", and "<peeled oid> <name>^{}" after an annotated tag.
      const refs = result.refs.flatMap((r) => [`${r.oid} ${r.name}`, ...(r.peeled ? [`${r.peeled} ${r.name}^{}`] : [])]).sort();
      return { outcome: { ok: true, refs }, result };
    } catch (err) {
      // A dns or tcp failure of the hop is that layer's error, ssh's own a GitSshError: each carries git's stderr as goError.
      if (!(err instanceof LayerError)) throw err;
      // ssh names files under its passwd home, /root here (the probe under the directory it was given).
      return { outcome: { ok: false, stderr: err.goError.replaceAll(`${home}/`, '/root/') }, error: err };
    }
  }

  interface Case {
    readonly name: string;
    readonly home: () => Home;
    readonly url?: () => string;
    readonly agent?: boolean;
    /** The probe's cause, or 'ok'. */
    readonly expect: string;
    /** Compare only the end of git's stderr (ssh's banner before it is not reproduced). */
    readonly suffixOnly?: boolean;
  }
  const url = (): string => `ssh://root@127.0.0.1:${sshd.port}${repo}`;
  const cases: Case[] = [
    { name: 'accepted default key (id_ed25519), plain known_hosts entry', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['deploy']!.privateKey } }), expect: 'ok' },
    {
      name: 'hashed known_hosts entry, IdentityFile from a Host pattern, scp-like URL through HostName and Port',
      home: () => ({ knownHosts: known(), hashed: true, files: { config: `Host nomatch\n  IdentityFile ~/.ssh/other\nHost git*.lab !gitx.lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ~/.ssh/deploy_key\n`, deploy_key: keys['deployRsa']!.privateKey, other: keys['other']!.privateKey } }),
      url: () => `gitlab.lab:${repo}`,
      expect: 'ok',
    },
    { name: 'unknown host key (empty known_hosts)', home: () => ({ knownHosts: '', files: { id_ed25519: keys['deploy']!.privateKey } }), expect: 'git_host_key_unknown' },
    { name: 'known_hosts names the host on other ports only', home: () => ({ knownHosts: `[127.0.0.1]:1 ${sshd.hostPublicKey}\nlocalhost ${sshd.hostPublicKey}\n`, files: { id_ed25519: keys['deploy']!.privateKey } }), expect: 'git_host_key_unknown' },
    // ssh looks a host on a non-standard port up again without the port (sshconnect.c, "checking without port identifier").
    { name: 'known_hosts names the host without its port, by a wildcard', home: () => ({ knownHosts: `*.nope,127.0.0.* ${sshd.hostPublicKey}\n`, files: { id_ed25519: keys['deploy']!.privateKey } }), expect: 'ok' },
    { name: 'changed host key', home: () => ({ knownHosts: `[127.0.0.1]:${sshd.port} ${keys['other']!.publicKey.split(' ').slice(0, 2).join(' ')}\n`, files: { id_ed25519: keys['deploy']!.privateKey } }), expect: 'git_host_key_changed', suffixOnly: true },
    { name: 'the host key marked @revoked (for every host)', home: () => ({ knownHosts: `${known()}@revoked * ${sshd.hostPublicKey}\n`, files: { id_ed25519: keys['deploy']!.privateKey } }), expect: 'git_host_key_changed', suffixOnly: true },
    { name: 'StrictHostKeyChecking no accepts an unknown host', home: () => ({ knownHosts: '', files: { config: 'Host *\n  StrictHostKeyChecking no\n', id_ed25519: keys['deploy']!.privateKey } }), expect: 'ok' },
    { name: 'no key at all', home: () => ({ knownHosts: known() }), expect: 'git_publickey_denied' },
    { name: 'a key the server refuses', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['other']!.privateKey } }), expect: 'git_publickey_denied' },
    { name: 'an authorized key behind a passphrase, no agent', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['locked']!.privateKey } }), expect: 'git_publickey_denied' },
    // Kubernetes mounts a Secret 0644 by default: ssh (as the file's owner) refuses the key it would have been let in with.
    { name: 'the accepted key mounted 0644', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['deploy']!.privateKey }, modes: { id_ed25519: 0o644 } }), expect: 'git_publickey_denied' },
    { name: 'a refused key mounted 0644 (no warning: ssh never loads it)', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['other']!.privateKey }, modes: { id_ed25519: 0o644 } }), expect: 'git_publickey_denied' },
    { name: 'a 0644 key first, then an accepted 0600 one', home: () => ({ knownHosts: known(), files: { id_rsa: keys['other']!.privateKey, id_ed25519: keys['deploy']!.privateKey }, modes: { id_rsa: 0o644 } }), expect: 'ok' },
    { name: 'the key in an agent at SSH_AUTH_SOCK', home: () => ({ knownHosts: known() }), agent: true, expect: 'ok' },
    { name: 'IdentitiesOnly with a refused key ignores the agent', home: () => ({ knownHosts: known(), files: { config: 'IdentitiesOnly yes\nIdentityFile ~/.ssh/other\n', other: keys['other']!.privateKey } }), agent: true, expect: 'git_publickey_denied' },
    { name: 'repository that does not exist', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['deploy']!.privateKey } }), url: () => `ssh://root@127.0.0.1:${sshd.port}${repo}.missing`, expect: 'git_repo_not_found' },
    { name: 'no sshd on the port', home: () => ({ knownHosts: known(), files: { id_ed25519: keys['deploy']!.privateKey } }), url: () => `ssh://root@127.0.0.1:1${repo}`, expect: 'tcp.refused' },
  ];

  for (const c of cases) {
    for (const batch of [true, false]) {
      it(`${c.name} (${batch ? 'BatchMode=yes, go ≤1.24' : 'plain ssh, go 1.27'})`, async () => {
        const home = await makeHome(c.home());
        const u = (c.url ?? url)();
        const sock = c.agent ? agentSock : undefined;
        const [real, mine] = await Promise.all([realGit(home, u, batch, sock), probe(home, u, batch, sock)]);
        // The probe's verdict names the cause it claims.
        if (c.expect === 'ok') {
          expect(real).toMatchObject({ ok: true });
          expect(mine.outcome).toEqual(real);
          expect(mine.result!.refs.find((r) => r.name === 'refs/tags/v1.1.0')?.peeled).toMatch(/^[0-9a-f]{40}$/);
        } else {
          expect(mine.error?.code, mine.error?.message).toBe(c.expect);
          expect(real.ok).toBe(false);
          const realText = (real as { stderr: string }).stderr;
          const mineText = (mine.outcome as { stderr: string }).stderr;
          if (c.suffixOnly) expect(realText.endsWith(mineText), `${realText}\n--- vs ---\n${mineText}`).toBe(true);
          else expect(mineText).toBe(realText);
        }
        // No key material in anything the probe keeps.
        const kept = JSON.stringify({ ...mine.result, config: undefined, error: mine.error ? { message: mine.error.message, evidence: mine.error.evidence, text: mine.error.goError } : undefined });
        for (const k of Object.values(keys)) {
          const body = k.privateKey.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
          for (const line of k.privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(kept).not.toContain(line);
          expect(kept).not.toContain(body.slice(0, 40));
          expect(kept).not.toContain(k.publicKey.split(' ')[1]);
        }
        expect(kept).not.toContain('a pass phrase');
      }, 60_000);
    }
  }

  it('quotes the path as git does for the remote command', () => {
    expect(gitUploadPackCommand('/srv/it\'s!.git')).toBe("git-upload-pack '/srv/it'\\''s'\\!'.git'");
  });
});
