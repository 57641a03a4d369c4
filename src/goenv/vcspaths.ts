// vcsPaths (cmd/go/internal/vcs/vcs.go): import paths whose repository go knows from the path alone. For
// these go makes no ?go-get=1 request: it runs the VCS command on the repository URL (git ls-remote, which
// git may rewrite with insteadOf), so the first host contacted is git's, not go's.

export interface VcsPathMatch {
  /** The repository root import path ("github.com/org/repo"). */
  readonly root: string;
  readonly vcs: string;
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
    if (match) return { root: match[1]!, vcs: known.vcs || match[2]! };
  }
  return undefined;
}
