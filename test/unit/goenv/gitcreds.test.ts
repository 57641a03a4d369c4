// The credentials git finds without a terminal (src/goenv/gitcreds.ts), against the real git:
// `git credential fill` with GIT_TERMINAL_PROMPT=0 in a temporary HOME answers with what the store helper
// found, or fails with the text go would wrap. Helpers the probe cannot run are listed, not judged.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGitConfig } from '../../../src/goenv/gitconfig.js';
import { credentialHelpers, gitCredentialFill } from '../../../src/goenv/gitcreds.js';
import { diskInputFs } from '../../../src/inputfile.js';

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gmp-gitcreds-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** git credential fill for a URL: the username and password it prints, or its error. */
function gitFill(env: Record<string, string>, url: string): { username?: string; password?: string; error?: string } {
  const r = spawnSync('git', ['credential', 'fill'], {
    cwd: env['HOME'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GIT_TERMINAL_PROMPT: '0', GIT_CEILING_DIRECTORIES: dir, ...env },
    input: `url=${url}\n\n`,
    encoding: 'utf8',
  });
  if (r.status !== 0) return { error: r.stderr.trim().split('\n').pop()! };
  const fields = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { username: fields['username'], password: fields['password'] };
}

async function agree(gitconfig: string, files: Record<string, string>, url: string, extraEnv: Record<string, string> = {}): Promise<void> {
  const home = join(dir, `home${n++}`);
  mkdirSync(join(home, '.config', 'git'), { recursive: true });
  writeFileSync(join(home, '.gitconfig'), gitconfig);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(home, name), text);
  const env = { HOME: home, GIT_CONFIG_NOSYSTEM: '1', ...extraEnv };
  const g = gitFill(env, url);
  const cfg = await readGitConfig(env, diskInputFs);
  const ours = await gitCredentialFill(cfg.entries, env, diskInputFs, url);
  if (g.error) {
    expect(ours.credential, `git: ${g.error}`).toBeUndefined();
    expect(ours.promptError).toBe(g.error);
  } else {
    expect(ours.credential && { username: ours.credential.username, password: ours.credential.password }).toEqual(g);
  }
}

const store = '[credential]\n\thelper = store\n';
const creds = 'https://alice:s3cr%40t@git.example.com\nhttps://bob:pw2@other.example:8443/x/y\nhttp://carol:pw3@git.example.com\n';

describe('gitCredentialFill agrees with git credential fill (no terminal)', () => {
  it.each([
    ['the store: host match', store, { '.git-credentials': creds }, 'https://git.example.com/g/repo'],
    ['the store: host with port, stored path ignored', store, { '.git-credentials': creds }, 'https://other.example:8443/z'],
    ['the store: port must match', store, { '.git-credentials': creds }, 'https://other.example/x/y'],
    ['the store: host case matters', store, { '.git-credentials': creds }, 'https://GIT.example.com/g/repo'],
    ['the store: a user in the URL must match', store, { '.git-credentials': creds }, 'https://dave@git.example.com/g/repo'],
    ['the store: the URL user that matches', store, { '.git-credentials': creds }, 'https://alice@git.example.com/g/repo'],
    ['user:password in the URL wins', store, { '.git-credentials': creds }, 'https://u:p@git.example.com/g/repo'],
    ['no helper: nothing', '', { '.git-credentials': creds }, 'https://git.example.com/g/repo'],
    ['--file=~/ (the shell leaves it)', '[credential]\n\thelper = "store --file=~/elsewhere"\n', { elsewhere: creds }, 'https://git.example.com/g/repo'],
    ['--file ~/ (the shell expands it)', '[credential]\n\thelper = "store --file ~/elsewhere"\n', { elsewhere: creds }, 'https://git.example.com/g/repo'],
    ['XDG credentials', store, { '.config/git/credentials': creds }, 'https://git.example.com/g/repo'],
    ['~/.git-credentials before XDG', store, { '.git-credentials': 'https://first:one@git.example.com\n', '.config/git/credentials': creds }, 'https://git.example.com/r'],
    ['an empty helper clears the chain', `${store}[credential]\n\thelper =\n`, { '.git-credentials': creds }, 'https://git.example.com/g/repo'],
    ['credential.<url>.helper for the host', '[credential "https://git.example.com"]\n\thelper = store\n', { '.git-credentials': creds }, 'https://git.example.com/g/repo'],
    ['credential.<url>.helper for another host', '[credential "https://else.example"]\n\thelper = store\n', { '.git-credentials': creds }, 'https://git.example.com/g/repo'],
    ['credential.<url>.helper with a path prefix', '[credential "https://git.example.com/g"]\n\thelper = store\n', { '.git-credentials': creds }, 'https://git.example.com/g/repo'],
  ])('%s', async (_name, gitconfig, files, url) => {
    await agree(gitconfig, files, url);
  });
});

describe('helpers the probe cannot run', () => {
  it('are named by their program only: a shell helper\'s body may hold a token', async () => {
    const home = join(dir, `home${n++}`);
    mkdirSync(home);
    writeFileSync(join(home, '.gitconfig'), '[credential]\n\thelper = "!f() { echo username=x; echo password=hunter2-token; }; f"\n');
    const env = { HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
    const cfg = await readGitConfig(env, diskInputFs);
    const ours = await gitCredentialFill(cfg.entries, env, diskInputFs, 'https://git.example.com/r');
    expect(ours.notChecked).toEqual(['!f()']);
    expect(JSON.stringify({ ...ours, credential: undefined })).not.toContain('hunter2-token');
  });

  it('are listed as not checked, in order, and the store after them still counts', async () => {
    const home = join(dir, `home${n++}`);
    mkdirSync(home);
    writeFileSync(join(home, '.gitconfig'), '[credential]\n\thelper = cache --timeout=60\n\thelper = !gcloud auth git-helper --ignore-unknown $@\n\thelper = store\n');
    writeFileSync(join(home, '.git-credentials'), creds);
    const env = { HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
    const cfg = await readGitConfig(env, diskInputFs);
    expect(credentialHelpers(cfg.entries, 'https://git.example.com/r')).toEqual(['cache --timeout=60', '!gcloud auth git-helper --ignore-unknown $@', 'store']);
    const ours = await gitCredentialFill(cfg.entries, env, diskInputFs, 'https://git.example.com/r');
    expect(ours.notChecked).toEqual(['cache', '!gcloud']);
    expect(ours.credential).toEqual({ username: 'alice', password: 's3cr@t', origin: `${join(home, '.git-credentials')}:1` });
    expect(ours.read).toEqual([join(home, '.git-credentials')]);
  });
});
