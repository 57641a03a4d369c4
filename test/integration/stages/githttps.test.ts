// The https git hop against the real `git http-backend` (src/lab/git-http.ts) behind Basic auth, judged
// against the real git: for each case `git ls-remote -q` runs with the same HOME, configuration and
// credentials (GIT_TERMINAL_PROMPT=0, as go runs it), and the probe's verdict and git's stderr must be
// git's. The server listens on 127.77.16.1:443 (a loopback address of its own, so the go-import page
// is where go asks for it) and serves git.lab.test/team/mod and git.lab.test/private/mod (Basic auth).

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGitHttp } from '../../../src/lab/git-http.js';
import { chainPem, issue } from '../../../src/lab/pki.js';
import type { HttpServing } from '../../../src/lab/serve.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, labPki, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';

const HOST = 'git.lab.test';
const USER = 'builder';
const PASSWORD = 'lab-git-token-3141';
const ADDRESS = '127.77.16.1';
const MODULE = `${HOST}/team/mod`;
const PRIVATE_MODULE = `${HOST}/private/mod`;

let lab: LabTarget;
let git: HttpServing;
let root: string;
let caFile: string;

const run = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1' }, encoding: 'utf8' });

function bareRepo(name: string, module: string): void {
  const work = join(root, `work-${name.replace(/\W/g, '_')}`);
  run(root, 'init', '-q', '--bare', name);
  run(root, 'init', '-q', work);
  writeFileSync(join(work, 'go.mod'), `module ${module}\n\ngo 1.21\n`);
  run(work, 'add', 'go.mod');
  run(work, 'commit', '-q', '-m', 'one');
  run(work, 'tag', 'v1.0.0');
  run(work, 'tag', '-a', '-m', 'annotated', 'v1.2.0');
  run(work, 'push', '-q', join(root, name), 'HEAD:refs/heads/main', '--tags');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gmp-githttps-'));
  bareRepo('team/mod.git', MODULE);
  bareRepo('private/mod.git', PRIVATE_MODULE);
  lab = await startLab();
  const pki = labPki();
  const leaf = issue({ commonName: HOST, sans: [HOST] }, pki.intermediate);
  git = await serveGitHttp({
    host: ADDRESS, port: 443, tls: { cert: chainPem(leaf, pki.intermediate), key: leaf.keyPem }, projectRoot: root,
    auth: { prefix: '/private/', user: USER, password: PASSWORD },
    goImport: (path) => (/^(team|private)\/mod$/.test(path) ? `<html><head><meta name="go-import" content="${HOST}/${path} git https://${HOST}/${path}.git"></head></html>` : undefined),
  });
  lab.dns.set(HOST, { a: [ADDRESS], ttl: 30 });
  caFile = join(root, 'lab-ca.pem');
  writeFileSync(caFile, pki.root.certPem);
}, 60_000);

afterAll(async () => {
  await git?.close();
  await lab?.close();
  cleanupRuns();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Case {
  /** ~/.gitconfig. */
  readonly gitconfig?: string;
  readonly files?: Record<string, string>;
  readonly env?: Record<string, string | undefined>;
  readonly module?: string;
  /** An insteadOf rewrite of https://git.lab.test/ to this. */
  readonly base?: string;
}

/** The probe with the case's git setup, and the real git's ls-remote with the same. */
async function both(c: Case): Promise<{ probe: ProbeRun; git: { status: number | null; stderr: string; stdout: string }; dir: string }> {
  const gitconfig = `${c.base ? `[url "${c.base}"]\n\tinsteadOf = https://${HOST}/\n` : ''}${c.gitconfig ?? ''}`;
  const module = c.module ?? `${MODULE}@v1.0.0`;
  const env = { GOPRIVATE: HOST, GIT_CONFIG_NOSYSTEM: '1', GIT_SSL_CAINFO: caFile, ...c.env };
  const probe = await probeLab(lab, { files: { '.gitconfig': gitconfig, ...c.files }, env, modules: [module] });
  // The same HOME for git: the probe's run dir holds .gitconfig, .netrc, .git-credentials.
  const dir = probe.dir;
  const path = module.split('@')[0]!;
  const env2 = Object.fromEntries(Object.entries({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GIT_TERMINAL_PROMPT: '0', ...env }).filter((e): e is [string, string] => e[1] !== undefined));
  // Asynchronously: the probe's lab servers live in this process.
  const r = await new Promise<{ status: number | null; stderr: string; stdout: string }>((resolve) => {
    const child = spawn('git', ['-c', `http.curloptResolve=${HOST}:443:${ADDRESS}`, 'ls-remote', '-q', `https://${path}.git`], { cwd: dir, env: env2, timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  return { probe, git: r, dir };
}

/** git's stderr as the probe predicts it: the tab-indented lines of goError after go's first line. */
function predictedGitStderr(goError: string | undefined): string {
  const lines = (goError ?? '').split('\n').slice(1).filter((l) => l.startsWith('\t')).map((l) => l.slice(1));
  return lines.join('\n');
}

describe('the https git hop agrees with git ls-remote', () => {
  it('a public repository with the tag: git lists it, the probe passes', async () => {
    const { probe, git: g } = await both({});
    expect(g.status, g.stderr).toBe(0);
    expect(g.stdout).toContain('refs/tags/v1.0.0');
    expect(probe.report.failure, JSON.stringify(probe.report.failure)).toBeUndefined();
    expect(probe.exitCode).toBe(0);
    // git's host is egress the pod needs, like go's own: named for both reasons go dials it (the go-import
    // page, then git's repository), never as a bare leftover.
    const egress = (probe.report as unknown as { egress: { host: string; why: { kind: string; text: string }[] }[] }).egress;
    const gitHost = egress.find((e) => e.host === HOST);
    expect(gitHost?.why.map((w) => w.kind)).toEqual(['direct', 'git']);
    expect(gitHost?.why[1]!.text).toBe(`git repository host of ${MODULE} (go runs git ls-remote)`);
    expect(egress.some((e) => e.why.some((w) => w.kind === 'unattributed'))).toBe(false);
    // The annotated tag resolves to the commit git lists for it (the peeled "^{}" one), as go records it.
    const peeled = /^([0-9a-f]{40})\trefs\/tags\/v1\.0\.0\^\{\}$/m.exec(g.stdout)?.[1];
    const git = (probe.stage('proxy').evidence['modules'] as { git?: Record<string, unknown> }[])[0]!.git;
    expect(git).toMatchObject({ tag: 'refs/tags/v1.0.0', transport: 'https' });
    expect(git!['commit']).toBe(peeled ?? /^([0-9a-f]{40})\trefs\/tags\/v1\.0\.0$/m.exec(g.stdout)?.[1]);
    expect(git!['annotated']).toBe(peeled !== undefined);
    expect(probe.report.requests?.map((r) => r.url) ?? []).toContain(`https://${HOST}/team/mod.git/info/refs?service=git-upload-pack`);
  }, 60_000);

  it('an annotated tag resolves to the commit it peels to (the "^{}" line git lists), as go records it', async () => {
    const { probe, git: g } = await both({ module: `${MODULE}@v1.2.0` });
    expect(g.status).toBe(0);
    const peeled = /^([0-9a-f]{40})\trefs\/tags\/v1\.2\.0\^\{\}$/m.exec(g.stdout)?.[1];
    expect(peeled).toBeDefined();
    const git = (probe.stage('proxy').evidence['modules'] as { git?: Record<string, unknown> }[])[0]!.git;
    expect(git).toMatchObject({ tag: 'refs/tags/v1.2.0', commit: peeled, annotated: true });
  }, 60_000);

  it('a missing tag: git lists the refs, go fails on the version (proxy.git_revision_not_found)', async () => {
    const { probe, git: g } = await both({ module: `${MODULE}@v1.0.1` });
    expect(g.status).toBe(0);
    expect(g.stdout).not.toContain('refs/tags/v1.0.1');
    expect(probe.exitCode).toBe(13);
    expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_revision_not_found' });
    expect(probe.report.failure!.goError).toBe(`${MODULE}@v1.0.1: invalid version: unknown revision v1.0.1`);
  }, 60_000);

  it('latest resolves to the highest tag', async () => {
    const { probe, git: g } = await both({ module: `${MODULE}@latest` });
    expect(g.status).toBe(0);
    expect(probe.exitCode).toBe(0);
    const modules = (probe.stage('proxy').evidence['modules'] as { version?: string }[]);
    expect(modules[0]!.version).toBe('v1.2.0');
  }, 60_000);

  it('a repository that does not exist: proxy.git_repo_not_found with git\'s text', async () => {
    const { probe, git: g } = await both({ module: `${MODULE}@v1.0.0`, base: `https://${HOST}/team/nope/` });
    expect(g.status).toBe(128);
    expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_repo_not_found' });
    expect(predictedGitStderr(probe.report.failure!.goError)).toBe(g.stderr.trimEnd());
  }, 60_000);

  it('no credentials for the private repository: proxy.git_auth_required, git\'s prompt error and go\'s help text', async () => {
    const { probe, git: g } = await both({ module: `${PRIVATE_MODULE}@v1.0.0` });
    expect(g.status).toBe(128);
    expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_auth_required' });
    expect(probe.report.failure!.hint).toMatch(/\.netrc/);
    const goError = probe.report.failure!.goError!;
    expect(goError).toMatch(new RegExp(`^${PRIVATE_MODULE.replace(/\./g, '\\.')}@v1\\.0\\.0: invalid version: git ls-remote -q --end-of-options https://${HOST.replace(/\./g, '\\.')}/private/mod\\.git in .*/cache/vcs/[0-9a-f]{64}: exit status 128:\n\t`));
    expect(goError).toContain('Confirm the import path was entered correctly.');
    expect(predictedGitStderr(goError)).toBe(g.stderr.trimEnd());
  }, 60_000);

  it('.netrc right: git gets in, the probe passes', async () => {
    const { probe, git: g } = await both({ module: `${PRIVATE_MODULE}@v1.0.0`, files: { '.netrc': `machine ${HOST} login ${USER} password ${PASSWORD}\n` } });
    expect(g.status, g.stderr).toBe(0);
    expect(probe.report.failure, JSON.stringify(probe.report.failure)).toBeUndefined();
  }, 60_000);

  it('.netrc wrong: git says the same as with none; the probe names the rejected .netrc (proxy.git_auth_failed)', async () => {
    const { probe, git: g } = await both({ module: `${PRIVATE_MODULE}@v1.0.0`, files: { '.netrc': `machine ${HOST} login ${USER} password wrong-password\n` } });
    expect(g.status).toBe(128);
    expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_auth_failed' });
    expect(predictedGitStderr(probe.report.failure!.goError)).toBe(g.stderr.trimEnd());
  }, 60_000);

  it('credential.helper=store right, and wrong ("Authentication failed")', async () => {
    const store = (password: string): Case => ({ module: `${PRIVATE_MODULE}@v1.0.0`, gitconfig: '[credential]\n\thelper = store\n', files: { '.git-credentials': `https://${USER}:${password}@${HOST}\n` } });
    const ok = await both(store(PASSWORD));
    expect(ok.git.status, ok.git.stderr).toBe(0);
    expect(ok.probe.report.failure, JSON.stringify(ok.probe.report.failure)).toBeUndefined();
    const bad = await both(store('wrong-password'));
    expect(bad.git.status).toBe(128);
    expect(bad.probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_auth_failed' });
    expect(predictedGitStderr(bad.probe.report.failure!.goError)).toBe(bad.git.stderr.trimEnd());
  }, 90_000);

  it('user:password in the rewritten URL, right and wrong', async () => {
    const ok = await both({ module: `${PRIVATE_MODULE}@v1.0.0`, base: `https://${USER}:${PASSWORD}@${HOST}/` });
    expect(ok.git.status, ok.git.stderr).toBe(0);
    expect(ok.probe.report.failure, JSON.stringify(ok.probe.report.failure)).toBeUndefined();
    const bad = await both({ module: `${PRIVATE_MODULE}@v1.0.0`, base: `https://${USER}:nope-nope@${HOST}/` });
    expect(bad.git.status).toBe(128);
    expect(bad.probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.git_auth_failed' });
    expect(predictedGitStderr(bad.probe.report.failure!.goError)).toBe(bad.git.stderr.trimEnd());
  }, 90_000);

  it('http.extraHeader with the credentials: git gets in, the probe passes', async () => {
    const header = `Authorization: Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const { probe, git: g } = await both({ module: `${PRIVATE_MODULE}@v1.0.0`, gitconfig: `[http "https://${HOST}/private/"]\n\textraHeader = ${header}\n` });
    expect(g.status, g.stderr).toBe(0);
    expect(probe.report.failure, JSON.stringify(probe.report.failure)).toBeUndefined();
  }, 60_000);

  it('a credential helper the probe cannot run: an info finding "not checked", not a failure', async () => {
    const { probe } = await both({ module: `${PRIVATE_MODULE}@v1.0.0`, gitconfig: '[credential]\n\thelper = !/usr/local/bin/corp-token-helper --secret-flag\n' });
    expect(probe.report.failure).toBeUndefined();
    const findings = probe.stage('proxy').findings.filter((f) => f.code === 'proxy.git_not_checked');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('!/usr/local/bin/corp-token-helper');
    // The helper's arguments may hold a token: never shown.
    expect(JSON.stringify(probe.report)).not.toContain('--secret-flag');
  }, 60_000);

  it("a CA go trusts and git does not (SSL_CERT_FILE only): proxy.tls.unknown_authority with git's text", async () => {
    const { probe, git: g } = await both({ env: { GIT_SSL_CAINFO: undefined } });
    expect(g.status).toBe(128);
    expect(probe.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.tls.unknown_authority' });
    expect(probe.report.failure!.hint).toMatch(/GIT_SSL_CAINFO|http\.sslCAInfo/);
    expect(predictedGitStderr(probe.report.failure!.goError)).toBe(g.stderr.trimEnd());
  }, 60_000);
});

describe('the go-import page behind Basic auth (a private GitLab group)', () => {
  const PRIV_HOST = 'gitpriv.lab.test';
  const PRIV_ADDRESS = '127.77.16.3';
  let priv: HttpServing;
  beforeAll(async () => {
    const pki = labPki();
    const leaf = issue({ commonName: PRIV_HOST, sans: [PRIV_HOST] }, pki.intermediate);
    priv = await serveGitHttp({
      host: PRIV_ADDRESS, port: 443, tls: { cert: chainPem(leaf, pki.intermediate), key: leaf.keyPem }, projectRoot: root,
      auth: { prefix: '/private/', user: USER, password: PASSWORD, pages: true },
      goImport: (path) => (path === 'private/mod' ? `<meta name="go-import" content="${PRIV_HOST}/private/mod git https://${PRIV_HOST}/private/mod.git">` : undefined),
    });
    lab.dns.set(PRIV_HOST, { a: [PRIV_ADDRESS], ttl: 30 });
  });
  afterAll(async () => {
    await priv?.close();
  });
  const env = { GOPRIVATE: PRIV_HOST, GIT_CONFIG_NOSYSTEM: '1', GIT_SSL_CAINFO: '{dir}/ca.pem' };

  it("without credentials go's ?go-get=1 gets 401: the hint names the .netrc go sends there", async () => {
    const run = await probeLab(lab, { env, modules: [`${PRIV_HOST}/private/mod@v1.0.0`] });
    expect(run.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.direct_failed' });
    expect(run.report.failure!.goError).toBe(`${PRIV_HOST}/private/mod@v1.0.0: unrecognized import path "${PRIV_HOST}/private/mod": reading https://${PRIV_HOST}/private/mod?go-get=1: 401 Unauthorized`);
    expect(run.report.failure!.hint).toMatch(/\.netrc/);
  }, 60_000);

  it('with a .netrc go gets the page and git the refs: the probe passes', async () => {
    const run = await probeLab(lab, { env, modules: [`${PRIV_HOST}/private/mod@v1.0.0`], files: { '.netrc': `machine ${PRIV_HOST} login ${USER} password ${PASSWORD}\n` } });
    expect(run.report.failure, JSON.stringify(run.report.failure)).toBeUndefined();
    expect(run.exitCode).toBe(0);
  }, 60_000);
});

describe('secrets of the git hop stay out of every output', () => {
  it('passwords from .netrc, the credential store, the URL and extra headers never appear', async () => {
    const header = `X-Deploy-Token: hdr-secret-2718281828`;
    const runs = await Promise.all([
      both({ module: `${PRIVATE_MODULE}@v1.0.0`, files: { '.netrc': `machine ${HOST} login ${USER} password netrc-secret-161803\n` } }),
      both({ module: `${PRIVATE_MODULE}@v1.0.0`, gitconfig: '[credential]\n\thelper = store\n', files: { '.git-credentials': `https://${USER}:store-secret-141421@${HOST}\n` } }),
      both({ module: `${PRIVATE_MODULE}@v1.0.0`, base: `https://${USER}:url-secret-173205@${HOST}/` }),
      both({ module: `${PRIVATE_MODULE}@v1.0.0`, gitconfig: `[http]\n\textraHeader = ${header}\n` }),
    ]);
    for (const r of runs) {
      const outputs = [JSON.stringify(r.probe.report), r.probe.termination, r.probe.metrics, r.probe.lines.map((l) => JSON.stringify(l)).join('\n')].join('\n');
      for (const secret of ['netrc-secret-161803', 'store-secret-141421', 'url-secret-173205', 'hdr-secret-2718281828', Buffer.from(`${USER}:netrc-secret-161803`).toString('base64')]) {
        expect(outputs).not.toContain(secret);
      }
    }
  }, 120_000);
});

afterAll(() => resetLab(lab));
