// vcs.go's vcsPaths as the probe reads them, and the schemes go pings for a path that names its VCS.

import { describe, expect, it } from 'vitest';
import { vcsPathMatch } from '../../../src/goenv/vcspaths.js';
import { gitPingSchemes } from '../../../src/stages/direct.js';

describe('vcsPathMatch (cmd/go/internal/vcs/vcs.go vcsPaths)', () => {
  it('known hosts: the root, no ping', () => {
    expect(vcsPathMatch('github.com/org/repo/sub')).toEqual({ root: 'github.com/org/repo', vcs: 'git' });
  });
  it('the general syntax: the root keeps ".git", the schemeless repository is the path up to it', () => {
    expect(vcsPathMatch('git.corp.example/group/repo.git')).toEqual({ root: 'git.corp.example/group/repo.git', vcs: 'git', schemelessRepo: 'git.corp.example/group/repo' });
    expect(vcsPathMatch('git.corp.example:8443/a/b.git/v2')).toEqual({ root: 'git.corp.example:8443/a/b.git', vcs: 'git', schemelessRepo: 'git.corp.example:8443/a/b' });
    expect(vcsPathMatch('hg.example/x.hg/sub')).toEqual({ root: 'hg.example/x.hg', vcs: 'hg', schemelessRepo: 'hg.example/x' });
  });
  it('a path without a VCS suffix or known host: discovery (none)', () => {
    expect(vcsPathMatch('git.corp.example/group/repo')).toBeUndefined();
  });
});

describe('gitPingSchemes (repoRootFromVCSPaths, isSecureScheme)', () => {
  it('secure only by default: https, git+ssh, ssh in vcsGit.Scheme order', () => {
    expect(gitPingSchemes(false, undefined)).toEqual(['https', 'git+ssh', 'ssh']);
  });
  it('GOINSECURE: every scheme, git:// and http:// included', () => {
    expect(gitPingSchemes(true, undefined)).toEqual(['git', 'https', 'http', 'git+ssh', 'ssh']);
  });
  it('GIT_ALLOW_PROTOCOL is the list of secure schemes', () => {
    expect(gitPingSchemes(false, 'ssh:https')).toEqual(['https', 'ssh']);
    expect(gitPingSchemes(false, 'git')).toEqual(['git']);
  });
});
