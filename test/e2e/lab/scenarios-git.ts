// The git hop's scenarios (#16 item 6): private modules fetched directly, with go 1.23, 1.24 and 1.27
// running the real git against the lab's git server (git http-backend under nginx, test/e2e/lab/git.ts).
// Every run has its own HOME (or one of the lab's HOMEs with a .netrc), GIT_CONFIG_NOSYSTEM, and the
// lab's resolv.conf: nothing of this machine's git or network setup reaches go or git.

import type { LabContent } from './content.js';
import { GIT_DOTGIT_MISSING_MODULE, GIT_DOTGIT_MODULE, GIT_HOST, GIT_MIRROR_MODULE, GIT_PRIVATE_MODULE, GIT_PUBLIC_MODULE, GIT_SUBGROUP_MODULE } from './git.js';
import type { Scenario } from './scenarios.js';
import { HOST_NAMES } from './topology.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Private to go (direct, no checksum database), git told the lab CA and nothing of the machine's git config. */
const gitEnv = (c: LabContent): Record<string, string> => ({ GOPRIVATE: GIT_HOST, GIT_SSL_CAINFO: c.caFile, GIT_CONFIG_NOSYSTEM: '1' });
/**
 * `direct` first, the lab proxy after it (GOPRIVATE unset: the proxy may serve the module; GONOSUMDB: the lab's
 * checksum database does not know the git modules). go never gets to the proxy: "direct" ends the list
 * (modfetch/proxy.go proxyList), also when go's GET of the repository URL after the failed ls-remote answers
 * 404 and makes the error a not-exist one (codehost/git.go loadRefs).
 */
const directFirstEnv = (proxyPath: string) => (c: LabContent): Record<string, string> => ({
  GOPROXY: `direct,https://${HOST_NAMES.proxy}${proxyPath}`, GONOSUMDB: GIT_HOST, GIT_SSL_CAINFO: c.caFile, GIT_CONFIG_NOSYSTEM: '1',
});
const promptError = new RegExp(`fatal: could not read Username for 'https://${esc(GIT_HOST)}': terminal prompts disabled`);

export const GIT_SCENARIOS: readonly Scenario[] = [
  {
    id: 'git-public',
    title: 'direct git fetch over https (git http-backend), git told the lab CA (GIT_SSL_CAINFO)',
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: gitEnv,
    expect: { pass: true },
  },
  {
    id: 'git-no-credentials',
    title: 'private git repository (Basic auth), no credentials anywhere',
    module: `${GIT_PRIVATE_MODULE}@v1.1.0`,
    env: gitEnv,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_auth_required', hint: /\.netrc/, goError: promptError },
  },
  {
    id: 'git-netrc-ok',
    title: 'private git repository, the right password in $HOME/.netrc',
    module: `${GIT_PRIVATE_MODULE}@v1.1.0`,
    env: (c) => ({ ...gitEnv(c), HOME: c.git.homeNetrcOk }),
    expect: { pass: true },
  },
  {
    id: 'git-netrc-wrong',
    title: 'private git repository, a wrong password in $HOME/.netrc (git says what it says with none)',
    module: `${GIT_PRIVATE_MODULE}@v1.1.0`,
    env: (c) => ({ ...gitEnv(c), HOME: c.git.homeNetrcWrong }),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_auth_failed', hint: /\.netrc/, goError: promptError },
  },
  {
    id: 'git-credential-store',
    title: 'private git repository, credential.helper "store --file" (GIT_CONFIG_COUNT) with the right password',
    module: `${GIT_PRIVATE_MODULE}@v1.1.0`,
    env: (c) => ({ ...gitEnv(c), GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'credential.helper', GIT_CONFIG_VALUE_0: `store --file=${c.git.credentialStore}` }),
    expect: { pass: true },
  },
  {
    id: 'git-ca-go-only',
    title: 'git repository under the lab CA, which go trusts (SSL_CERT_FILE) and git does not',
    module: `${GIT_PUBLIC_MODULE}@v1.1.0`,
    env: () => ({ GOPRIVATE: GIT_HOST, GIT_CONFIG_NOSYSTEM: '1' }),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.tls.unknown_authority', hint: /GIT_SSL_CAINFO/, goError: /server certificate verification failed/ },
  },
  {
    id: 'git-missing-tag',
    title: 'git repository without the requested tag (v1.9.0)',
    module: `${GIT_PUBLIC_MODULE}@v1.9.0`,
    env: gitEnv,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_revision_not_found', hint: /tag/, goError: /unknown revision v1\.9\.0/ },
  },
  {
    id: 'git-subgroup-meta',
    title: "GitLab-style subgroup: the project's go-import tag names the group as repository root, the group's page has no tag",
    module: `${GIT_SUBGROUP_MODULE}@v1.1.0`,
    env: gitEnv,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_meta_mismatch', hint: /go-import/, goError: new RegExp(`fetching ${esc(GIT_HOST)}/group/sub: no go-import meta tag found in https://${esc(GIT_HOST)}/group/sub\\?go-get=1`) },
  },
  {
    id: 'git-direct-then-proxy',
    title: 'GOPROXY=direct,<proxy> where the proxy has the module: git ls-remote fails (no credentials) and go never asks the proxy ("direct" ends the list)',
    module: `${GIT_PRIVATE_MODULE}@v1.1.0`,
    env: directFirstEnv(''),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_auth_required', hint: /\.netrc/, goError: promptError },
  },
  {
    id: 'git-no-credentials-latest',
    title: 'private git repository, no credentials, @latest: the not-exist error (404 on the repository URL) still ends the query with git\'s text',
    module: `${GIT_PRIVATE_MODULE}@latest`,
    env: gitEnv,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_auth_required', hint: /\.netrc/, goError: new RegExp(`^module ${esc(GIT_PRIVATE_MODULE)}: git ls-remote -q [\\s\\S]*${promptError.source}`) },
  },
  {
    id: 'git-dotgit-https',
    title: 'a module path ending in .git (no go-import page): go pings https://git.lab.test/team/dotgit first, which answers',
    module: `${GIT_DOTGIT_MODULE}@v1.1.0`,
    env: gitEnv,
    expect: { pass: true },
  },
  {
    id: 'git-dotgit-no-scheme',
    title: 'a .git module path whose repository no scheme serves: https says not found, ssh and git+ssh log in as root, which the forge refuses',
    module: `${GIT_DOTGIT_MISSING_MODULE}@v1.1.0`,
    env: (c) => ({ ...gitEnv(c), HOME: c.gitSsh.homeNoRewrite }),
    sshHome: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.git_repo_not_found', hint: /scheme|https/, goError: /no secure protocol found for repository/ },
  },
  {
    id: 'git-host-dropped',
    title: 'the repository host (gitrepo.lab.test) dropped by the egress policy (SYNs vanish; the pod\'s tcp_syn_retries=2 ends the wait after 7 s)',
    module: `${GIT_MIRROR_MODULE}@v1.1.0`,
    env: gitEnv,
    policy: { kind: 'deny', name: 'gitrepo-dropped', rules: [{ to: ['gitrepo'], proto: 'tcp', verdict: 'drop' }] },
    synRetries: 2,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.tcp.timeout', hint: /gitrepo\.lab\.test/, goError: new RegExp(`Failed to connect to ${esc(HOST_NAMES.gitrepo)} port 443 after \\d+ ms: Couldn't connect to server`) },
  },
  {
    id: 'git-host-refused',
    title: 'the repository host (gitrepo.lab.test, named by the go-import tag) refused by the egress policy',
    module: `${GIT_MIRROR_MODULE}@v1.1.0`,
    env: gitEnv,
    policy: { kind: 'deny', name: 'gitrepo-rejected', rules: [{ to: ['gitrepo'], proto: 'tcp', verdict: 'reject' }] },
    expect: { pass: false, stage: 'proxy', cause: 'proxy.tcp.refused', hint: /gitrepo\.lab\.test/, goError: new RegExp(`Failed to connect to ${esc(HOST_NAMES.gitrepo)} port 443`) },
  },
];
