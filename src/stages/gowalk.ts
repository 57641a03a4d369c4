// TryProxies: walk the GOPROXY list for one operation exactly as cmd/go does (modfetch/proxy.go).
// Comma entries fall through only on not-exist (404/410), pipe entries on any error; the reported
// error is the best one seen (direct/noproxy > other proxy errors > first not-exist).

import type { Cause, HopStage, PolicyCause } from '../causes.js';
import type { HintFacts } from '../hints.js';
import { HttpError, isHopError, PolicyError, ProtocolError, moduleStatusCause } from '../net/errors.js';
import { entryAction, tryProxies as goTryProxies, type EntryAction, type NotExistRule, type ProxyEntry } from '../goenv/proxylist.js';
import { escapePath, escapeVersion, wirePathEscape } from '../goenv/module.js';
import { redactURL } from '../goenv/redact.js';
import { goGet, GoWebError, type GoResponse, type RedirectHop } from '../net/goweb.js';
import type { NetServices } from '../net/services.js';
import type { Plan } from '../plan.js';
import { opScope } from '../budget.js';
import { layerFailure, type FailureSite, type LayerFailure } from './failure.js';

export interface WalkFailure {
  /** Stable cause, e.g. proxy.not_found, proxy.dns.timeout, proxy.bad_response. */
  readonly cause: Cause;
  readonly target: string;
  readonly detail: string;
  readonly goError: string;
  readonly hint: string;
  /** Counts as fs.ErrNotExist in go: a comma entry falls through. */
  readonly notExist: boolean;
  readonly status?: number;
  /** The responses on the way (redirects), when any were seen. */
  readonly hops?: readonly RedirectHop[];
  /** How long go itself would wait here, when the probe gave up sooner. */
  readonly goWouldWait?: string;
  /** The layer error underneath (a host that could not be reached, an HTTP exchange that failed). */
  readonly layer?: LayerFailure;
}

/** A walk failure as report.json shows it: the layer error underneath is the failure's source, not evidence. */
export type ShownFailure = Omit<WalkFailure, 'layer'>;

export function shownFailure(f: WalkFailure): ShownFailure {
  const { layer: _, ...shown } = f;
  return shown;
}

export interface WalkAttempt {
  readonly entry: string;
  readonly separator: ',' | '|';
  readonly url?: string;
  readonly status?: number;
  readonly outcome: 'ok' | 'not-exist' | 'error';
  readonly cause?: string;
  readonly goError?: string;
  readonly timeMs: number;
}

export type WalkResult<T> =
  | { readonly ok: true; readonly value: T; readonly servedBy: string; readonly attempts: readonly WalkAttempt[] }
  | { readonly ok: false; readonly failure: WalkFailure; readonly attempts: readonly WalkAttempt[] };

export type EntryResult<T> = { ok: true; value: T } | { ok: false; failure: WalkFailure };

export interface EntryHandlers<T> {
  /** Called for a proxy URL entry with the module's base URL (entry + escaped path). */
  proxy(base: string, entryURL: string): Promise<EntryResult<T>>;
  /** Called for `direct` (and `noproxy` for GONOPROXY paths): fetch from the module's origin. */
  direct(): Promise<EntryResult<T>>;
}

/** cmd/go's TryProxies (one implementation, in goenv/proxylist.ts) with the probe's requests per entry. */
export async function tryProxies<T>(
  plan: Plan,
  modulePath: string,
  handlers: EntryHandlers<T>,
  resolve: (entry: ProxyEntry) => EntryAction = (entry) => entryAction(entry, modulePath, plan.gonoproxy),
): Promise<WalkResult<T>> {
  const attempts: WalkAttempt[] = [];
  const walked = await goTryProxies<T, WalkFailure>(plan.proxyList, async (entry) => {
    const started = performance.now();
    const name = entry.kind === 'url' ? redactURL(entry.url) : entry.kind;
    const separator = entry.fallBackOnAnyError ? '|' : ',';
    const action = resolve(entry);
    let result: EntryResult<T>;
    if (action.action === 'not-exist') {
      result = { ok: false, failure: refusalFailure(new PolicyError(notExistCause(entry, action.rule), name, action.error, action.error), { modulePath }, true) };
    } else if (action.action === 'error') {
      result = { ok: false, failure: refusalFailure(new PolicyError('go.invalid_module_path', modulePath, action.error, action.error), { modulePath }, false) };
    } else if (action.action === 'proxy') {
      const base = modulePath === '' ? action.url.replace(/\/+$/, '') : `${action.url.replace(/\/+$/, '')}/${wirePathEscape(escapePath(modulePath))}`;
      result = await handlers.proxy(base, action.url);
    } else {
      result = await handlers.direct();
    }
    const timeMs = Math.round(performance.now() - started);
    if (result.ok) {
      attempts.push({ entry: name, separator, outcome: 'ok', timeMs });
      return { ok: true, value: result.value };
    }
    const f = result.failure;
    attempts.push({
      entry: name,
      separator,
      outcome: f.notExist ? 'not-exist' : 'error',
      cause: f.cause,
      goError: f.goError,
      ...(f.status !== undefined ? { status: f.status } : {}),
      timeMs,
    });
    // noproxy for a path outside GONOPROXY is errUseProxy: never ranked as a direct error.
    return { ok: false, error: f, notExist: f.notExist, useProxy: entry.kind === 'noproxy' && action.action !== 'direct' };
  });
  if (walked.ok) return { ok: true, value: walked.value, servedBy: attempts.at(-1)!.entry, attempts };
  return { ok: false, failure: walked.error ?? noEntries(), attempts };
}

const NOT_EXIST_CAUSE: { readonly [R in NotExistRule]: PolicyCause } = { off: 'go.proxy_off', private: 'go.proxy_disabled', unlisted: 'go.proxy_not_found' };

/** The refusal an entry that may not fetch the path is: an "off" entry is GOPROXY=off whatever else refused it. */
function notExistCause(entry: ProxyEntry, rule: NotExistRule): PolicyCause {
  return entry.kind === 'off' ? 'go.proxy_off' : NOT_EXIST_CAUSE[rule];
}

function noEntries(): WalkFailure {
  const msg = 'GOPROXY list is not the empty string, but contains no entries';
  return refusalFailure(new PolicyError('go.no_entries', 'GOPROXY', msg, msg), {}, false);
}

/**
 * go refusing by itself as one entry of the walk, through the one conversion (failure.ts): `notExist` when
 * go's walk treats the refusal as fs.ErrNotExist (an entry that may not fetch the module falls through).
 */
export function refusalFailure(err: PolicyError, facts: HintFacts, notExist: boolean): WalkFailure {
  return fromLayer(layerFailure(err, { facts }), undefined, notExist);
}

/** One GET the way proxyRepo.getBytes does it; non-200 becomes go's HTTPError, network errors keep their layer. */
export async function proxyGet(
  net: NetServices,
  plan: Plan,
  url: string,
  opts: { signal: AbortSignal; maxBytes: number; allowTruncated?: boolean },
): Promise<{ ok: true; res: GoResponse } | { ok: false; failure: WalkFailure }> {
  // The request's budget, released once its answer is read (goGet returns with the whole body).
  const budget = opScope(opts.signal, net.timeoutMs, 'request');
  try {
    const res = await goGet({ http: net.http, proxyEnv: net.proxyEnv }, url, { signal: budget.signal, maxBytes: opts.maxBytes, auth: plan.auth });
    if (res.status === 200 && res.truncated && !opts.allowTruncated) return { ok: false, failure: tooLargeFailure(url, opts.maxBytes) };
    if (res.status === 200) return { ok: true, res };
    const failure = statusFailure(res, url);
    // Credentials that go would have tried and that did not come: say why (never what they are).
    const problems = (res.status === 401 || res.status === 403) ? plan.auth.problems : [];
    return { ok: false, failure: problems.length > 0 ? { ...failure, detail: `${failure.detail}; ${problems.join('; ')}` } : failure };
  } catch (err) {
    if (err instanceof GoWebError) return { ok: false, failure: webFailure(err, plan) };
    throw err;
  } finally {
    budget.dispose();
  }
}

/**
 * A body past the probe's cap. go reads .info, .mod and list bodies whole (io.ReadAll, no limit): an
 * endless or huge body keeps it reading until the server stops or memory runs out. The probe stops
 * reading and names it instead of judging a prefix (which would look like a parse error).
 */
function tooLargeFailure(url: string, maxBytes: number): WalkFailure {
  const shown = redactURL(url);
  const detail = `the body of ${shown} goes on past ${maxBytes} bytes, where the probe stops reading; go has no limit here and would keep reading (slowly, or until memory runs out)`;
  const goError = `reading ${shown}: body larger than ${maxBytes} bytes (the probe's cap; go would still be reading)`;
  return fromLayer(layerFailure(new HttpError('http.too_large', shown, detail, goError), { stage: 'proxy', facts: { host: safeHost(url), moduleMetadata: true } }));
}

/** A walk entry that failed at a layer: the conversion's failure, kept whole for a later stage. */
function fromLayer(layer: LayerFailure, hops?: readonly RedirectHop[], notExist = false): WalkFailure {
  const { layerError: _, facts: __, ...shown } = layer;
  return { ...shown, notExist, ...(hops ? { hops } : {}), layer };
}

/** go's HTTPError: "reading <url>: 404 Not Found" plus the server's plain-text detail, as the proxy stage names it. */
export function statusFailure(res: GoResponse, url: string): WalkFailure {
  return moduleFailure(statusError(res, url), { stage: 'proxy', facts: { host: safeHost(url) } }, res.hops);
}

/** A status go treats as an error (its HTTPError), as a module protocol error (net/errors.ts). */
export function statusError(res: GoResponse, url: string): ProtocolError {
  const shown = redactURL(res.url || url);
  // web.get names the URL it was asked for (`fetched`), not the last hop of a redirect chain.
  const goError = `reading ${redactURL(url)}: ${res.statusLine}${errorDetail(res)}`;
  return new ProtocolError(moduleStatusCause(res.status), shown, `GET ${shown} -> ${res.statusLine}`, goError, { status: res.status, statusLine: res.statusLine });
}

/**
 * A module protocol failure as one entry of the walk, through the one conversion (failure.ts): 404 and
 * 410 count as not-exist (a comma entry falls through); the error is kept for a later stage that names
 * it again (the redirect stage judges a zip's final status).
 */
export function moduleFailure(err: ProtocolError, site: FailureSite, hops?: readonly RedirectHop[]): WalkFailure {
  const layer = layerFailure(err, site);
  const status = err.status;
  return {
    cause: layer.cause,
    target: layer.target,
    detail: layer.detail,
    goError: layer.goError,
    hint: layer.hint,
    notExist: status === 404 || status === 410,
    ...(status !== undefined ? { status } : {}),
    ...(hops ? { hops } : {}),
    layer,
  };
}

function errorDetail(res: GoResponse): string {
  const ct = res.headers['content-type'] ?? '';
  const m = /^\s*text\/plain\s*(?:;\s*charset\s*=\s*"?([^";\s]+)"?)?/i.exec(ct);
  if (!m) return '';
  const charset = (m[1] ?? '').toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'us-ascii') return '';
  let text = res.body.subarray(0, 4096).toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (text.includes('\uFFFD') || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text.replace(/\r/g, ''))) return '';
  const blank = text.search(/\n\s*\n/);
  if (blank >= 0) text = text.slice(0, blank);
  let lines = text.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter((l, i, a) => !(i === a.length - 1 && l === ''));
  let suffix = '';
  if (lines.length > 8) {
    lines = lines.slice(0, 8);
    suffix = '\n\t[Truncated: too many lines.]';
  }
  let joined = lines.length === 1 ? ` ${lines[0]}` : `\n\t${lines.join('\n\t')}`;
  if (joined.length > 648) {
    joined = joined.slice(0, 648);
    suffix = '\n\t[Truncated: too long.]';
  }
  if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) return '';
  return `\n\tserver response:${joined}${suffix}`;
}

/**
 * A failed web.Get as one entry of the walk, through the one conversion (failure.ts): a layer error
 * underneath is named by the stage that runs the walk; go's own refusals (a PolicyError: its redirect
 * policy, an unreadable file:// entry) by their rule.
 */
export function webFailure(err: GoWebError, plan: Plan, stage: HopStage = 'proxy'): WalkFailure {
  const url = redactURL(err.url);
  const host = safeHost(err.url);
  const failed = err.failed;
  // A host reached through a redirect (object storage behind the .zip) is named by the server's
  // Location, not by GOPROXY: the hint must not send the user to GOPROXY's port or spelling.
  const redirectedFrom = err.hops.length > 0 ? safeHost(err.hops[err.hops.length - 1]!.url) : undefined;
  const variable = redirectedFrom ? `the redirect Location from ${redirectedFrom} (the server's answer, not GOPROXY)` : undefined;
  const hop = isHopError(failed);
  const layer = layerFailure(failed, {
    stage,
    facts: hop ? { host, nameservers: plan.dns.conf.servers, dialed: failed.target, ...(variable ? { variable } : {}) } : { host },
    ...(hop ? {} : { target: url }),
    goError: err.goError,
  });
  return fromLayer(layer, err.hops);
}

/** host[:port] of a URL for messages; the text itself when it does not parse. */
export function safeHost(url: string | undefined): string {
  if (url === undefined) return '?';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function versionPath(version: string, suffix: '.info' | '.mod' | '.zip'): string {
  return `@v/${wirePathEscape(escapeVersion(version))}${suffix}`;
}

/**
 * Go's versionError wrapping: "<path>@<version>: <err>" or "module <path>: <err>". An error that is already
 * the module's ModuleError without a version ("module <path>: ...", a failed Versions) is not wrapped again
 * (modload/list.go modinfoError).
 */
export function goModuleError(path: string, version: string | undefined, err: string): string {
  if (err.startsWith(`module ${path}: `)) return err;
  return version ? `${path}@${version}: ${err}` : `module ${path}: ${err}`;
}
