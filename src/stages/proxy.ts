// Stage 4: each probed module resolves through the GOPROXY list the way `go mod download` does it:
// the query (.info, or @v/list then @latest for "latest"), then .mod, each with its own TryProxies walk.

import { parseGoMod } from '../goenv/gomod.js';
import { isPseudoVersion, isValid as isSemver, compare as semverCompare, prerelease, canonical } from '../goenv/semver.js';
import { redactURL } from '../goenv/redact.js';
import type { PlannedModule } from '../plan.js';
import type { ModuleFetch } from '../state.js';
import { checkDirect } from './direct.js';
import { goModuleError, moduleFailure, proxyGet, shownFailure, tryProxies, versionPath, type EntryResult, type ShownFailure, type WalkAttempt } from './gowalk.js';
import { ProtocolError } from '../net/errors.js';
import { hintFor } from '../hints.js';
import { mapLimit, STAGE_CONCURRENCY } from './limit.js';
import { fetchZip } from './zipfetch.js';
import { isCanonicalVersion } from '../goenv/module.js';
import type { Stage, StageContext } from './stage.js';
import { fail, pass, type Failure, type Finding } from './outcome.js';

const MAX_META_BYTES = 16 * 1024 * 1024;

interface Info {
  readonly version: string;
  readonly time?: string;
  /** Set when the answer came from the origin (direct): go runs the VCS (git: the probe lists the refs as git ls-remote does). */
  readonly direct?: boolean;
  /** What the direct fetch's git hop noticed without failing. */
  readonly findings?: readonly Finding[];
  /** What the direct fetch's git hop saw (DirectInfo.git). */
  readonly git?: Record<string, unknown>;
  readonly contentType?: string;
}

interface ModuleReport {
  path: string;
  query: string;
  version?: string;
  servedBy?: string;
  info?: readonly WalkAttempt[];
  mod?: readonly WalkAttempt[];
  requests: string[];
  failure?: ShownFailure & { op: string };
  /** A direct git fetch: what the git hop saw (the URL git dialed, insteadOf, transport, the tag and the commit it resolves to). */
  git?: Record<string, unknown>;
}

export const proxyStage: Stage = {
  name: 'proxy',
  async run(ctx) {
    const findings: Finding[] = [];
    // go fetches the toolchain before anything else (toolchain.Select runs first): its failure is go's.
    const toolchain = probeToolchain(ctx, findings);
    const reports = await mapLimit(ctx.plan.modules, STAGE_CONCURRENCY, (m) => probeModule(ctx, m, findings));
    const tc = await toolchain;
    if (tc?.failure) return fail(tc.failure, { toolchain: tc.report, modules: reports }, findings);
    // state.modules fills in the order the modules finished; the later stages walk it (and report its
    // first failure), so put it back in plan order: the verdict must not depend on which answer came first.
    const rank = (f: ModuleFetch): number => (f.planned ? ctx.plan.modules.indexOf(f.planned) : 0);
    ctx.state.modules.sort((a, b) => rank(a) - rank(b));
    const failed = reports.filter((r) => r.failure);
    const evidence = { ...(tc ? { toolchain: tc.report } : {}), modules: reports };
    if (failed.length === 0) return pass(evidence, findings);
    const first = failed[0]!;
    for (const other of failed.slice(1)) {
      findings.push({ code: 'proxy.module_failed', severity: 'warn', target: other.path, message: `${other.path} fails too: ${other.failure!.cause}: ${other.failure!.detail}` });
    }
    const f = first.failure!;
    const failure: Failure = {
      stage: 'proxy',
      cause: f.cause,
      target: f.target,
      detail: `${first.path}@${first.version ?? first.query} (${f.op}): ${f.detail}`,
      hint: f.hint,
      goError: goModuleError(first.path, first.version ?? first.query, f.goError),
      ...(f.goWouldWait ? { goWouldWait: f.goWouldWait } : {}),
    };
    return fail(failure, evidence, findings);
  },
};

/**
 * The toolchain download go makes when it switches (toolchain.Exec → modfetch.Download): only the zip of
 * golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH, walked through GOPROXY like any module's zip; the
 * probe reads its first TOOLCHAIN_ZIP_PREFIX bytes. Served, it joins the fetched modules so that the
 * sumdb stage looks it up and the redirect stage judges its chain.
 */
async function probeToolchain(ctx: StageContext, findings: Finding[]): Promise<{ report: Record<string, unknown>; failure?: Failure } | undefined> {
  const tc = ctx.plan.toolchain;
  if (tc.kind !== 'switch' || !tc.module) return undefined;
  const { path, version, toolchain } = tc.module;
  const zip = await fetchZip(ctx, { path, version, servedBy: '' });
  fallthroughFindings(path, '.zip', zip.attempts, findings);
  const report: Record<string, unknown> = { path, version, toolchain, attempts: zip.attempts };
  if (zip.ok) {
    report['servedBy'] = zip.servedBy;
    if (zip.servedBy === 'direct') {
      findings.push({ code: 'proxy.toolchain_direct', severity: 'warn', target: path, message: `the toolchain ${toolchain} would come from its origin (direct): the probe does not check that fetch` });
      return { report };
    }
    report['zip'] = { status: zip.value.status, bytesRead: zip.value.size, isZip: zip.value.isZip };
    ctx.state.modules.unshift({ path, version, servedBy: zip.servedBy });
    return { report };
  }
  const f = zip.failure;
  const platform = tc.platform;
  // select.go Exec: a not-exist error (404/410 on every entry, GOPROXY=off) is "toolchain not available".
  if (f.notExist || f.cause === 'proxy.not_found' || f.cause === 'proxy.gone' || f.cause === 'proxy.off') {
    return {
      report,
      failure: {
        stage: 'proxy',
        cause: 'proxy.toolchain_not_available',
        target: f.target,
        detail: `go switches to ${toolchain} (${tc.reason}) and no GOPROXY entry serves ${path}@${version}: ${f.detail}`,
        hint: hintFor('proxy.toolchain_not_available', { modulePath: path, toolchain }),
        goError: `go: download ${toolchain} for ${platform}: toolchain not available`,
      },
    };
  }
  // The proxy answered with a redirect and the chain failed after it (object storage blocked, a loop, https
  // to http): the proxy serves the toolchain, the redirect stage judges the chain, as for any module's zip.
  if (f.cause.startsWith('redirect.') || (f.hops ?? []).some((h) => h.location !== undefined)) {
    const entry = zip.attempts.at(-1)?.entry ?? '';
    report['redirectFailed'] = f.cause;
    ctx.state.modules.unshift({ path, version, servedBy: entry });
    return { report };
  }
  return {
    report,
    failure: {
      stage: 'proxy',
      cause: f.cause,
      target: f.target,
      detail: `the toolchain ${toolchain} (go switches to it: ${tc.reason}), ${path}@${version} (.zip): ${f.detail}`,
      hint: f.hint,
      goError: `go: download ${toolchain}: ${goModuleError(path, version, f.goError)}`,
      ...(f.goWouldWait ? { goWouldWait: f.goWouldWait } : {}),
    },
  };
}

async function probeModule(ctx: StageContext, m: PlannedModule, findings: Finding[]): Promise<ModuleReport> {
  const query = m.version ?? 'latest';
  const report: ModuleReport = { path: m.path, query, requests: [] };
  // A canonical version names its zip already: its redirect chain (the longest path of the run) can
  // start beside .info instead of after it. For "latest" the version comes from the answer.
  // The checksum database's answers (base choice, lookup, tiles) need nothing else either.
  if (m.version !== undefined && isCanonicalVersion(m.version)) {
    ctx.early.versionKnown(m.path, m.version);
  }

  // 1. The query: what version is it, and does the proxy know it?
  const info = await tryProxies<Info>(ctx.plan, m.path, {
    proxy: (base, entryURL) => queryProxy(ctx, base, entryURL, query, report),
    direct: () => checkDirect(ctx, m, report.requests),
  });
  report.info = info.attempts;
  fallthroughFindings(m.path, '.info', info.attempts, findings);
  if (!info.ok) {
    report.failure = { ...shownFailure(info.failure), op: query === 'latest' ? 'query latest' : '.info' };
    return report;
  }
  const version = info.value.version;
  report.version = version;
  report.servedBy = info.servedBy;
  if (info.value.direct) {
    findings.push(...(info.value.findings ?? []));
    if (info.value.git) report.git = info.value.git;
    ctx.state.modules.push({ path: m.path, version, servedBy: 'direct', planned: m });
    return report;
  }
  // The zip's redirect chain is the longest path of the run and needs nothing but the version: start it
  // now (a no-op when it started beside .info), ahead of .mod; the later stages judge it.
  ctx.early.versionKnown(m.path, version);
  if (info.value.contentType && !/json/i.test(info.value.contentType)) {
    findings.push({ code: 'proxy.odd_content_type', severity: 'info', target: m.path, message: `.info served as ${info.value.contentType}; go ignores Content-Type on a 200` });
  }

  // 2. .mod, a walk of its own.
  const mod = await tryProxies<{ body: Buffer; contentType?: string }>(ctx.plan, m.path, {
    proxy: async (base) => {
      const url = `${base}/${versionPath(version, '.mod')}`;
      report.requests.push(redactURL(url));
      const r = await proxyGet(ctx.net, ctx.plan, url, { signal: ctx.signal, maxBytes: MAX_META_BYTES });
      if (!r.ok) return r;
      return { ok: true, value: { body: r.res.body, ...(r.res.headers['content-type'] ? { contentType: r.res.headers['content-type'] } : {}) } };
    },
    direct: async () => {
      const d = await checkDirect(ctx, m, report.requests);
      return d.ok ? { ok: true, value: { body: Buffer.alloc(0) } } : d;
    },
  });
  report.mod = mod.attempts;
  fallthroughFindings(m.path, '.mod', mod.attempts, findings);
  if (!mod.ok) {
    report.failure = { ...shownFailure(mod.failure), op: '.mod' };
    return report;
  }
  checkGoModBody(m, version, mod.value.body, findings);

  const fetch: ModuleFetch = { path: m.path, version, servedBy: mod.servedBy, goMod: mod.value.body, planned: m };
  ctx.state.modules.push(fetch);
  return report;
}

/** queryProxy in modload/query.go for one entry: Stat for a version, list (then @latest) for "latest". */
async function queryProxy(ctx: StageContext, base: string, entryURL: string, query: string, report: ModuleReport): Promise<EntryResult<Info>> {
  if (query !== 'latest') return stat(ctx, base, entryURL, query, report);

  const listURL = `${base}/@v/list`;
  report.requests.push(redactURL(listURL));
  const list = await proxyGet(ctx.net, ctx.plan, listURL, { signal: ctx.signal, maxBytes: MAX_META_BYTES });
  if (!list.ok) return list;
  const versions = list.res.body
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((v) => v !== '' && isSemver(v) && !isPseudoVersion(v))
    .sort(semverCompare);
  const releases = versions.filter((v) => prerelease(v) === '');
  const pick = releases.at(-1) ?? versions.at(-1);
  if (pick) return stat(ctx, base, entryURL, pick, report);

  // No tagged versions: the proxy's @latest, falling back to the list on 404/410 (which found nothing).
  const latestURL = `${base}/@latest`;
  report.requests.push(redactURL(latestURL));
  const latest = await proxyGet(ctx.net, ctx.plan, latestURL, { signal: ctx.signal, maxBytes: MAX_META_BYTES });
  if (!latest.ok) {
    if (latest.failure.notExist) {
      // go's NoMatchingVersionError: not a not-exist error, so the walk stops here.
      const msg = 'no matching versions for query "latest"';
      return { ok: false, failure: moduleFailure(new ProtocolError('module.not_found', redactURL(base), msg, msg), { stage: 'proxy', facts: { noVersions: true } }) };
    }
    return latest;
  }
  const parsed = parseInfo(latest.res.body, base, entryURL);
  if (!parsed.ok) return parsed;
  return stat(ctx, base, entryURL, parsed.value.version, report);
}

async function stat(ctx: StageContext, base: string, entryURL: string, version: string, report: ModuleReport): Promise<EntryResult<Info>> {
  const url = `${base}/${versionPath(version, '.info')}`;
  report.requests.push(redactURL(url));
  const r = await proxyGet(ctx.net, ctx.plan, url, { signal: ctx.signal, maxBytes: MAX_META_BYTES });
  if (!r.ok) return r;
  const parsed = parseInfo(r.res.body, base, entryURL);
  if (!parsed.ok) return parsed;
  const info = parsed.value;
  // proxyRepo.Stat: for a canonical version the proxy must answer that exact version.
  if (info.version !== version && canonical(version) === version) {
    const msg = `proxy returned info for version ${info.version} instead of requested version`;
    return { ok: false, failure: moduleFailure(new ProtocolError('module.bad_response', redactURL(url), msg, msg), { stage: 'proxy', facts: { answer: 'inconsistent' } }) };
  }
  return { ok: true, value: { ...info, ...(r.res.headers['content-type'] ? { contentType: r.res.headers['content-type'] } : {}) } };
}

/** What json.Unmarshal into RevInfo accepts: an object whose Version is a string and Time an RFC 3339 time. */
function parseInfo(body: Buffer, base: string, entryURL: string): EntryResult<Info> {
  // go names the GOPROXY entry (proxyRepo.redactedBase), not the module's URL under it.
  const redactedBase = redactURL(entryURL);
  const bad = (why: string): EntryResult<Info> => {
    const snippet = body.subarray(0, 120).toString('utf8').replace(/\s+/g, ' ');
    const detail = `the body is not the JSON go expects (${why}); it starts with: ${JSON.stringify(snippet)}`;
    const err = new ProtocolError('module.bad_response', redactURL(base), detail, `invalid response from proxy "${redactedBase}": ${why}`);
    return { ok: false, failure: moduleFailure(err, { stage: 'proxy', facts: looksLikeHtml(body) ? { answer: 'html' } : {} }) };
  };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return bad(goJsonSyntaxError(body, err));
  }
  if (value === null) return { ok: true, value: { version: '' } };
  if (typeof value !== 'object' || Array.isArray(value)) return bad(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type modfetch.RevInfo`);
  const o = value as Record<string, unknown>;
  const vkey = Object.keys(o).find((k) => k.toLowerCase() === 'version');
  const tkey = Object.keys(o).find((k) => k.toLowerCase() === 'time');
  const v = vkey ? o[vkey] : '';
  if (v !== null && typeof v !== 'string') return bad('json: cannot unmarshal into Go struct field RevInfo.Version of type string');
  const t = tkey ? o[tkey] : undefined;
  if (t !== undefined && t !== null) {
    if (typeof t !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
      return bad(`parsing time ${JSON.stringify(t)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    }
  }
  return { ok: true, value: { version: (v as string | null) ?? '', ...(typeof t === 'string' ? { time: t } : {}) } };
}

function goJsonSyntaxError(body: Buffer, err: unknown): string {
  const text = body.toString('utf8').trimStart();
  if (text.length === 0) return 'unexpected end of JSON input';
  const c = text[0]!;
  if (!'{["-0123456789tfn'.includes(c)) return `invalid character '${c}' looking for beginning of value`;
  return (err as Error).message;
}

function looksLikeHtml(body: Buffer): boolean {
  return /^\s*(<!doctype html|<html|<head|<body|<\?xml|<)/i.test(body.subarray(0, 256).toString('utf8'));
}

/** go does not parse .mod during download (the checksum database guards it), so problems are findings here. */
function checkGoModBody(m: PlannedModule, version: string, body: Buffer, findings: Finding[]): void {
  const text = body.toString('utf8');
  let declared: string | undefined;
  try {
    declared = parseGoMod(text, `${m.path}@${version}/go.mod`).module;
  } catch (err) {
    findings.push({
      code: 'proxy.mod_unparsable',
      severity: 'warn',
      target: m.path,
      message: `the .mod served for ${m.path}@${version} is not a valid go.mod (${(err as Error).message}); ${m.sumdbSkipReason ? 'go downloads it anyway and the build fails later' : 'the checksum database check will reject it'}`,
    });
    return;
  }
  if (declared !== undefined && declared !== m.path) {
    findings.push({
      code: 'proxy.mod_path_mismatch',
      severity: 'warn',
      target: m.path,
      message: `the go.mod of ${m.path}@${version} declares module ${declared}: builds that require it fail with "module declares its path as"`,
    });
  }
}

function fallthroughFindings(path: string, op: string, attempts: readonly WalkAttempt[], findings: Finding[]): void {
  const okIndex = attempts.findIndex((a) => a.outcome === 'ok');
  if (okIndex <= 0) return;
  for (const a of attempts.slice(0, okIndex)) {
    if (a.cause === 'proxy.disabled' || (a.entry === 'noproxy' && a.outcome === 'not-exist')) continue;
    findings.push({
      code: a.outcome === 'not-exist' ? 'proxy.fallthrough_not_found' : 'proxy.fallthrough_error',
      severity: a.outcome === 'not-exist' ? 'info' : 'warn',
      target: path,
      message: `${op} for ${path}: entry ${a.entry} ${a.outcome === 'not-exist' ? 'does not have it' : 'failed'} (${a.goError ?? a.cause}); go falls through (${a.separator === '|' ? '"|": any error' : '",": 404/410 only'}) to the next entry`,
    });
  }
}
