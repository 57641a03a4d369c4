// The git hop's dispatch point: which transport git picks for a URL (transport.c, connect.c), and
// what never leaves it (the user info of a repository URL).

import { describe, expect, it } from 'vitest';
import { redactGitURL, transportKind } from '../../../src/stages/githop.js';

describe('transportKind', () => {
  it.each([
    ['https://git.example.com/team/mod.git', 'https'],
    ['http://git.example.com/team/mod', 'https'],
    ['HTTPS://git.example.com/x', 'https'],
    ['ssh://git@git.example.com/team/mod.git', 'ssh'],
    ['git+ssh://git.example.com/team/mod.git', 'ssh'],
    ['ssh+git://git.example.com/team/mod.git', 'ssh'],
    ['git@git.example.com:team/mod.git', 'ssh'],
    ['git.example.com:team/mod.git', 'ssh'],
    ['git://git.example.com/team/mod.git', 'other'],
    ['file:///srv/git/mod.git', 'other'],
    ['/srv/git/mod.git', 'other'],
    ['./a:b', 'other'],
  ] as const)('%s -> %s', (url, kind) => {
    expect(transportKind(url)).toBe(kind);
  });
});

describe('redactGitURL', () => {
  it('drops the user info as transport_anonymize_url does', () => {
    expect(redactGitURL('https://user:s3cret@git.example.com/x.git/')).toBe('https://git.example.com/x.git/');
    expect(redactGitURL('https://TOKEN123456@git.example.com/x')).toBe('https://git.example.com/x');
    expect(redactGitURL('https://git.example.com/x')).toBe('https://git.example.com/x');
  });
});
