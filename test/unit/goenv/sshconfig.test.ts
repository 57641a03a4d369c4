// ssh_config and known_hosts as OpenSSH 9.2 reads them: pattern lists (match.c), hashed known_hosts
// entries made by the real `ssh-keygen -H` (the vectors below), [host]:port names, and how a key is judged.
import { describe, expect, it } from 'vitest';
import { judgeHostKey, knownHostMatches, knownHostsName, matchPattern, matchPatternList, parseKnownHosts, preferredHostKeyTypes } from '../../../src/goenv/sshconfig.js';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIM7fx02hAcTJrhWgJ3pRW9JAJ3bDnGJkMD97oxeOvykl';
// `ssh-keygen -H` of "git.example.com ssh-ed25519 KEY" and "[git.example.com]:2222 ssh-ed25519 KEY" (OpenSSH 9.2).
const HASHED_22 = '|1|KOjEqhGR04SFVWyuO8g3cHZcgcQ=|ASgmBb3H6ClmZ3I3tJEzqx5yP5A=';
const HASHED_2222 = '|1|YtjfPCxSU/p1n5BnqLGh3sDzgQs=|exmw7FYrZaAiaCGPP3NwGEZm/ZM=';

describe('match.c patterns', () => {
  it('* and ? wildcards over the whole name', () => {
    expect(matchPattern('git.example.com', '*.example.com')).toBe(true);
    expect(matchPattern('git.example.com', 'git.example.co?')).toBe(true);
    expect(matchPattern('git.example.com', 'git.example')).toBe(false);
    expect(matchPattern('a'.repeat(5000), `${'*a'.repeat(40)}b`)).toBe(false);
  });
  it('a negated pattern that matches fails the whole list; case does not matter for hosts', () => {
    expect(matchPatternList('GIT.example.com', '*.example.com')).toBe(1);
    expect(matchPatternList('git.example.com', '*.example.com,!git.example.com')).toBe(-1);
    expect(matchPatternList('other.example.com', '*.example.com,!git.example.com')).toBe(1);
    expect(matchPatternList('git.example.org', '*.example.com')).toBe(0);
  });
});

describe('known_hosts', () => {
  it('names a non-22 port as [host]:port', () => {
    expect(knownHostsName('git.example.com', 22)).toBe('git.example.com');
    expect(knownHostsName('git.example.com', 2222)).toBe('[git.example.com]:2222');
  });
  it('hashed entries match the name they were made from, and only that one', () => {
    expect(knownHostMatches(HASHED_22, 'git.example.com')).toBe(true);
    expect(knownHostMatches(HASHED_22, '[git.example.com]:2222')).toBe(false);
    expect(knownHostMatches(HASHED_2222, '[git.example.com]:2222')).toBe(true);
    expect(knownHostMatches(HASHED_2222, 'git.example.com')).toBe(false);
  });
  it('judges a key: known, changed (same type, other key), revoked, new, cert-authority only', () => {
    const blob = Buffer.from(KEY, 'base64');
    const other = Buffer.from(blob);
    other[other.length - 1] = other[other.length - 1]! ^ 1;
    const lines = (text: string) => parseKnownHosts(text, 'kh');
    expect(judgeHostKey(lines(`${HASHED_22} ssh-ed25519 ${KEY}\n`), 'git.example.com', blob)).toMatchObject({ status: 'known', line: 1 });
    expect(judgeHostKey(lines(`# comment\ngit.example.com ssh-ed25519 ${other.toString('base64')}\n`), 'git.example.com', blob)).toMatchObject({ status: 'changed', line: 2 });
    expect(judgeHostKey(lines(`git.example.com ssh-ed25519 ${KEY}\n@revoked * ssh-ed25519 ${KEY}\n`), 'git.example.com', blob)).toMatchObject({ status: 'revoked', line: 2 });
    expect(judgeHostKey(lines(`other.example.com ssh-ed25519 ${KEY}\n`), 'git.example.com', blob)).toMatchObject({ status: 'new', keyType: 'ssh-ed25519' });
    expect(judgeHostKey(lines(`@cert-authority *.example.com ssh-ed25519 ${KEY}\n`), 'git.example.com', blob)).toMatchObject({ status: 'cert-authority' });
    // A line ssh cannot parse is skipped, not fatal.
    expect(judgeHostKey(lines(`garbage\n@bogus x y z\ngit.example.com ssh-ed25519 ${KEY}\n`), 'git.example.com', blob)).toMatchObject({ status: 'known', line: 3 });
  });
  it('asks first for the key types known_hosts holds for the host (order_hostkeyalgs)', () => {
    const l = parseKnownHosts(`git.example.com ssh-rsa ${KEY}\n`, 'kh');
    expect(preferredHostKeyTypes(l, 'git.example.com', ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519']);
    expect(preferredHostKeyTypes(l, 'other.example.com', ['ssh-ed25519', 'rsa-sha2-512'])).toEqual(['ssh-ed25519', 'rsa-sha2-512']);
  });
});
