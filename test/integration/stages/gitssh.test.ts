// The ssh side of the git hop through the whole probe: a module whose repository an insteadOf line in
// ~/.gitconfig sends to a real sshd on loopback (ssh://root@127.0.0.1:PORT/...), the probe's verdict and
// go's wrapped git text judged against the real `git ls-remote -q` of the rewritten URL run with the same
// HOME (bind-mounted over /root for ssh, which reads the passwd home) and GIT_SSH_COMMAND as go ≤1.24
// sets it. The module is on a host go knows from the path (github.com: vcs.go's vcsPaths), so no go-import
// page is needed and go hands git https://github.com/team/mod as it is. Key bytes never reach an output.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { makeBareRepo, runWithRootHome, sshKeygen, sshPrerequisites, startSshd, type Sshd } from '../../e2e/lab/sshd.js';
import { cleanupRuns, probeLab, startLab, type ProbeRun } from './harness.js';

const missing = sshPrerequisites();
if (missing && process.env['CI']) throw new Error(`the ssh git hop test cannot run: ${missing}`);

// Not a ".git" path: go pings several schemes for one of those and hides git's text behind "no secure
// protocol found for repository" (the e2e lab's git-dotgit-* scenarios).
const HOST = 'github.com';
const MODULE = `${HOST}/team/mod`;

describe.skipIf(!!missing && !process.env['CI'])('the ssh git hop through the probe agrees with git ls-remote over ssh', () => {
  let lab: LabTarget;
  let sshd: Sshd;
  let root: string;
  const keys: Record<string, { privateKey: string; publicKey: string }> = {};

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gmp-gitssh-'));
    mkdirSync(join(root, 'srv', 'team'), { recursive: true });
    await makeBareRepo(join(root, 'srv', 'team', 'mod.git'), MODULE, ['v1.0.0']);
    keys['deploy'] = await sshKeygen(join(root, 'deploy'), 'ed25519', '', 'deploy@lab');
    keys['other'] = await sshKeygen(join(root, 'other'), 'ed25519', '', 'other@lab');
    sshd = await startSshd({ dir: join(root, 'sshd'), address: '127.0.0.1', authorizedKeys: [keys['deploy'].publicKey] });
    // github.com has no address in the lab: go never dials it here (a vcsPaths host needs no go-import page) and git's
    // insteadOf sends git to the sshd, so a probe that looked it up would fail where go does not.
    lab = await startLab();
  }, 90_000);

  afterAll(async () => {
    await sshd?.stop();
    await lab?.close();
    cleanupRuns();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  interface Case {
    readonly module?: string;
    readonly knownHosts?: () => string;
    /** The key file (0600) ~/.ssh/config names with IdentityFile. */
    readonly identityFile?: string;
    /** A key written as ~/.ssh/id_ed25519 by the harness, mode 0644 (a Secret's default mode). */
    readonly key0644?: string;
    readonly port?: () => number;
    /** Run the built bundle (its ssh2 is the pure-JavaScript unit, without native addons). */
    readonly cli?: boolean;
  }

  async function both(c: Case): Promise<{ probe: ProbeRun; git: { code: number | null; stderr: string } }> {
    const port = c.port?.() ?? sshd.port;
    const base = `ssh://root@127.0.0.1:${port}${root}/srv/`;
    const files: Record<string, string> = {
      '.gitconfig': `[url "${base}"]\n\tinsteadOf = https://${HOST}/\n`,
      '.ssh/known_hosts': c.knownHosts?.() ?? `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`,
      ...(c.identityFile ? { '.ssh/config': `Host 127.0.0.1\n  IdentityFile ${c.identityFile}\n` } : {}),
      ...(c.key0644 ? { '.ssh/id_ed25519': c.key0644 } : {}),
    };
    const module = c.module ?? `${MODULE}@v1.0.0`;
    // go 1.23 as the modelled go: BatchMode=yes.
    const env = { GOPRIVATE: HOST, GIT_CONFIG_NOSYSTEM: '1', GOMODPROBE_GO_VERSION: 'go1.23.5' };
    const probe = await probeLab(lab, { files, env, modules: [module], ...(c.cli ? { mode: 'cli' as const } : {}) });
    // The URL go hands git for a vcsPaths host: https://<root> (vcs.go's repo pattern).
    const path = module.split('@')[0]!;
    const r = await runWithRootHome(probe.dir, ['git', 'ls-remote', '-q', `https://${path}`], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: 'ssh -o ControlMaster=no -o BatchMode=yes' },
    });
    // ssh names the key under its passwd home (/root under the bind mount); the probe under HOME.
    return { probe, git: { code: r.code, stderr: r.stderr.trimEnd().replaceAll('/root/', `${probe.dir}/`) } };
  }

  /** git's stderr as the probe predicts it: the tab-indented lines of goError after go's first line. */
  const predicted = (goError: string | undefined): string => (goError ?? '').split('\n').slice(1).filter((l) => l.startsWith('\t')).map((l) => l.slice(1)).join('\n');

  function noKeyMaterial(run: ProbeRun): void {
    const outputs = [JSON.stringify(run.report), run.lines.map((l) => JSON.stringify(l)).join('\n'), run.termination, run.metrics, run.stderr];
    for (const k of Object.values(keys)) {
      const body = k.privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
      for (const out of outputs) {
        for (const line of body) expect(out).not.toContain(line);
        expect(out).not.toContain('BEGIN OPENSSH PRIVATE KEY');
      }
    }
  }

  it('an accepted deploy key and a known host: git lists the tag, the probe passes', async () => {
    const { probe, git } = await both({ identityFile: join(root, 'deploy') });
    expect(git.code, git.stderr).toBe(0);
    expect(probe.report.failure, JSON.stringify(probe.report.failure)).toBeUndefined();
    expect(probe.exitCode).toBe(0);
    // The ssh host is egress the pod needs (git's, not go's), reached; github.com itself is not dialed.
    const egress = (probe.report as unknown as { egress: { host: string; port: number; why: { kind: string }[]; reached: boolean }[] }).egress;
    expect(egress.find((e) => e.host === '127.0.0.1' && e.port === sshd.port)).toMatchObject({ reached: true, why: [expect.objectContaining({ kind: 'git' })] });
    expect(egress.some((e) => e.host === HOST)).toBe(false);
    noKeyMaterial(probe);
  }, 60_000);

  it('the same through the built bundle (ssh2 as its packed unit), and a refused key through it', async () => {
    const ok = await both({ identityFile: join(root, 'deploy'), cli: true });
    expect(ok.git.code, ok.git.stderr).toBe(0);
    expect(ok.probe.report.failure, JSON.stringify(ok.probe.report.failure)).toBeUndefined();
    const refused = await both({ identityFile: join(root, 'other'), cli: true });
    expect(refused.probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_publickey_denied' });
    expect(predicted(refused.probe.report.failure!.goError)).toBe(refused.git.stderr);
    noKeyMaterial(refused.probe);
  }, 60_000);

  it('a missing tag: proxy.git_revision_not_found with go\'s text', async () => {
    const { probe, git } = await both({ identityFile: join(root, 'deploy'), module: `${MODULE}@v1.0.1` });
    expect(git.code).toBe(0);
    expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_revision_not_found' });
    expect(probe.report.failure!.goError).toBe(`${MODULE}@v1.0.1: invalid version: unknown revision v1.0.1`);
  }, 60_000);

  const failures: [string, Case, string, RegExp][] = [
    ['an unknown host key', { knownHosts: () => '' }, 'proxy.git_host_key_unknown', /known_hosts/],
    ['a key the server refuses', { identityFile: 'other' }, 'proxy.git_publickey_denied', /deploy key/],
    ['the accepted key mounted 0644', { key0644: 'deploy' }, 'proxy.git_publickey_denied', /defaultMode: 0400/],
    ['no sshd on the port', { port: () => 1 }, 'proxy.tcp.refused', /127\.0\.0\.1/],
  ];
  for (const [name, c, cause, hint] of failures) {
    it(`${name}: ${cause} with git's text, wrapped as go wraps it`, async () => {
      const { probe, git } = await both({
        ...c,
        ...(c.key0644 ? { key0644: keys[c.key0644]!.privateKey } : { identityFile: join(root, c.identityFile ?? 'deploy') }),
      });
      expect(git.code).toBe(128);
      expect(probe.exitCode).toBe(13);
      expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause });
      expect(probe.report.failure!.hint).toMatch(hint);
      const goError = probe.report.failure!.goError!;
      expect(goError).toMatch(/: git ls-remote -q origin in .*\/cache\/vcs\/[0-9a-f]{64}: exit status 128:\n\t/);
      expect(predicted(goError)).toBe(git.stderr);
      noKeyMaterial(probe);
      const egress = (probe.report as unknown as { egress: { host: string; port: number; reached: boolean; failure?: { cause: string } }[] }).egress;
      const port = c.port?.() ?? sshd.port;
      expect(egress.find((e) => e.host === '127.0.0.1' && e.port === port)).toMatchObject(cause === 'proxy.tcp.refused' ? { reached: false, failure: { cause: 'tcp.refused' } } : { reached: true });
    }, 60_000);
  }
});
