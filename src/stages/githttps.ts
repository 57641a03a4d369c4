// The https transport of the git hop: what `git ls-remote` does over smart HTTP (git 2.39 with Debian's
// libcurl-gnutls: remote-curl.c discover_refs, http.c), with git's own settings, credentials and trust
// store, not go's. GET <repo>/info/refs?service=git-upload-pack (Git-Protocol: version=2); a v2 server's
// refs come from a POST of ls-refs to <repo>/git-upload-pack, a v0 server's with the advertisement, a
// dumb server's as "<oid>\t<ref>" lines. Then the tag go looks for. Every read is capped, every request
// bounded by the probe's timeout and the run's deadline.

import { netrcGitLookup, parseCurlNetrc } from '../goenv/curlnetrc.js';
import { gitCredentialFill, helperName } from '../goenv/gitcreds.js';
import type { GitConfigEntry } from '../goenv/gitconfig.js';
import { compare as semverCompare, isValid as isSemver, prerelease } from '../goenv/semver.js';
import { GitProtocolError, lsRefsRequest, parseInfoRefs, parseLsRefs, tagForVersion, UPLOAD_PACK_REQUEST, UPLOAD_PACK_RESULT, type GitRef } from '../net/gitsmart.js';
import { HttpError, isHopError, LayerError, type HopError } from '../net/errors.js';
import { HttpClient, SessionCache, type HttpResponse } from '../net/http.js';
import { loadTrustStore, rootCount, type TrustStore } from '../net/truststore.js';
import type { Cause } from '../causes.js';
import { gitTrustHint, gitWouldWaitFor, originHints } from '../hints.js';
import { layerFailure } from './failure.js';
import { InputFileError } from '../inputfile.js';
import { gitHopFailure, redactGitURL, registerGitTransport, type GitHopFailure, type GitHopRequest, type GitHopResult, type GitTransport } from './githop.js';
import type { GitEnvironment } from '../state.js';
import type { WorkContext } from './stage.js';
import type { Finding } from './outcome.js';

/** The user agent of Debian bookworm's git (http.c git_user_agent). */
const GIT_USER_AGENT = 'git/2.39.5';
/** The refs answer of a large repository fits; a server sending more is refused (gitsmart.ts caps the refs too). */
const MAX_REFS_BYTES = 32 * 1024 * 1024;
/** libcurl's default CA path in Debian's libcurl3-gnutls (there is no default CA file: "CAfile: none"). */
export const GIT_DEFAULT_CAPATH = '/etc/ssl/certs';

/** The http.* settings that apply to one URL (http.c http_options with urlmatch), env overrides applied. */
export interface GitHttpSettings {
  readonly sslVerify: boolean;
  readonly sslCAInfo?: string;
  readonly sslCAPath: string;
  /** http.extraHeader values, in order (an empty value clears the list). Secrets: never shown. */
  readonly extraHeaders: readonly string[];
  /** protocol.version: 2 sends Git-Protocol: version=2. */
  readonly protocolVersion: number;
  readonly userAgent: string;
  /** Where each setting came from, for the evidence (names only). */
  readonly origins: Readonly<Record<string, string>>;
}

/**
 * urlmatch.c match_urls as http.<url>.* uses it: same scheme, host (case-insensitive) and port, the
 * config URL's path a prefix of the request's at a "/" boundary, its user (if any) the request's. The
 * score orders matches: a longer path wins, then a user match; http.<key> without a URL scores lowest.
 */
function urlMatchScore(pattern: string, url: URL): number | undefined {
  // A host label "*" matches one label (urlmatch.c match_host); WHATWG URLs refuse "*", so it is swapped out.
  const star = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([^/:]*)/i.exec(pattern);
  const hostPattern = (star?.[2] ?? '').toLowerCase();
  let p: URL;
  try {
    p = new URL(star ? pattern.replace(star[0], `${star[1]}${hostPattern.replace(/\*/g, 'wildcard-label')}`) : pattern);
  } catch {
    return undefined;
  }
  const labels = hostPattern.split('.');
  const host = url.hostname.toLowerCase().split('.');
  const hostOk = labels.length === host.length && labels.every((l, i) => l === '*' || l === host[i]);
  if (p.protocol !== url.protocol || !hostOk || p.port !== url.port) return undefined;
  if (p.username && decodeURIComponent(p.username) !== decodeURIComponent(url.username)) return undefined;
  const prefix = p.pathname.replace(/\/+$/, '');
  const path = url.pathname;
  if (prefix !== '' && path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
  return prefix.length * 2 + (p.username ? 1 : 0);
}

const gitBool = (v: string | null): boolean => v === null || /^(true|yes|on|1)$/i.test(v.trim()) || (/^-?\d+$/.test(v.trim()) && Number(v) !== 0);

/** http.<key> and http.<url>.<key> for one URL as git's urlmatch_config_entry keeps them. */
export function gitHttpSettings(entries: readonly GitConfigEntry[], env: Readonly<Record<string, string | undefined>>, rawUrl: string): GitHttpSettings {
  const url = new URL(rawUrl);
  const best = new Map<string, { score: number; value: string | null; origin: string }>();
  const headers: { value: string; score: number }[] = [];
  let headerScore = -1;
  let protocolVersion = 2;
  const origins: Record<string, string> = {};
  for (const e of entries) {
    if (e.key === 'protocol.version' && e.value !== null && /^\d+$/.test(e.value.trim())) protocolVersion = Number(e.value.trim());
    if (!e.key.startsWith('http.')) continue;
    const last = e.key.lastIndexOf('.');
    const name = e.key.slice(last + 1);
    const middle = e.key.slice('http.'.length, last);
    const score = middle === '' ? -1 : urlMatchScore(middle, url);
    if (score === undefined) continue;
    if (name === 'extraheader') {
      // A less specific entry after a more specific one does not apply (cmp_matches < 0).
      if (score < headerScore) continue;
      headerScore = score;
      if (e.value === '') headers.length = 0;
      else if (e.value !== null) headers.push({ value: e.value, score });
      origins['http.extraHeader'] = e.origin;
      continue;
    }
    const prev = best.get(name);
    if (prev && score < prev.score) continue;
    best.set(name, { score, value: e.value, origin: e.origin });
  }
  const get = (name: string): string | null | undefined => best.get(name)?.value;
  for (const [k, v] of best) origins[`http.${k}`] = v.origin;
  // http.c: GIT_SSL_NO_VERIFY (any value) turns verification off; GIT_SSL_CAINFO/CAPATH replace the config.
  let sslVerify = get('sslverify') === undefined ? true : gitBool(get('sslverify')!);
  if (env['GIT_SSL_NO_VERIFY'] !== undefined) {
    sslVerify = false;
    origins['http.sslVerify'] = 'GIT_SSL_NO_VERIFY';
  }
  const cainfo = env['GIT_SSL_CAINFO'] ?? get('sslcainfo') ?? undefined;
  if (env['GIT_SSL_CAINFO'] !== undefined) origins['http.sslCAInfo'] = 'GIT_SSL_CAINFO';
  const capath = env['GIT_SSL_CAPATH'] ?? get('sslcapath') ?? GIT_DEFAULT_CAPATH;
  if (env['GIT_SSL_CAPATH'] !== undefined) origins['http.sslCAPath'] = 'GIT_SSL_CAPATH';
  const expand = (p: string): string => (p.startsWith('~/') && env['HOME'] ? env['HOME'] + p.slice(1) : p);
  return {
    sslVerify,
    ...(cainfo ? { sslCAInfo: expand(cainfo) } : {}),
    sslCAPath: expand(capath || GIT_DEFAULT_CAPATH),
    extraHeaders: headers.map((h) => h.value),
    protocolVersion,
    userAgent: env['GIT_HTTP_USER_AGENT'] ?? get('useragent') ?? GIT_USER_AGENT,
    origins,
  };
}

/** git's trust store: the CA file (only when set) and every certificate in the CA path. SSL_CERT_FILE/DIR play no part. */
export function loadGitTrust(settings: GitHttpSettings, git: GitEnvironment): Promise<TrustStore> {
  return loadTrustStore({ files: settings.sslCAInfo ? [settings.sslCAInfo] : [], dirs: [settings.sslCAPath] }, git.fs);
}

interface Attempt {
  readonly authorization?: string;
  /** Where the credential came from (never what it is). */
  readonly from?: string;
}

class GitFail extends Error {
  constructor(readonly failure: GitHopFailure) {
    super(failure.detail);
  }
}

export const gitHttpsTransport: GitTransport = {
  name: 'https',
  async check(ctx: WorkContext, req: GitHopRequest): Promise<GitHopResult> {
    const findings: Finding[] = [];
    const evidence: Record<string, unknown> = {};
    const url = new URL(req.url);
    const settings = gitHttpSettings(req.git.config.entries, req.git.env, req.url);
    evidence['settings'] = { sslVerify: settings.sslVerify, sslCAInfo: settings.sslCAInfo ?? null, sslCAPath: settings.sslCAPath, extraHeaders: settings.extraHeaders.length, protocolVersion: settings.protocolVersion, from: settings.origins };
    const trust = await loadGitTrust(settings, req.git);
    evidence['trust'] = { loaded: trust.loaded, certificates: rootCount(trust) };
    const client = new HttpClient({ resolver: ctx.net.resolver, trust, proxyEnv: ctx.net.proxyEnv, timeoutMs: ctx.net.timeoutMs, ...(ctx.net.x509 ? { x509: ctx.net.x509 } : {}) }, new SessionCache(), settings.userAgent);
    // remote-curl.c: the repository URL with a trailing slash; messages show it without user info.
    const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/*$/, '/')}`;
    const shown = base;
    try {
      const refs = await listRefs(ctx, req, client, settings, base, findings, evidence);
      if (!refs) return { ok: true, version: req.version, evidence, findings };
      evidence['refs'] = refs.length;
      return judgeRefs(req, refs, shown, evidence, findings);
    } catch (err) {
      if (err instanceof GitFail) return { ok: false, failure: err.failure, evidence, findings };
      throw err;
    } finally {
      // The hosts git dialed are egress the pod needs, like go's own.
      const why = { kind: 'git', module: req.modulePath, text: `git repository host of ${req.modulePath} (go runs git ls-remote)` };
      ctx.net.http.opened.push(...client.opened.map((o) => ({ ...o, why })));
      ctx.net.http.requests.push(...client.requests);
      await client.close();
    }
  },
};

registerGitTransport(gitHttpsTransport);

/**
 * info/refs with git's authentication dance (http.c http_request_reauth, credential.c): the first request
 * carries the URL's user:password if it has both, else nothing; on 401 libcurl tries ~/.netrc (curl's
 * CURL_NETRC_OPTIONAL), then git asks the credential helpers, then would prompt, which GIT_TERMINAL_PROMPT=0
 * (go sets it) turns into "could not read Username". A helper's credential rejected is "Authentication
 * failed". undefined: the refs depend on a helper the probe cannot run (not checked).
 */
async function listRefs(ctx: WorkContext, req: GitHopRequest, client: HttpClient, settings: GitHttpSettings, base: string,
  findings: Finding[], evidence: Record<string, unknown>): Promise<GitRef[] | undefined> {
  const url = new URL(req.url);
  const anonymous = `${url.protocol}//${url.host}`;
  const infoRefs = `${base}info/refs?service=git-upload-pack`;
  const headers: Record<string, string> = { pragma: 'no-cache', ...extraHeaderMap(settings.extraHeaders) };
  if (settings.protocolVersion === 2) headers['git-protocol'] = 'version=2';
  const userinfo = url.username !== '' && url.password !== '' ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  const steps: string[] = [];
  let attempt: Attempt = userinfo ? { authorization: basic(userinfo.username, userinfo.password), from: 'the URL' } : {};
  let res = await send(ctx, client, 'GET', infoRefs, undefined, headers, attempt, req, base);
  steps.push(`GET info/refs${attempt.from ? ` with credentials from ${attempt.from}` : ''}: ${res.statusLine}`);
  let netrcRejected = false;
  if (res.status === 401 && !userinfo) {
    const netrc = await curlNetrc(req.git, url);
    if (netrc) {
      attempt = { authorization: basic(netrc.login, netrc.password), from: netrc.origin };
      res = await send(ctx, client, 'GET', infoRefs, undefined, headers, attempt, req, base);
      steps.push(`GET info/refs with credentials from ${netrc.origin}: ${res.statusLine}`);
      netrcRejected = res.status === 401;
    }
  }
  if (res.status === 401 && userinfo) {
    throw new GitFail(authFailed(req, base, 'the user:password in the repository URL', steps, res));
  }
  if (res.status === 401) {
    let filled = await gitCredentialFill(req.git.config.entries, req.git.env, req.git.fs, `${anonymous}${url.pathname}`);
    // git_prompt (prompt.c): with GIT_TERMINAL_PROMPT=0 an askpass program still answers (GIT_ASKPASS,
    // core.askPass, SSH_ASKPASS): one more program the probe cannot run.
    const askPass = req.git.env['GIT_ASKPASS'] ? 'GIT_ASKPASS' : req.git.config.entries.some((e) => e.key === 'core.askpass' && e.value) ? 'core.askPass' : req.git.env['SSH_ASKPASS'] ? 'SSH_ASKPASS' : undefined;
    if (askPass) filled = { ...filled, notChecked: [...filled.notChecked, askPass] };
    evidence['credentialHelpers'] = { read: filled.read, notChecked: filled.notChecked };
    if (filled.credential) {
      attempt = { authorization: basic(filled.credential.username, filled.credential.password), from: filled.credential.origin };
      res = await send(ctx, client, 'GET', infoRefs, undefined, headers, attempt, req, base);
      steps.push(`GET info/refs with credentials from ${filled.credential.origin}: ${res.statusLine}`);
      if (res.status === 401) throw new GitFail(authFailed(req, base, `the credential store (${filled.credential.origin})`, steps, res));
    } else if (filled.notChecked.length > 0) {
      findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: req.modulePath,
        message: `${redactGitURL(req.url)} asks for credentials (401) and git would ask the credential helper${filled.notChecked.length > 1 ? 's' : ''} ${filled.notChecked.join(', ')}, which the probe cannot run: whether git gets in, and whether ${req.version} is there, is not checked`,
        hint: originHints.credentialHelperNotChecked() });
      evidence['steps'] = steps;
      return undefined;
    } else {
      evidence['steps'] = steps;
      const why = netrcRejected ? 'the .netrc credentials were rejected (401) and no credential helper has others' : 'the server asks for credentials (401) and git finds none';
      throw new GitFail({
        cause: netrcRejected ? 'proxy.git_auth_failed' : 'proxy.git_auth_required',
        target: redactGitURL(base),
        detail: `${why}; git may not prompt (go sets GIT_TERMINAL_PROMPT=0). ${steps.join('; ')}`,
        gitStderr: filled.promptError,
        hint: netrcRejected ? originHints.netrcRejected(url.hostname, url.host) : originHints.noCredentials(url.host, url.hostname),
      });
    }
  }
  evidence['steps'] = steps;
  if (res.status === 404 || res.status === 410) {
    throw new GitFail({ cause: 'proxy.git_repo_not_found', target: redactGitURL(base), detail: `GET ${redactGitURL(infoRefs)} -> ${res.statusLine}: there is no repository at ${redactGitURL(base)}`,
      gitStderr: `${remoteLines(res)}fatal: repository '${redactGitURL(base)}' not found`,
      hint: originHints.repoNotFound(req.rewrite ? { base: redactGitURL(req.rewrite.base), insteadOf: redactGitURL(req.rewrite.insteadOf), goURL: redactGitURL(req.goURL) } : undefined) });
  }
  if (res.status !== 200) {
    const cause: Cause = res.status === 403 ? (attempt.authorization ? 'proxy.git_auth_failed' : 'proxy.git_auth_required') : 'proxy.direct_failed';
    throw new GitFail({ cause, target: redactGitURL(base), detail: `GET ${redactGitURL(infoRefs)} -> ${res.statusLine}`,
      gitStderr: `${remoteLines(res)}fatal: unable to access '${redactGitURL(base)}': The requested URL returned error: ${res.status}`,
      hint: res.status === 403 ? originHints.repoForbidden(url.host, attempt.from) : originHints.gitBadStatus(url.host, res.statusLine) });
  }
  let info;
  try {
    info = parseInfoRefs(res.headers['content-type'], res.body);
  } catch (err) {
    if (err instanceof GitProtocolError) throw new GitFail(protocolFailure(base, err));
    throw err;
  }
  if (!info) {
    // The dumb protocol (http-fetch.c): info/refs is "<oid>\t<ref>" lines.
    findings.push({ code: 'proxy.git_dumb_http', severity: 'info', target: req.modulePath, message: `${redactGitURL(base)} speaks git's dumb HTTP protocol (info/refs as ${res.headers['content-type'] ?? 'no content type'})` });
    return res.body.toString('utf8').split('\n').flatMap((line) => {
      const [oid, name] = line.split('\t');
      return oid && name && /^[0-9a-f]{40}$/.test(oid) ? [{ name: name.trim(), oid }] : [];
    });
  }
  evidence['protocol'] = info.protocol;
  if (info.protocol === 'v0') return [...info.refs];
  const lsRefs = await send(ctx, client, 'POST', `${base}git-upload-pack`, lsRefsRequest(info.capabilities),
    { ...headers, 'content-type': UPLOAD_PACK_REQUEST, accept: UPLOAD_PACK_RESULT }, attempt, req, base);
  if (lsRefs.status !== 200) {
    throw new GitFail({ cause: 'proxy.direct_failed', target: redactGitURL(base), detail: `POST ${redactGitURL(base)}git-upload-pack (ls-refs) -> ${lsRefs.statusLine}`,
      gitStderr: `fatal: unable to access '${redactGitURL(base)}': The requested URL returned error: ${lsRefs.status}`,
      hint: originHints.lsRefsRefused(url.host) });
  }
  try {
    return parseLsRefs(lsRefs.body);
  } catch (err) {
    if (err instanceof GitProtocolError) throw new GitFail(protocolFailure(base, err));
    throw err;
  }
}

function protocolFailure(base: string, err: GitProtocolError): GitHopFailure {
  // An ERR packet is the git server refusing in its own words (pkt-line.c: "remote error: <msg>").
  const hint = err.gitMessage.startsWith('remote error: ') ? originHints.gitRemoteError(redactGitURL(base), err.gitMessage) : originHints.notSmartHttp(redactGitURL(base));
  return { cause: 'proxy.git_protocol', target: redactGitURL(base), detail: `${redactGitURL(base)}: ${err.message}`, gitStderr: `fatal: ${err.gitMessage}`, hint };
}

/**
 * remote-curl.c show_http_message: a text/plain error body is shown line by line as "remote: <line>"
 * before git's own message (trimmed; nothing for an empty body or another type).
 */
function remoteLines(res: HttpResponse): string {
  const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/plain') return '';
  const msg = res.body.subarray(0, 64 * 1024).toString('utf8').trim();
  if (msg === '') return '';
  return `${msg.split('\n').map((l) => `remote: ${l}`).join('\n')}\n`;
}

function authFailed(req: GitHopRequest, base: string, from: string, steps: readonly string[], res: HttpResponse): GitHopFailure {
  const url = new URL(req.url);
  return {
    cause: 'proxy.git_auth_failed',
    target: redactGitURL(base),
    detail: `${url.host} rejects the credentials from ${from} (401). ${steps.join('; ')}`,
    gitStderr: `${remoteLines(res)}fatal: Authentication failed for '${redactGitURL(base)}'`,
    hint: originHints.credentialsRejected(url.host, from),
  };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** http.extraHeader lines ("Name: value") as request headers; a line without a colon is skipped. */
function extraHeaderMap(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** libcurl's netrc: $HOME/.netrc (curl ignores $NETRC), the machine equal to the host name, or `default`. */
async function curlNetrc(git: GitEnvironment, url: URL): Promise<{ login: string; password: string; origin: string } | undefined> {
  const home = git.env['HOME'];
  if (!home) return undefined;
  const path = `${home}/.netrc`;
  let text: string;
  try {
    text = (await git.fs.readFile(path, '.netrc')).toString('utf8');
  } catch (err) {
    if (err instanceof InputFileError) return undefined;
    throw err;
  }
  const entry = netrcGitLookup(parseCurlNetrc(text), url.hostname, url.username ? decodeURIComponent(url.username) : undefined);
  return entry ? { login: entry.login, password: entry.password, origin: path } : undefined;
}

/** One request of git's, with its layer failures in git's words (curl's error strings as git prints them). */
async function send(ctx: WorkContext, client: HttpClient, method: 'GET' | 'POST', url: string, body: Buffer | undefined,
  headers: Record<string, string>, attempt: Attempt, req: GitHopRequest, base: string): Promise<HttpResponse> {
  const opts = {
    signal: ctx.budget('request', req.signal),
    maxBytes: MAX_REFS_BYTES,
    headers,
    ...(attempt.authorization ? { authorization: attempt.authorization } : {}),
    insecure: !gitHttpSettings(req.git.config.entries, req.git.env, req.url).sslVerify,
  };
  try {
    const res = method === 'GET' ? await client.get(url, opts) : await client.post(url, body ?? Buffer.alloc(0), opts);
    if (res.truncated) {
      const tooLarge = new HttpError('http.too_large', redactGitURL(base), `the answer of ${redactGitURL(url)} goes on past ${MAX_REFS_BYTES} bytes, where the probe stops reading (endless refs?)`, 'fatal: the remote end hung up unexpectedly');
      throw new GitFail(gitHopFailure(layerFailure(tooLarge, { stage: 'proxy', facts: { host: new URL(url).host, gitRefs: true } })));
    }
    return res;
  } catch (err) {
    if (err instanceof GitFail) throw err;
    const u = new URL(url);
    const shown = redactGitURL(base);
    if (isHopError(err)) {
      const f = layerFailure(err, { stage: 'proxy', facts: { host: u.hostname, dialed: err.target, nameservers: ctx.plan.dns.conf.servers, variable: 'the repository URL (go-import tag or insteadOf)' } });
      const settings = gitHttpSettings(req.git.config.entries, req.git.env, req.url);
      const wait = gitWouldWaitFor(err.code);
      throw new GitFail(gitHopFailure(f, {
        detail: `git's request to ${redactGitURL(url)}: ${err.message}`,
        gitStderr: `fatal: unable to access '${shown}': ${curlText(err, u, settings)}`,
        // git checks the certificate against its own trust store, not go's.
        ...(err.code === 'tls.unknown_authority' ? { hint: gitTrustHint(u.host, settings.sslCAInfo, settings.sslCAPath, f.hint) } : {}),
        ...(wait ? { goWouldWait: wait } : {}),
      }));
    }
    if (err instanceof LayerError) {
      const f = layerFailure(err, { stage: 'proxy', facts: { host: u.hostname }, target: redactGitURL(base) });
      const wait = gitWouldWaitFor(err.code);
      throw new GitFail(gitHopFailure(f, { detail: `git's request to ${redactGitURL(url)}: ${err.message}`, gitStderr: `fatal: unable to access '${shown}': ${err.message}`, ...(wait ? { goWouldWait: wait } : {}) }));
    }
    throw err;
  }
}

/** When Linux gives up on a connect whose SYNs go unanswered, with the default net.ipv4.tcp_syn_retries=6. */
const LINUX_SYN_GIVE_UP_MS = 127_000;

/** curl's error buffer for a layer failure, as libcurl 7.88 with GnuTLS words it. */
function curlText(err: HopError, url: URL, s: GitHttpSettings): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  switch (err.layer) {
    case 'dns':
      return `Could not resolve host: ${url.hostname}`;
    case 'tcp':
      // libcurl 7.88 words a refused and a timed-out connect alike, with the time it took (measured: "after
      // 7131 ms" in a pod with tcp_syn_retries=2); a dropped SYN takes the kernel's give-up time, 127 s with
      // Linux's default tcp_syn_retries=6 (1+2+…+64 s).
      return `Failed to connect to ${url.hostname} port ${port} after ${err.code === 'tcp.timeout' ? LINUX_SYN_GIVE_UP_MS : 0} ms: Couldn't connect to server`;
    default:
      return err.code === 'tls.unknown_authority' || err.code === 'tls.expired' || err.code === 'tls.not_yet_valid'
        ? `server certificate verification failed. CAfile: ${s.sslCAInfo ?? 'none'} CRLfile: none`
        : err.code === 'tls.name_mismatch'
          ? `SSL: no alternative certificate subject name matches target host name '${url.hostname}'`
          : `gnutls_handshake() failed: ${err.message}`;
  }
}

/**
 * What go does with the refs (modfetch/codehost/git.go, modfetch/coderepo.go): a version is there when
 * its tag is (dir/vX.Y.Z for a module in a subdirectory of the repository; +incompatible names the plain
 * tag); "latest" is the highest tag of the module's major version; a pseudo-version names a commit that
 * ls-refs cannot list.
 */
/**
 * The tag prefix of the module (coderepo.go newCodeRepo codeDir): the module path past the repository
 * root, without its major suffix, joined with the go-import tag's subdirectory (go 1.25+), and "/".
 */
function tagPrefix(req: GitHopRequest): string {
  const probe = tagForVersion(req.modulePath, req.repoRoot, 'v0.0.0');
  const prefix = probe.check === 'tag' ? probe.tag.slice('refs/tags/'.length, -'v0.0.0'.length) : '';
  const subdir = (req.subdir ?? '').replace(/^\/+|\/+$/g, '');
  return subdir === '' ? prefix : `${prefix}${subdir}/`;
}

export function judgeRefs(req: GitHopRequest, refs: readonly GitRef[], shown: string, evidence: Record<string, unknown>, findings: Finding[]): GitHopResult {
  const tags = new Set(refs.filter((r) => r.name.startsWith('refs/tags/')).map((r) => r.name));
  if (req.version === 'latest') {
    const prefix = tagPrefix(req);
    const major = /\/v([2-9]|[1-9]\d+)$/.exec(req.modulePath)?.[1];
    const versions = [...tags].map((t) => t.slice('refs/tags/'.length)).filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
      .filter((v) => isSemver(v) && (major ? v.startsWith(`v${major}.`) : /^v[01]\./.test(v)));
    const releases = versions.filter((v) => prerelease(v) === '');
    const pool = releases.length > 0 ? releases : versions;
    const latest = pool.sort(semverCompare).at(-1);
    if (!latest) {
      findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: req.modulePath, message: `${shown} has no tag for ${req.modulePath}: go would make a pseudo-version of the default branch's head, which the probe does not check` });
      return { ok: true, version: req.version, evidence, findings };
    }
    evidence['latest'] = latest;
    return { ok: true, version: latest, evidence, findings };
  }
  const check = tagForVersion(req.modulePath, req.repoRoot, req.version);
  if (check.check === 'not checked') {
    findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: req.modulePath, message: `${req.modulePath}@${req.version}: ${check.why}: not checked` });
    return { ok: true, version: req.version, evidence, findings };
  }
  const tag = `refs/tags/${tagPrefix(req)}${req.version.replace(/\+incompatible$/, '')}`;
  evidence['tag'] = tag;
  const found = refs.find((r) => r.name === tag);
  if (found) {
    // git.go loadRefs records an annotated tag by the object it peels to ("<tag>^{}" in v0, "peeled:" in
    // v2): the commit go then fetches shallowly and reads go.mod from (which the probe does not do).
    evidence['commit'] = found.peeled ?? found.oid;
    evidence['annotated'] = found.peeled !== undefined;
    return { ok: true, version: req.version, evidence, findings };
  }
  const short = tag.slice('refs/tags/'.length);
  const near = [...tags].map((t) => t.slice('refs/tags/'.length)).filter((t) => t.endsWith(req.version.replace(/\+incompatible$/, ''))).slice(0, 3);
  return {
    ok: false,
    evidence,
    findings,
    failure: {
      cause: 'proxy.git_revision_not_found',
      target: redactGitURL(shown),
      detail: `${redactGitURL(shown)} has no tag ${short} (${tags.size} tags listed${near.length > 0 ? `; tags with that version: ${near.join(', ')}` : ''})`,
      gitStderr: '',
      goError: `invalid version: unknown revision ${short}`,
      hint: near.length > 0 ? originHints.revisionNear(near, short, req.repoRoot) : originHints.revisionMissing(short),
    },
  };
}
