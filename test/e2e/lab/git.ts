// The lab's git server (#16 item 6): nginx with fcgiwrap running the real `git http-backend`, serving
// bare repositories that hold modules with tags, behind Basic auth under /private/, and go-import pages:
//   git.lab.test/team/hello      -> https://git.lab.test/team/hello.git (public)
//   git.lab.test/private/hello   -> https://git.lab.test/private/hello.git (Basic auth)
//   git.lab.test/mirror/hello    -> https://gitrepo.lab.test/team/hello.git (another host: one a policy can drop)
//   git.lab.test/group/sub/proj  -> "git.lab.test/group/sub git https://git.lab.test/group/sub.git", GitLab's
//                                   answer for a subgroup project to a client without a token; the page of
//                                   git.lab.test/group/sub has no go-import tag, so go's check of the prefix fails
// and the files a scenario hands go and git: a HOME with a .netrc (right, wrong), a credential store.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapePath } from '../../../src/goenv/module.js';
import { buildModule } from '../../../src/lab/modzip.js';
import { HOST_IPS, HOST_NAMES, MODULE_PASSWORD, MODULE_USER } from './topology.js';

export const GIT_HOST = HOST_NAMES.git;
export const GIT_PUBLIC_MODULE = `${GIT_HOST}/team/hello`;
export const GIT_PRIVATE_MODULE = `${GIT_HOST}/private/hello`;
export const GIT_MIRROR_MODULE = `${GIT_HOST}/mirror/hello`;
export const GIT_SUBGROUP_MODULE = `${GIT_HOST}/group/sub/proj`;
/**
 * A module path with the VCS in it (vcs.go's last vcsPaths entry): go asks no ?go-get=1 page; it pings
 * `git ls-remote <scheme>://git.lab.test/team/dotgit` (the path without ".git") for each scheme of git it may
 * use (https, git+ssh, ssh; git and http too under GOINSECURE) and takes the first that answers.
 */
export const GIT_DOTGIT_MODULE = `${GIT_HOST}/team/dotgit.git`;
/** The same form for a repository that does not exist on any scheme. */
export const GIT_DOTGIT_MISSING_MODULE = `${GIT_HOST}/team/nope.git`;
export const GIT_TAGS = ['v1.0.0', 'v1.1.0'] as const;

export interface LabGit {
  /** GIT_PROJECT_ROOT of git http-backend. */
  readonly projectRoot: string;
  /** HOMEs for go and git: a right .netrc, a wrong one, and none. */
  readonly homeNetrcOk: string;
  readonly homeNetrcWrong: string;
  /** A credential-store file (credential.helper "store --file=<this>") with the right password. */
  readonly credentialStore: string;
  /** nginx's password file for /private/. */
  readonly htpasswd: string;
}

const page = (prefix: string, repo: string): string =>
  `<!DOCTYPE html><html><head><meta name="go-import" content="${prefix} git ${repo}"></head><body>go get ${prefix}</body></html>`;

/** The go-import pages nginx serves, by path (exact locations). */
export function gitPages(): Readonly<Record<string, string>> {
  return {
    '/team/hello': page(GIT_PUBLIC_MODULE, `https://${GIT_HOST}/team/hello.git`),
    '/private/hello': page(GIT_PRIVATE_MODULE, `https://${GIT_HOST}/private/hello.git`),
    '/mirror/hello': page(GIT_MIRROR_MODULE, `https://${HOST_NAMES.gitrepo}/team/hello.git`),
    '/group/sub/proj': page(`${GIT_HOST}/group/sub`, `https://${GIT_HOST}/group/sub.git`),
    '/group/sub': '<!DOCTYPE html><html><head><title>group / sub</title></head><body>A GitLab group page</body></html>',
  };
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=lab', '-c', 'user.email=lab@lab.test', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { PATH: '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
    stdio: 'ignore',
  });
}

/** A bare repository at `projectRoot/<name>` holding `module` with the lab's tags. */
function bareRepo(projectRoot: string, name: string, module: string): void {
  const bare = join(projectRoot, name);
  const work = join(projectRoot, '.work', name.replace(/\W/g, '_'));
  mkdirSync(bare, { recursive: true });
  mkdirSync(work, { recursive: true });
  git(bare, 'init', '-q', '--bare');
  git(work, 'init', '-q');
  writeFileSync(join(work, 'go.mod'), `module ${module}\n\ngo 1.21\n`);
  writeFileSync(join(work, 'hello.go'), '// Package hello is served from the lab git server.\npackage hello\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'hello');
  for (const tag of GIT_TAGS) git(work, 'tag', '-a', '-m', tag, tag);
  git(work, 'push', '-q', bare, 'HEAD:refs/heads/main', '--tags');
}

export function writeLabGit(dir: string): LabGit {
  const projectRoot = join(dir, 'repos');
  mkdirSync(projectRoot, { recursive: true });
  bareRepo(projectRoot, 'team/hello.git', GIT_PUBLIC_MODULE);
  bareRepo(projectRoot, 'private/hello.git', GIT_PRIVATE_MODULE);
  bareRepo(projectRoot, 'team/dotgit.git', GIT_DOTGIT_MODULE);
  const file = (path: string, text: string): string => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text, { mode: 0o644 });
    chmodSync(path, 0o644);
    return path;
  };
  const homeNetrcOk = join(dir, 'home-netrc-ok');
  const homeNetrcWrong = join(dir, 'home-netrc-wrong');
  file(join(homeNetrcOk, '.netrc'), `machine ${GIT_HOST} login ${MODULE_USER} password ${MODULE_PASSWORD}\n`);
  file(join(homeNetrcWrong, '.netrc'), `machine ${GIT_HOST} login ${MODULE_USER} password not-the-password\n`);
  return {
    projectRoot,
    homeNetrcOk,
    homeNetrcWrong,
    credentialStore: file(join(dir, 'git-credentials'), `https://${MODULE_USER}:${MODULE_PASSWORD}@${GIT_HOST}\n`),
    htpasswd: file(join(dir, 'htpasswd'), `${MODULE_USER}:{PLAIN}${MODULE_PASSWORD}\n`),
  };
}

/** The nginx server blocks of git.lab.test and gitrepo.lab.test (same repositories). */
export function gitNginxServers(g: LabGit, cert: { chainFile: string; keyFile: string }, fcgiSocket: string): string {
  const backend = (extra: string): string => `
      ${extra}
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param GIT_PROJECT_ROOT ${g.projectRoot};
      fastcgi_param PATH_INFO $uri;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_param GIT_PROTOCOL $http_git_protocol;
      fastcgi_param HOME ${g.projectRoot};
      fastcgi_pass unix:${fcgiSocket};`;
  // Smart HTTP under <repo>.git/ and under <repo>/ (git http-backend finds <repo>.git for <repo>, as forges
  // answer both): go pings a .git module path's repository without the suffix.
  const smart = '(\\.git/|/info/refs$|/git-upload-pack$)';
  const gitLocations = `
    location ~ ^/private/.+${smart} {${backend(`auth_basic "lab git"; auth_basic_user_file ${g.htpasswd};`)}
    }
    location ~ ${smart} {${backend('')}
    }`;
  const pages = Object.entries(gitPages()).map(([path, html]) => `    location = ${path} { default_type text/html; return 200 '${html}'; }`).join('\n');
  const server = (ip: string, name: string, body: string): string => `
  server {
    listen ${ip}:443 ssl;
    server_name ${name};
    ssl_certificate ${cert.chainFile};
    ssl_certificate_key ${cert.keyFile};
${body}
    location / { return 404 "not found\\n"; }
  }`;
  return `${server(HOST_IPS.git, GIT_HOST, `${pages}\n${gitLocations}`)}\n${server(HOST_IPS.gitrepo, HOST_NAMES.gitrepo, gitLocations)}`;
}

/**
 * The private git module as the lab's module proxy also serves it (a proxy that mirrors the git host): with
 * GOPROXY=direct,<proxy> go still never asks it ("direct" ends the list: modfetch/proxy.go proxyList).
 */
export function writeGitProxyModules(goproxyDir: string): void {
  const write = (module: string, version: string): void => {
    const built = buildModule(module, version, {
      'go.mod': `module ${module}\n\ngo 1.21\n`,
      'hello.go': '// Package hello is served by the lab proxy as a mirror of the lab git server.\npackage hello\n',
    });
    const dir = join(goproxyDir, escapePath(module), '@v');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, `${version}.info`), JSON.stringify({ Version: version, Time: '2025-01-15T12:00:00Z' }), { mode: 0o644 });
    writeFileSync(join(dir, `${version}.mod`), built.goMod, { mode: 0o644 });
    writeFileSync(join(dir, `${version}.zip`), built.zip, { mode: 0o644 });
    writeFileSync(join(dir, 'list'), `${version}\n`, { mode: 0o644 });
  };
  write(GIT_PRIVATE_MODULE, 'v1.1.0');
}
