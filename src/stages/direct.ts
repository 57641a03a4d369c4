// The `direct` entry: go leaves the proxies and fetches from the module's origin (cmd/go/internal/vcs).
// Known hosting sites go straight to their VCS; other paths first ask https://<path>?go-get=1 for a
// go-import meta tag (vcs/vcs.go repoRootForImportDynamic: a tag whose prefix is shorter than the path is
// checked against the prefix's own page, then GOVCS). A git repository is then checked the way git
// would list it (githop.ts: insteadOf, then the https or ssh transport); other VCSs only for reachability
// on dns/tcp/tls.

import { goQuote } from '../goenv/gostrings.js';
import { escapePath, wirePathEscape } from '../goenv/module.js';
import { redactURL } from '../goenv/redact.js';
import { goGet, goGetInsecure, GoWebError } from '../net/goweb.js';
import { isHopError, type HopError } from '../net/errors.js';
import { hopForURL, openHop } from '../net/hop.js';
import { openedOrigin } from '../net/http.js';
import type { PlannedModule } from '../plan.js';
import { directHint, originHints } from '../hints.js';
import { layerFailure } from './failure.js';
import type { EntryResult, WalkFailure } from './gowalk.js';
import type { DirectInfo } from '../state.js';
import type { WorkContext } from './stage.js';
import { checkGovcs } from '../goenv/govcs.js';
import { vcsPathMatch } from '../goenv/vcspaths.js';
import { checkGitHop, goGitError, type GitHopFailure, type GitHopResult } from './githop.js';
// The transports register themselves with the dispatch point.
import './githttps.js';
import './gitssh.js';

const MAX_DISCOVERY_BYTES = 1024 * 1024;

/**
 * go asks the origin once per module and version (codehost caches the repository): so does the probe
 * (RunState.directs). Every caller still gets the requests made in its report.
 */
export async function checkDirect(ctx: WorkContext, m: PlannedModule, requests: string[]): Promise<EntryResult<DirectInfo & { time?: string }>> {
  const fetched = await ctx.state.directs.get(`${m.path}@${m.version ?? 'latest'}`, ctx.waits, () => {
    const made: string[] = [];
    return discoverAndFetch(ctx, m, made).then((result) => ({ result, requests: made }));
  });
  requests.push(...fetched.requests);
  return fetched.result;
}

async function discoverAndFetch(ctx: WorkContext, m: PlannedModule, requests: string[]): Promise<EntryResult<DirectInfo>> {
  const version = m.version ?? 'latest';
  const known = vcsPathMatch(m.path);
  if (known) {
    const { root, vcs } = known;
    // repoRootFromVCSPaths checks GOVCS for the root and returns its error unwrapped.
    const govcs = checkGovcs(ctx.plan.goEnv.vars.GOVCS.value, ctx.plan.goEnv.vars.GOPRIVATE.value, vcs, root);
    if (govcs) return { ok: false, failure: govcsFailure(m, root, vcs, govcs, govcs) };
    if (known.schemelessRepo !== undefined && vcs === 'git') return fetchSchemeless(ctx, m, known.schemelessRepo, root, version);
    return fetchFromRepo(ctx, m, known.schemelessRepo !== undefined ? `https://${known.schemelessRepo}` : `https://${root}`, root, vcs, version);
  }

  // Dynamic discovery: https://<path>?go-get=1 (GOINSECURE: unverified https, then http).
  const url = `https://${m.path}?go-get=1`;
  requests.push(url);
  const prefix = m.insecure ? 'http/https fetch' : 'https fetch';
  let body: Buffer;
  let status: number;
  let statusLine: string;
  try {
    const web = { http: ctx.net.http, proxyEnv: ctx.net.proxyEnv };
    const get = { signal: ctx.budget('request'), maxBytes: MAX_DISCOVERY_BYTES, auth: ctx.plan.auth };
    const res = m.insecure ? await goGetInsecure(web, url, get) : await goGet(web, url, get);
    body = res.body;
    status = res.status;
    statusLine = res.statusLine;
  } catch (err) {
    if (err instanceof GoWebError) {
      const goError = `unrecognized import path "${m.path}": ${prefix}: ${err.goError}`;
      return { ok: false, failure: directFailure(ctx, m, err, url, goError) };
    }
    throw err;
  }
  const imports = parseMetaGoImports(body.toString('utf8'), { subdir: ctx.plan.go.goImportSubdir });
  const chosen = matchGoImport(imports, m.path);
  if (!chosen) {
    const goError = status !== 200
      ? `unrecognized import path "${m.path}": reading ${url}: ${statusLine}`
      : `unrecognized import path "${m.path}": parse ${url}: no go-import meta tags ()`;
    return { ok: false, failure: { cause: 'proxy.direct_failed', target: url, detail: `no go-import meta tag for ${m.path} at ${url} (HTTP ${status})`, goError,
      hint: status === 401 || status === 403 ? originHints.metaAuth(statusLine, new URL(url).host) : originHints.noMeta(m.path, url), notExist: false } };
  }
  // vcs.go RepoRootForImportPath (go 1.25+): the subdirectory may not start with "/" or "-".
  const badSubdir = chosen.subdir?.startsWith('/') ? 'leading slash' : chosen.subdir?.startsWith('-') ? 'leading hyphen' : undefined;
  if (badSubdir) {
    const goError = `${url}: invalid subdirectory ${goQuote(chosen.subdir!)}: ${badSubdir}`;
    return { ok: false, failure: { cause: 'proxy.direct_failed', target: url, detail: `the go-import meta tag for ${m.path} at ${url} names the subdirectory ${goQuote(chosen.subdir!)} (${badSubdir})`, goError,
      hint: originHints.badSubdir(), notExist: false } };
  }
  // "uni.edu/bob/project" claiming the prefix "uni.edu": go asks the prefix's own page and wants the same tag.
  if (chosen.prefix !== m.path) {
    const verified = await verifyPrefix(ctx, m, chosen, url, requests);
    if (verified) return { ok: false, failure: verified };
  }
  const govcs = checkGovcs(ctx.plan.goEnv.vars.GOVCS.value, ctx.plan.goEnv.vars.GOPRIVATE.value, chosen.vcs, chosen.prefix);
  if (govcs) return { ok: false, failure: govcsFailure(m, chosen.prefix, chosen.vcs, govcs, `unrecognized import path "${m.path}": ${govcs}`) };
  if (chosen.vcs === 'mod') {
    // A module proxy named by the origin (a subdirectory, go 1.25+, does not matter to a proxy: modfetch/repo.go lookupDirect): go speaks the proxy protocol to it.
    const base = `${chosen.repo.replace(/\/+$/, '')}/${wirePathEscape(escapePath(m.path))}`;
    requests.push(redactURL(`${base}/@v/list`));
    return checkVcsHost(ctx, m, chosen.repo, 'mod', version);
  }
  return fetchFromRepo(ctx, m, chosen.repo, chosen.prefix, chosen.vcs, version, chosen.subdir);
}

/** git repositories get the git hop; other VCSs the reachability check of their host. */
async function fetchFromRepo(ctx: WorkContext, m: PlannedModule, repo: string, root: string, vcs: string, version: string, subdir?: string): Promise<EntryResult<DirectInfo>> {
  if (vcs !== 'git') return checkVcsHost(ctx, m, repo, vcs, version);
  const git = await checkGitHop(ctx, { goURL: repo, modulePath: m.path, repoRoot: root, version, signal: ctx.signal, ...(subdir ? { subdir } : {}) });
  return gitResult(ctx, m, repo, vcs, version, git);
}

/** The git hop's answer as the `direct` entry's result: go's text for a failure. */
function gitResult(ctx: WorkContext, m: PlannedModule, repo: string, vcs: string, version: string, git: GitHopResult): EntryResult<DirectInfo> {
  if (git.ok) return { ok: true, value: { version: git.version, direct: true, vcs, repo, findings: git.findings, git: git.evidence } };
  const f = git.failure;
  // notExist stays false though go's error can be one (git.go loadRefs wraps a failed ls-remote in
  // notExistError when go's own GET of the repository URL answers 404/410; an unknown revision is
  // codehost.UnknownRevisionError): no GOPROXY list lets it change the outcome of a module fetch. "direct"
  // ends the list (proxy.go proxyList ignores every entry after it, go 1.23, 1.24 and 1.27), and after
  // "noproxy" every entry refuses a GONOPROXY path or is "direct" again (the same cached error); queryProxy
  // returns a failed Versions as it is for @latest. Measured: scenarios git-direct-then-proxy, git-no-credentials-latest.
  return {
    ok: false,
    failure: {
      cause: f.cause,
      target: f.target,
      detail: `direct fetch of ${m.path} from ${redactURL(repo)} with git: ${f.detail}`,
      // @latest fails in codeRepo.Versions, whose error is already go's module.ModuleError without a version
      // ("module <path>: ..."); modload's modinfoError does not wrap it again (goModuleError).
      goError: f.goError ?? `${version === 'latest' ? `module ${m.path}: ` : ''}${goGitError(ctx, repo, f.gitStderr, version)}`,
      hint: f.hint,
      notExist: false,
      ...(f.goWouldWait ? { goWouldWait: f.goWouldWait } : {}),
    },
  };
}

/** git's schemes in go's order of trying (vcs.go vcsGit.Scheme), and the ones git treats as secure (defaultSecureScheme). */
const GIT_SCHEMES = ['git', 'https', 'http', 'git+ssh', 'ssh'] as const;
const SECURE_SCHEMES: ReadonlySet<string> = new Set(['https', 'git+ssh', 'ssh']);

/**
 * The schemes go pings for a schemeless repository (vcs.go repoRootFromVCSPaths): every scheme of git, in
 * order, but only the secure ones unless GOINSECURE covers the path; GIT_ALLOW_PROTOCOL, when set, is the
 * list of the secure ones instead (isSecureScheme).
 */
export function gitPingSchemes(insecure: boolean, allowProtocol: string | undefined): string[] {
  const secure = (scheme: string): boolean => (allowProtocol ? allowProtocol.split(':').includes(scheme) : SECURE_SCHEMES.has(scheme));
  return GIT_SCHEMES.filter((scheme) => insecure || secure(scheme));
}

/**
 * A module path that names its VCS (".git" in it: vcs.go's last vcsPaths entry, schemelessRepo): go asks no
 * ?go-get=1 page; it runs `git ls-remote <scheme>://<repo>` (vcsGit.PingCmd; <repo> is the path up to ".git",
 * without it) for each scheme it may use and takes the first that answers, then lists that repository as
 * any other. When none answers, go's error says only "no secure protocol found for repository": the probe
 * names what each scheme met.
 */
async function fetchSchemeless(ctx: WorkContext, m: PlannedModule, repo: string, root: string, version: string): Promise<EntryResult<DirectInfo>> {
  const schemes = gitPingSchemes(m.insecure, ctx.options.env['GIT_ALLOW_PROTOCOL']);
  const tried: { scheme: string; failure: GitHopFailure }[] = [];
  for (const scheme of schemes) {
    const goURL = `${scheme}://${repo}`;
    const git = await checkGitHop(ctx, { goURL, modulePath: m.path, repoRoot: root, version, signal: ctx.signal });
    // The ping is ls-remote: it answered when the refs were listed, whether or not the version is there.
    if (git.ok || git.failure.cause === 'proxy.git_revision_not_found') return gitResult(ctx, m, goURL, 'git', version, git);
    tried.push({ scheme, failure: git.failure });
  }
  const first = tried[0];
  const goError = `no ${m.insecure ? '' : 'secure '}protocol found for repository`;
  if (!first) {
    return { ok: false, failure: { cause: 'proxy.direct_failed', target: repo, detail: `${m.path}: GIT_ALLOW_PROTOCOL allows none of git's schemes`, goError,
      hint: originHints.noAllowedScheme(), notExist: false } };
  }
  return {
    ok: false,
    failure: {
      cause: first.failure.cause,
      target: first.failure.target,
      detail: `${m.path} names its repository without a scheme: go tried ${schemes.map((s) => `${s}://${repo}`).join(', ')} and none answered (${tried.map((t) => `${t.scheme}: ${t.failure.detail}`).join('; ')})`,
      goError,
      hint: originHints.schemeless(schemes, repo, first.scheme, first.failure.hint),
      notExist: false,
      ...(first.failure.goWouldWait ? { goWouldWait: first.failure.goWouldWait } : {}),
    },
  };
}

/**
 * repoRootForImportDynamic's check of a non-authoritative tag: the page of the claimed prefix must carry
 * the same tag for the path ("<url1> and <url2> disagree about go-import for <prefix>"); a failure to get
 * that page is go's failure too.
 */
async function verifyPrefix(ctx: WorkContext, m: PlannedModule, chosen: MetaImport, firstURL: string, requests: string[]): Promise<WalkFailure | undefined> {
  const url = `https://${chosen.prefix}?go-get=1`;
  requests.push(url);
  let res;
  try {
    const web = { http: ctx.net.http, proxyEnv: ctx.net.proxyEnv };
    const get = { signal: ctx.budget('request'), maxBytes: MAX_DISCOVERY_BYTES, auth: ctx.plan.auth };
    res = m.insecure ? await goGetInsecure(web, url, get) : await goGet(web, url, get);
  } catch (err) {
    if (err instanceof GoWebError) {
      // metaImportsForPrefix: "fetching <prefix>: <err>".
      return directFailure(ctx, m, err, url, `unrecognized import path "${m.path}": fetching ${chosen.prefix}: ${err.goError}`);
    }
    throw err;
  }
  const imports = parseMetaGoImports(res.body.toString('utf8'), { subdir: ctx.plan.go.goImportSubdir });
  if (imports.length === 0) {
    // No tag on the prefix's page: its HTTP status when not 200, else "no go-import meta tag found".
    const why = res.status !== 200 ? `reading ${url}: ${res.statusLine}` : `fetching ${chosen.prefix}: no go-import meta tag found in ${url}`;
    return {
      cause: 'proxy.git_meta_mismatch',
      target: url,
      detail: `${firstURL} names ${chosen.prefix} as the repository root of ${m.path}, and ${url} (HTTP ${res.status}) carries no go-import tag to confirm it`,
      goError: `unrecognized import path "${m.path}": ${why}`,
      hint: originHints.metaMismatch(m.path, chosen.prefix, firstURL),
      notExist: false,
    };
  }
  const again = matchGoImport(imports, m.path);
  if (again && again.prefix === chosen.prefix && again.vcs === chosen.vcs && again.repo === chosen.repo && again.subdir === chosen.subdir) return undefined;
  const claim = `${chosen.prefix} ${chosen.vcs} ${chosen.repo}${chosen.subdir ? ` ${chosen.subdir}` : ''}`;
  const seen = again ? `${again.prefix} ${again.vcs} ${again.repo}${again.subdir ? ` ${again.subdir}` : ''}` : 'no go-import tag for it';
  return {
    cause: 'proxy.git_meta_mismatch',
    target: url,
    detail: `${firstURL} says "${claim}" for ${m.path}, but ${url} says ${again ? `"${seen}"` : seen}`,
    goError: `unrecognized import path "${m.path}": ${firstURL} and ${url} disagree about go-import for ${chosen.prefix}`,
    hint: originHints.metaMismatch(m.path, chosen.prefix, firstURL),
    notExist: false,
  };
}

function govcsFailure(m: PlannedModule, root: string, vcs: string, detail: string, goError: string): WalkFailure {
  return {
    cause: 'proxy.git_vcs_disallowed',
    target: root,
    detail: `${m.path}: ${detail}`,
    goError,
    hint: originHints.vcsDisallowed(vcs, root),
    notExist: false,
  };
}

async function checkVcsHost(ctx: WorkContext, m: PlannedModule, repo: string, vcs: string, version: string): Promise<EntryResult<DirectInfo>> {
  let url: URL;
  try {
    url = new URL(repo);
  } catch {
    return { ok: false, failure: { cause: 'proxy.direct_failed', target: repo, detail: `invalid repository URL ${repo}`, goError: `invalid repo root "${repo}"`, hint: originHints.badRepoURL(), notExist: false } };
  }
  const target = hopForURL(url, ctx.net.proxyEnv);
  const origin = `${url.protocol}//${url.host}`;
  const via = target.proxy.proxy ? 'proxy' : 'direct';
  const why = { kind: 'direct', module: m.path, text: vcs === 'mod' ? `module proxy named by the go-import tag of ${m.path}` : `${vcs} repository host of ${m.path} (go runs ${vcs})` };
  try {
    const hop = await openHop(ctx.net, target, ctx.signal, ['http/1.1'], { verify: !m.insecure });
    hop.socket.destroy();
    // Recorded with the HTTP client's connects: report.json's egress[] lists every origin the run dialed.
    ctx.net.http.opened.push({ ...openedOrigin(origin, via, hop), why });
  } catch (err) {
    if (isHopError(err)) {
      ctx.net.http.opened.push({ ...openedOrigin(origin, via, err), why });
      // A TLS failure does not stop go when GOINSECURE covers the path.
      if (!(m.insecure && err.layer === 'tls')) {
        const goError = `${vcs} fetch of ${repo}: ${err.goError}`;
        return { ok: false, failure: directFailure(ctx, m, err, repo, goError) };
      }
    } else throw err;
  }
  return { ok: true, value: { version, direct: true, vcs, repo } };
}

/**
 * A failed fetch from the origin, through the one conversion: a layer error underneath, or go's web client
 * refusing (its redirect policy). The hint says go fetches from the origin, then the layer's own fix.
 */
function directFailure(ctx: WorkContext, m: PlannedModule, err: GoWebError | HopError, target: string, goError: string): WalkFailure {
  const failed = err instanceof GoWebError ? err.failed : err;
  const detail = `direct fetch of ${m.path} from its origin: ${err.message}`;
  const host = new URL(target.startsWith('http') ? target : `https://${target}`).hostname;
  const hop = isHopError(failed);
  const layer = layerFailure(failed, {
    stage: 'proxy',
    facts: { host, nameservers: ctx.plan.dns.conf.servers, dialed: failed.target },
    target: hop ? failed.target : target,
    goError,
  });
  return { cause: layer.cause, target: layer.target, detail, goError, hint: directHint(m.path, hop ? layer.hint : undefined), notExist: false, layer };
}

interface MetaImport {
  readonly prefix: string;
  readonly vcs: string;
  readonly repo: string;
  /** The fourth field (go 1.25+): the module's subdirectory in the repository. */
  readonly subdir?: string;
}

/**
 * parseMetaGoImports (vcs/discovery.go): <meta name="go-import" content="prefix vcs repo"> in the head;
 * mod entries first. From go 1.25 a tag may have a fourth field, the subdirectory; older gos skip such a
 * tag as they skip any tag without exactly three fields.
 */
export function parseMetaGoImports(html: string, rules: { readonly subdir: boolean } = { subdir: false }): MetaImport[] {
  // encoding/xml reads comments and CDATA as text, not elements: a meta (or <body>) inside one does not count.
  const head = html.slice(0, MAX_DISCOVERY_BYTES).replace(/<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)/g, ' ');
  const stop = head.search(/<body[\s>/]|<\/head\s*>/i);
  const region = stop >= 0 ? head.slice(0, stop) : head;
  const found: MetaImport[] = [];
  const re = /<meta\b([^>]*)>/gi;
  let match: RegExpExecArray | null;
  let count = 0;
  while ((match = re.exec(region)) && count++ < 1000) {
    const attrs = match[1]!;
    if (attr(attrs, 'name') !== 'go-import') continue;
    const f = (attr(attrs, 'content') ?? '').trim().split(/\s+/);
    if (f.length === 3) found.push({ prefix: f[0]!, vcs: f[1]!, repo: f[2]! });
    else if (f.length === 4 && rules.subdir) found.push({ prefix: f[0]!, vcs: f[1]!, repo: f[2]!, subdir: f[3]! });
  }
  const modPrefixes = new Set(found.filter((i) => i.vcs === 'mod').map((i) => i.prefix));
  return [...found.filter((i) => i.vcs === 'mod'), ...found.filter((i) => i.vcs !== 'mod' && !modPrefixes.has(i.prefix))];
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  if (!m) return undefined;
  return (m[2] ?? m[3] ?? m[4] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** matchGoImport: the entry whose prefix is the path or a parent of it; the longest wins. */
function matchGoImport(imports: readonly MetaImport[], path: string): MetaImport | undefined {
  let best: MetaImport | undefined;
  for (const i of imports) {
    if (path !== i.prefix && !path.startsWith(`${i.prefix}/`)) continue;
    if (!best || i.prefix.length > best.prefix.length) best = i;
  }
  return best;
}
