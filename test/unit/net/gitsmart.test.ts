// git's smart HTTP as ls-remote reads it (src/net/gitsmart.ts), against the real git: a bare repository
// served by the real `git http-backend` (run as the CGI program it is, no HTTP server in between), its
// v0 advertisement and its v2 ls-refs answer parsed to the refs `git ls-remote` lists for the same
// repository. Then the hostile bodies: bad lengths, truncation, ERR, endless refs.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitProtocolError, lsRefsRequest, MAX_PKT_LEN, parseInfoRefs, parseLsRefs, readPkts, tagForVersion, type GitRef } from '../../../src/net/gitsmart.js';

let dir: string;
const cleanEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: dir });
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: cleanEnv(), encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gmp-gitsmart-'));
  git(dir, 'init', '-q', '--bare', 'repo.git');
  git(dir, 'init', '-q', 'work');
  const work = join(dir, 'work');
  git(work, 'commit', '-q', '--allow-empty', '-m', 'one');
  git(work, 'tag', 'v1.0.0');
  git(work, 'tag', '-a', '-m', 'annotated', 'sub/v0.1.0');
  git(work, 'commit', '-q', '--allow-empty', '-m', 'two');
  git(work, 'tag', '-a', '-m', 'annotated', 'v2.0.0');
  git(work, 'push', '-q', '../repo.git', 'HEAD:refs/heads/main', '--tags');
  git(dir, 'init', '-q', '--bare', 'empty.git');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One CGI request to git http-backend: its headers and body. */
function backend(pathInfo: string, opts: { method?: 'GET' | 'POST'; query?: string; protocol?: string; body?: Buffer } = {}): { headers: Record<string, string>; body: Buffer } {
  const body = opts.body ?? Buffer.alloc(0);
  const r = spawnSync('git', ['http-backend'], {
    env: {
      ...cleanEnv(),
      GIT_PROJECT_ROOT: dir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo,
      QUERY_STRING: opts.query ?? '',
      REQUEST_METHOD: opts.method ?? 'GET',
      ...(opts.protocol ? { GIT_PROTOCOL: opts.protocol } : {}),
      ...(opts.method === 'POST' ? { CONTENT_TYPE: 'application/x-git-upload-pack-request', CONTENT_LENGTH: String(body.length) } : {}),
    },
    input: body,
  });
  expect(r.status, r.stderr.toString()).toBe(0);
  const out = r.stdout;
  const end = out.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of out.subarray(0, end).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: out.subarray(end + 4) };
}

/** `git ls-remote <repo>`: "<oid>\t<name>" lines, peeled tags as "<name>^{}". */
function lsRemote(repo: string): string[] {
  return git(dir, 'ls-remote', join(dir, repo)).trim().split('\n').filter((l) => l !== '');
}

/** The refs as ls-remote prints them (it lists HEAD first; the smart answers list it too). */
function asLsRemote(refs: readonly GitRef[]): string[] {
  return refs.flatMap((r) => [`${r.oid}\t${r.name}`, ...(r.peeled ? [`${r.peeled}\t${r.name}^{}`] : [])]);
}

describe('the real git http-backend, read as git ls-remote reads it', () => {
  it('v0: the advertisement holds the refs ls-remote lists', () => {
    const res = backend('/repo.git/info/refs', { query: 'service=git-upload-pack' });
    const info = parseInfoRefs(res.headers['content-type'], res.body);
    expect(info?.protocol).toBe('v0');
    if (info?.protocol !== 'v0') return;
    expect(info.capabilities).toContain('side-band-64k');
    expect(asLsRemote(info.refs).sort()).toEqual(lsRemote('repo.git').sort());
  });

  it('v2: capabilities from GET, then the POSTed ls-refs lists the same refs', () => {
    const res = backend('/repo.git/info/refs', { query: 'service=git-upload-pack', protocol: 'version=2' });
    const info = parseInfoRefs(res.headers['content-type'], res.body);
    expect(info?.protocol).toBe('v2');
    if (info?.protocol !== 'v2') return;
    expect(info.capabilities.some((c) => c.startsWith('ls-refs'))).toBe(true);
    const answer = backend('/repo.git/git-upload-pack', { method: 'POST', protocol: 'version=2', body: lsRefsRequest(info.capabilities) });
    expect(answer.headers['content-type']).toBe('application/x-git-upload-pack-result');
    expect(asLsRemote(parseLsRefs(answer.body)).sort()).toEqual(lsRemote('repo.git').sort());
  });

  it('an empty repository: no refs either way', () => {
    const v0 = backend('/empty.git/info/refs', { query: 'service=git-upload-pack' });
    expect(parseInfoRefs(v0.headers['content-type'], v0.body)).toMatchObject({ protocol: 'v0', refs: [] });
    const v2 = backend('/empty.git/info/refs', { query: 'service=git-upload-pack', protocol: 'version=2' });
    const info = parseInfoRefs(v2.headers['content-type'], v2.body);
    if (info?.protocol !== 'v2') throw new Error('not v2');
    const answer = backend('/empty.git/git-upload-pack', { method: 'POST', protocol: 'version=2', body: lsRefsRequest(info.capabilities) });
    expect(parseLsRefs(answer.body)).toEqual([]);
    expect(lsRemote('empty.git')).toEqual([]);
  });

  it('a plain file server (no advertisement type) is not smart HTTP', () => {
    expect(parseInfoRefs('text/plain', Buffer.from('x\trefs/heads/main\n'))).toBeUndefined();
  });
});

describe('hostile bodies end with git\'s error, within the caps', () => {
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(GitProtocolError);
      return (e as GitProtocolError).gitMessage;
    }
    throw new Error('no error');
  };
  it('bad length digits, reserved lengths, too long, truncated', () => {
    expect(err(() => readPkts(Buffer.from('zzzzhello')))).toBe('protocol error: bad line length character: zzzz');
    expect(err(() => readPkts(Buffer.from('0003')))).toBe('protocol error: bad line length 3');
    expect(err(() => readPkts(Buffer.from((MAX_PKT_LEN + 1).toString(16))))).toBe(`protocol error: bad line length ${MAX_PKT_LEN + 1}`);
    expect(err(() => readPkts(Buffer.from('0010short')))).toBe('the remote end hung up unexpectedly');
    expect(err(() => readPkts(Buffer.from('00')))).toBe('the remote end hung up unexpectedly');
  });
  it('an ERR pkt is the server\'s message', () => {
    expect(err(() => parseLsRefs(Buffer.from('0016ERR access denied\n')))).toBe('remote error: access denied');
  });
  it('endless refs are refused at the cap, not read', () => {
    const line = `${'a'.repeat(40)} refs/tags/x\n`;
    const one = `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    expect(err(() => readPkts(Buffer.from(one.repeat(11)), 10))).toBe('the remote end hung up unexpectedly');
    expect(readPkts(Buffer.from(one.repeat(10)), 10)).toHaveLength(10);
  });
  it('an answer that is neither a service line nor version 2', () => {
    expect(err(() => parseInfoRefs('application/x-git-upload-pack-advertisement', Buffer.from('000ahello\n')))).toBe("invalid server response; got 'hello'");
    expect(err(() => parseInfoRefs('application/x-git-upload-pack-advertisement', Buffer.from('0000')))).toBe('invalid server response; expected service, got flush packet');
  });
});

describe('tagForVersion: the tag go looks for', () => {
  it.each([
    ['git.example.com/g/repo', 'git.example.com/g/repo', 'v1.0.0', 'refs/tags/v1.0.0'],
    ['git.example.com/g/repo/v2', 'git.example.com/g/repo', 'v2.0.0', 'refs/tags/v2.0.0'],
    ['git.example.com/g/repo', 'git.example.com/g/repo', 'v3.1.0+incompatible', 'refs/tags/v3.1.0'],
    ['git.example.com/g/repo/sub', 'git.example.com/g/repo', 'v0.1.0', 'refs/tags/sub/v0.1.0'],
    ['git.example.com/g/repo/sub/v3', 'git.example.com/g/repo', 'v3.0.0', 'refs/tags/sub/v3.0.0'],
  ])('%s (root %s) %s', (path, root, version, tag) => {
    expect(tagForVersion(path, root, version)).toEqual({ check: 'tag', tag });
  });
  it('pseudo-versions and queries are not checked', () => {
    expect(tagForVersion('x.example/r', 'x.example/r', 'v0.0.0-20240101000000-abcdefabcdef').check).toBe('not checked');
    expect(tagForVersion('x.example/r', 'x.example/r', 'v1.2.4-0.20240101000000-abcdefabcdef').check).toBe('not checked');
    expect(tagForVersion('x.example/r', 'x.example/r', 'latest').check).toBe('not checked');
  });
});
