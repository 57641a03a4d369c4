// vcsPaths (cmd/go/internal/vcs/vcs.go): import paths whose repository go knows from the path alone. For
// these go makes no ?go-get=1 request: it runs the VCS command on the repository URL (git ls-remote, which
// git may rewrite with insteadOf), so the first host contacted is git's, not go's.

export interface VcsPathMatch {
  /** The repository root import path ("github.com/org/repo", "host/group/repo.git"). */
  readonly root: string;
  readonly vcs: string;
  /**
   * The last entry ("general syntax for any server": a path with ".git", ".hg" … in it) has no scheme: the
   * repository is this (the root without the VCS suffix), and go pings it with each scheme of the VCS
   * (repoRootFromVCSPaths, schemelessRepo).
   */
  readonly schemelessRepo?: string;
}

const VCS_PATHS: readonly { re: RegExp; vcs: string }[] = [
  { re: /^(github\.com\/[\w.-]+\/[\w.-]+)(\/[\w.-]+)*$/, vcs: 'git' },
  { re: /^(bitbucket\.org\/[\w.-]+\/[\w.-]+)(\/[\w.-]+)*$/, vcs: 'git' },
  { re: /^(hub\.jazz\.net\/git\/[a-z0-9]+\/[\w.-]+)(\/[\w.-]+)*$/, vcs: 'git' },
  { re: /^(git\.apache\.org\/[a-z0-9_.-]+\.git)(\/[\w.-]+)*$/, vcs: 'git' },
  { re: /^(git\.openstack\.org\/[\w.-]+\/[\w.-]+)(\.git)?(\/[\w.-]+)*$/, vcs: 'git' },
  { re: /^(chiselapp\.com\/user\/[A-Za-z0-9]+\/repository\/[\w.-]+)$/, vcs: 'fossil' },
  { re: /^((?:[a-z0-9.-]+\.)+[a-z0-9.-]+(?::[0-9]+)?(?:\/~?[\w.-]+)+?)\.(bzr|fossil|git|hg|svn)(\/~?[\w.-]+)*$/, vcs: '' },
];

/** The repository root and VCS of a path go resolves without discovery, or undefined. */
export function vcsPathMatch(path: string): VcsPathMatch | undefined {
  for (const known of VCS_PATHS) {
    const match = known.re.exec(path);
    if (!match) continue;
    if (known.vcs !== '') return { root: match[1]!, vcs: known.vcs };
    return { root: `${match[1]!}.${match[2]!}`, vcs: match[2]!, schemelessRepo: match[1]! };
  }
  return undefined;
}
