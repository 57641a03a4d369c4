// http.<key> and http.<url>.<key> as git applies them to a URL (urlmatch.c), judged against the real git:
// `git config --get-urlmatch` over the same file, for each URL. Plus the environment overrides
// (GIT_SSL_CAINFO, GIT_SSL_NO_VERIFY) and git's default CA path.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGitConfig } from '../../../src/goenv/gitconfig.js';
import { GIT_DEFAULT_CAPATH, gitHttpSettings } from '../../../src/stages/githttps.js';

const dir = mkdtempSync(join(tmpdir(), 'gmp-urlmatch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = [
  '[http]',
  '\tsslCAInfo = /etc/generic.pem',
  '\tsslVerify = true',
  '[http "https://git.example.com/"]',
  '\tsslCAInfo = /etc/host.pem',
  '[http "https://git.example.com/team"]',
  '\tsslVerify = false',
  '\tsslCAInfo = /etc/team.pem',
  '[http "https://ci@git.example.com"]',
  '\tsslCAInfo = /etc/user.pem',
  '[http "https://git.example.com:8443"]',
  '\tsslCAPath = /etc/port-certs',
  '[http "https://*.corp.example"]',
  '\tsslCAInfo = /etc/wild.pem',
  '',
].join('\n');

function realGit(key: string, url: string): string | undefined {
  const file = join(dir, 'config');
  writeFileSync(file, CONFIG);
  try {
    return execFileSync('git', ['config', '--file', file, '--get-urlmatch', key, url], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' }, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const entries = parseGitConfig(CONFIG, 'config').entries;

describe('http.<url>.* matched as git matches it', () => {
  it.each([
    'https://git.example.com/team/mod.git',
    'https://git.example.com/teamwork/mod.git',
    'https://git.example.com/other/mod.git',
    'https://ci@git.example.com/other/mod.git',
    'https://GIT.example.com/team/x',
    'https://git.example.com:8443/team/x',
    'https://other.example.com/x',
    'http://git.example.com/team/x',
    'https://git.corp.example/x',
    'https://a.b.corp.example/x',
  ])('%s', (url) => {
    const s = gitHttpSettings(entries, {}, url);
    expect(s.sslCAInfo).toBe(realGit('http.sslcainfo', url));
    expect(s.sslVerify).toBe((realGit('http.sslverify', url) ?? 'true') !== 'false');
    expect(s.sslCAPath).toBe(realGit('http.sslcapath', url) ?? GIT_DEFAULT_CAPATH);
  });

  it('the environment overrides the configuration, as http.c reads it', () => {
    const url = 'https://git.example.com/team/mod.git';
    expect(gitHttpSettings(entries, { GIT_SSL_CAINFO: '/env.pem' }, url).sslCAInfo).toBe('/env.pem');
    expect(gitHttpSettings(entries, { GIT_SSL_NO_VERIFY: '' }, 'https://other.example.com/x').sslVerify).toBe(false);
    expect(gitHttpSettings([], {}, url)).toMatchObject({ sslVerify: true, sslCAPath: GIT_DEFAULT_CAPATH, extraHeaders: [], protocolVersion: 2 });
  });
});
