// git's configuration and insteadOf rewriting (src/goenv/gitconfig.ts), checked against the real git binary:
// `git config -l -z` for what is read, `git ls-remote --get-url` for where git goes (it rewrites and exits
// without dialing). Every git runs with a clean environment in a temporary HOME outside any repository,
// never the machine's /etc/gitconfig or ~/.gitconfig.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalGitKey, gitRewrite, parseGitConfig, readGitConfig } from '../../../src/goenv/gitconfig.js';
import { diskInputFs } from '../../../src/inputfile.js';

let dir: string;
let n = 0;

beforeAll(() => {
  // Fails loudly where git is missing: CI installs it.
  execFileSync('git', ['--version']);
  dir = mkdtempSync(join(tmpdir(), 'gmp-gitconfig-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh HOME, and the environment git and the probe both see (no PATH for the probe, which needs none). */
function home(env: Record<string, string> = {}): { home: string; env: Record<string, string> } {
  const h = join(dir, `home${n++}`);
  mkdirSync(h);
  return { home: h, env: { HOME: h, GIT_CONFIG_NOSYSTEM: '1', ...env } };
}

function git(env: Record<string, string>, cwd: string, ...args: string[]): { stdout: string; stderr: string; status: number } {
  const r = spawnSync('git', args, { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GIT_CEILING_DIRECTORIES: dir, ...env }, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr.trim(), status: r.status ?? -1 };
}

/** `git config -l -z`: "key\nvalue\0", or "key\0" for a bare key. */
function gitList(out: string): { key: string; value: string | null }[] {
  return out.split('\0').filter((s) => s !== '').map((s) => {
    const nl = s.indexOf('\n');
    return nl < 0 ? { key: s, value: null } : { key: s.slice(0, nl), value: s.slice(nl + 1) };
  });
}

describe('parseGitConfig agrees with git config -f FILE -l', () => {
  const texts: [string, string][] = [
    ['sections, subsections, case', '[URL "https://Git.Example/"]\n\tInsteadOf = https://x/\n[Core]\n\tEditor=vi\n'],
    ['old-style subsection lowercased', '[url.foo]\ninsteadof = bar\n'],
    ['quoted subsection escapes', '[url "a\\"b\\\\c\\d"]\ninsteadOf = x\n'],
    ['values: quotes, escapes, comments, inner spaces', '[a]\nb = " lead" mid  \t tab ; comment\nc = x\\ty\\n\\\\\\"z # c\nd = "semi;colon#hash"\n'],
    ['continuation lines', '[a]\nb = one \\\n  two\n'],
    ['bare key is true', '[a]\n\tflag\n\tother = \n'],
    ['CRLF and BOM', '\uFEFF[a]\r\nb = c\r\n'],
    ['section and key on one line, key before any section', 'top = 1\n[a] b = c\n'],
    ['no newline at the end', '[a]\nb = c'],
    ['comment lines', '# x\n; y\n[a] # z\nb=1 ; w\n'],
  ];
  for (const [name, text] of texts) {
    it(name, () => {
      const file = join(dir, `parse${n++}`);
      writeFileSync(file, text);
      const g = git({}, dir, 'config', '-f', file, '-l', '-z');
      expect(g.status, g.stderr).toBe(0);
      const ours = parseGitConfig(text, file);
      expect(ours.error).toBeUndefined();
      expect(ours.entries.map(({ key, value }) => ({ key, value }))).toEqual(gitList(g.stdout));
    });
  }

  const bad: [string, string][] = [
    ['unterminated section at the end', '[a]\nb=1\n[foo'],
    ['unterminated subsection', '[foo "a\nb=1\n'],
    ['unterminated quote', '[a]\nb="x\n'],
    ['unterminated quote at the end', '[a]\nb="x'],
    ['unknown escape', '[a]\n\nb = \\q\n'],
    ['key with a bad character', '[a]\nb_c = 1\n'],
    ['line starting with a digit', '[a]\n1b = 1\n'],
    ['empty section', '[]\n'],
    ['old-style with a slash', '[url.https://x/]\n'],
    ['missing =', '[a]\nb c\n'],
  ];
  for (const [name, text] of bad) {
    it(`fails as git does: ${name}`, () => {
      const file = join(dir, `bad${n++}`);
      writeFileSync(file, text);
      const g = git({}, dir, 'config', '-f', file, '-l', '-z');
      expect(g.status).not.toBe(0);
      expect(parseGitConfig(text, file).error).toBe(g.stderr);
    });
  }
});

describe('readGitConfig reads the files git reads, in its order', () => {
  async function agree(env: Record<string, string>, cwd: string): Promise<void> {
    const g = git(env, cwd, 'config', '-l', '-z');
    const ours = await readGitConfig(env, diskInputFs);
    if (g.status !== 0) {
      expect(ours.error).toBe(g.stderr);
      return;
    }
    expect(ours.error).toBeUndefined();
    expect(ours.entries.map(({ key, value }) => ({ key, value }))).toEqual(gitList(g.stdout));
  }

  it('system, XDG, ~/.gitconfig and GIT_CONFIG_COUNT', async () => {
    const h = home();
    const system = join(h.home, 'system');
    writeFileSync(system, '[s]\n\tv = system\n');
    mkdirSync(join(h.home, '.config', 'git'), { recursive: true });
    writeFileSync(join(h.home, '.config', 'git', 'config'), '[s]\n\tv = xdg\n');
    writeFileSync(join(h.home, '.gitconfig'), '[s]\n\tv = home\n');
    const env = { ...h.env, GIT_CONFIG_NOSYSTEM: '0', GIT_CONFIG_SYSTEM: system, GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'URL.https://A/.InsteadOf', GIT_CONFIG_VALUE_0: 'https://b/', GIT_CONFIG_KEY_1: 's.v', GIT_CONFIG_VALUE_1: '' };
    await agree(env, h.home);
    const ours = await readGitConfig(env, diskInputFs);
    expect(ours.files).toEqual([system, join(h.home, '.config/git/config'), join(h.home, '.gitconfig')]);
    expect(ours.entries.map((e) => e.value)).toEqual(['system', 'xdg', 'home', 'https://b/', '']);
    // GIT_CONFIG_NOSYSTEM=yes drops the system file.
    await agree({ ...env, GIT_CONFIG_NOSYSTEM: 'yes' }, h.home);
    // XDG_CONFIG_HOME moves the XDG file.
    mkdirSync(join(h.home, 'xdg', 'git'), { recursive: true });
    writeFileSync(join(h.home, 'xdg', 'git', 'config'), '[s]\n\tv = moved\n');
    await agree({ ...env, XDG_CONFIG_HOME: join(h.home, 'xdg') }, h.home);
  });

  it('GIT_CONFIG_GLOBAL replaces both global files; empty reads none', async () => {
    const h = home();
    writeFileSync(join(h.home, '.gitconfig'), '[s]\n\tv = home\n');
    writeFileSync(join(h.home, 'g'), '[s]\n\tv = global\n');
    await agree({ ...h.env, GIT_CONFIG_GLOBAL: join(h.home, 'g') }, h.home);
    expect((await readGitConfig({ ...h.env, GIT_CONFIG_GLOBAL: join(h.home, 'g') }, diskInputFs)).files).toEqual([join(h.home, 'g')]);
    await agree({ ...h.env, GIT_CONFIG_GLOBAL: '/dev/null' }, h.home);
    await agree({ ...h.env, GIT_CONFIG_GLOBAL: join(h.home, 'missing') }, h.home);
  });

  it('follows include.path (relative, ~/, nested, missing) where it stands; notes includeIf', async () => {
    const h = home();
    mkdirSync(join(h.home, 'inc'));
    writeFileSync(join(h.home, '.gitconfig'), '[s]\n\tv = before\n[include]\n\tpath = inc/one\n\tpath = ~/missing\n[includeIf "gitdir:/nowhere/"]\n\tpath = ~/inc/never\n[s]\n\tv = after\n');
    writeFileSync(join(h.home, 'inc', 'one'), '[url "ssh://git@one/"]\n\tinsteadOf = https://one/\n[include]\n\tpath = two\n');
    writeFileSync(join(h.home, 'inc', 'two'), '[s]\n\tv = two\n');
    writeFileSync(join(h.home, 'inc', 'never'), '[s]\n\tv = never\n');
    await agree(h.env, h.home);
    const ours = await readGitConfig(h.env, diskInputFs);
    expect(ours.files).toEqual([join(h.home, '.gitconfig'), join(h.home, 'inc/one'), join(h.home, 'inc/two')]);
    expect(ours.notes).toEqual([`${join(h.home, '.gitconfig')}:7: includeIf "gitdir:/nowhere/" not evaluated (it depends on the repository go creates); its file ~/inc/never is not read`]);
  });

  it('fails as git does: circular include, bad line in an included file, bad GIT_CONFIG_COUNT entries', async () => {
    const h = home();
    writeFileSync(join(h.home, '.gitconfig'), '[include]\n\tpath = .gitconfig\n');
    await agree(h.env, h.home);
    expect((await readGitConfig(h.env, diskInputFs)).error).toMatch(/exceeded maximum include depth \(10\)/);
    writeFileSync(join(h.home, '.gitconfig'), '[include]\n\tpath = bad\n');
    writeFileSync(join(h.home, 'bad'), '[a]\n\tb = "x\n');
    await agree(h.env, h.home);
    writeFileSync(join(h.home, '.gitconfig'), '');
    await agree({ ...h.env, GIT_CONFIG_COUNT: 'x' }, h.home);
    await agree({ ...h.env, GIT_CONFIG_COUNT: '1' }, h.home);
    await agree({ ...h.env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'a.b' }, h.home);
    await agree({ ...h.env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'nosection', GIT_CONFIG_VALUE_0: 'v' }, h.home);
    await agree({ ...h.env, GIT_CONFIG_COUNT: '', GIT_CONFIG_KEY_0: 'a.b', GIT_CONFIG_VALUE_0: 'v' }, h.home);
  });

  it('canonicalGitKey lowercases section and variable, keeps the subsection', () => {
    expect(canonicalGitKey('URL.HTTPS://X/.InsteadOf')).toBe('url.HTTPS://X/.insteadof');
    expect(() => canonicalGitKey('a.')).toThrow(/does not contain variable name/);
  });
});

describe('gitRewrite agrees with git ls-remote --get-url', () => {
  const config = [
    '[url "ssh://git@git.example.com:2222/"]',
    '\tinsteadOf = https://git.example.com/',
    '\tpushInsteadOf = https://git.example.com/group/',
    '[url "https://mirror.example/group/"]',
    '\tinsteadOf = https://git.example.com/group/',
    '[url "git@short:"]',
    '\tinsteadOf = https://git.example.com/gr',
    '[url "https://first/"]',
    '\tinsteadOf = https://tie/',
    '[url "https://second/"]',
    '\tinsteadOf = https://tie/',
    '\tinsteadOf = https://tie/a',
    '[url "https://case/"]',
    '\tinsteadOf = https://CASE.example/',
    '',
  ].join('\n');
  const urls = [
    'https://git.example.com/other/repo',
    'https://git.example.com/group/repo',
    'https://git.example.com/grx/repo',
    'https://tie/x',
    'https://tie/a/b',
    'https://case.example/x',
    'https://CASE.example/x',
    'https://untouched.example/repo',
  ];

  it.each(urls)('%s', async (url) => {
    const h = home();
    writeFileSync(join(h.home, '.gitconfig'), config);
    const g = git(h.env, h.home, 'ls-remote', '--get-url', url);
    expect(g.status, g.stderr).toBe(0);
    const cfg = await readGitConfig(h.env, diskInputFs);
    expect(gitRewrite(cfg.entries, url).url).toBe(g.stdout.trim());
  });

  it('names the rule that applied', () => {
    const r = gitRewrite(parseGitConfig(config, '/h/.gitconfig').entries, 'https://git.example.com/group/repo');
    expect(r).toEqual({ url: 'https://mirror.example/group/repo', rule: { base: 'https://mirror.example/group/', insteadOf: 'https://git.example.com/group/', origin: '/h/.gitconfig:5' } });
  });

  it('an insteadOf without a value makes git die: same text', async () => {
    const h = home();
    writeFileSync(join(h.home, '.gitconfig'), '[url "ssh://x/"]\n\tinsteadOf = https://a/\n[url "X"]\n\tinsteadOf\n');
    const g = git(h.env, h.home, 'ls-remote', '--get-url', 'https://a/b');
    expect(g.status).toBe(128);
    expect(gitRewrite((await readGitConfig(h.env, diskInputFs)).entries, 'https://a/b').error).toBe(g.stderr);
  });
});
