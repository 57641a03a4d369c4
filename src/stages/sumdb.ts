// Stage 5: the checksum database answers and verifies, reached the way go reaches it (through a
// GOPROXY that serves /sumdb/<name>/supported, or directly), and the content the proxy serves hashes
// to what the database recorded.

import { redactURL } from '../goenv/redact.js';
import { GoWebError } from '../net/goweb.js';
import { parseVerifierKey, type Verifier } from '../sumdb/note.js';
import { findHash, SumdbError } from '../sumdb/client.js';
import { hashGoMod } from '../sumdb/dirhash.js';
import type { GoSumDB } from '../goenv/gosumdb.js';
import type { ModuleFetch } from '../state.js';
import { webFailure, type WalkFailure } from './gowalk.js';
import { chooseBase, lookup } from './sumdbfetch.js';
import { layerFailure } from './failure.js';
import { ProtocolError } from '../net/errors.js';
import { findingHints, hintFor, sumdbHostHint } from '../hints.js';
import { mapLimit, STAGE_CONCURRENCY } from './limit.js';
import { fetchZip, TOOLCHAIN_ZIP_PREFIX, zipReadCap } from './zipfetch.js';
import { TOOLCHAIN_MODULE } from '../goenv/toolchain.js';
import type { Stage, StageContext } from './stage.js';
import { fail, pass, skip, type Failure, type Finding } from './outcome.js';

interface ModuleCheck {
  path: string;
  version: string;
  skipped?: string;
  recordId?: number;
  tree?: { n: number; hash: string };
  signedBy?: string;
  tiles?: string[];
  /** Tiles go accepts without checking them against their parent tile, and that did not match it. */
  unauthenticatedTiles?: string[];
  lines?: string[];
  goMod?: { served?: string; recorded?: string; match?: boolean };
  zip?: { served?: string; recorded?: string; match?: boolean; deferred?: string };
  goSum?: { line: string; recorded?: string; match: boolean }[];
  failure?: Failure;
}

export const sumdbStage: Stage = {
  name: 'sumdb',
  async run(ctx) {
    const findings: Finding[] = [];
    const db = ctx.plan.sumdb;
    const toCheck = ctx.state.modules.filter((m) => {
      const planned = m.planned;
      if (planned?.sumdbSkipReason) {
        findings.push({ code: 'sumdb.skipped_module', severity: 'info', target: m.path, message: `go does not consult the checksum database for ${m.path}: ${planned.sumdbSkipReason}` });
        return false;
      }
      return true;
    });
    const toolchain = toCheck.find((m) => m.path === TOOLCHAIN_MODULE);
    if (db.kind === 'off' && toolchain && !toolchainSumdbExempt(ctx)) {
      // modfetch/sumdb.go useSumDB: a downloaded toolchain cannot be in go.sum, so go always asks the
      // database; with GOSUMDB=off the lookup fails (text measured with go 1.23.5 and 1.24.4).
      const at = `${toolchain.path}@${toolchain.version}`;
      return fail({
        stage: 'sumdb',
        cause: 'sumdb.toolchain_unverified',
        target: 'GOSUMDB=off',
        detail: `go switches to ${ctx.plan.toolchain.module!.toolchain} and verifies ${at} against the checksum database even with GOSUMDB=off: the download fails`,
        hint: hintFor('sumdb.toolchain_unverified'),
        goError: `go: download ${ctx.plan.toolchain.module!.toolchain}: ${at}: verifying module: checksum database disabled by GOSUMDB=off`,
      }, {}, findings);
    }
    if (db.kind === 'off') return skip({ reason: 'GOSUMDB=off' }, findings);
    if (toCheck.length === 0) return skip({ reason: 'no module needs the checksum database', database: db.name }, findings);

    const verifier = parseVerifierKey(db.verifierKey);
    const choice = await chooseBase(ctx, db);
    const evidence: Record<string, unknown> = { database: db.name, key: db.verifierKey, base: choice.base ? redactURL(choice.base) : null, how: choice.how, ...(choice.attempts ? { supportedWalk: choice.attempts } : {}) };
    if (!choice.base) {
      const f = choice.failure!;
      // Every lookup returns the stored initBase error, wrapped as for the first module go verifies.
      const first = `${toCheck[0]!.path}@${toCheck[0]!.version}`;
      return fail(
        {
          stage: 'sumdb',
          cause: 'sumdb.unavailable_via_proxy',
          target: f.target,
          detail: `asking the proxy whether it serves the checksum database failed: ${f.detail}`,
          hint: hintFor('sumdb.unavailable_via_proxy', { url: f.target, sumdbName: db.name }),
          goError: `${first}: verifying go.mod: ${first}/go.mod: ${f.goError}`,
        },
        evidence,
        findings,
      );
    }

    const checks = await mapLimit(toCheck, STAGE_CONCURRENCY, (m) => checkModule(ctx, db, verifier, choice.base!, m, findings));
    evidence['modules'] = checks;
    const failed = checks.find((c) => c.failure);
    if (failed) return fail(failed.failure!, evidence, findings);
    return pass(evidence, findings);
  },
};

/** useSumDB's exception: a single file:// GOPROXY (testing a distpack) skips the database for toolchains. */
function toolchainSumdbExempt(ctx: StageContext): boolean {
  const list = ctx.plan.proxyList;
  return list.length === 1 && list[0]!.kind === 'url' && list[0]!.url.startsWith('file://');
}

async function checkModule(ctx: StageContext, db: Extract<GoSumDB, { kind: 'db' }>, verifier: Verifier, base: string, m: ModuleFetch, findings: Finding[]): Promise<ModuleCheck> {
  const check: ModuleCheck = { path: m.path, version: m.version };
  const at = `${m.path}@${m.version}`;
  // go verifies a toolchain's zip only (it never fetches its go.mod), inside toolchain.Exec's download.
  const isToolchain = m.path === TOOLCHAIN_MODULE;
  // go's wrapping, as measured with go 1.23.5 and 1.24.4 in the e2e lab ("toolchain-served" without the record).
  const goPrefix = isToolchain ? `go: download ${ctx.plan.toolchain.module?.toolchain ?? m.version}: ${at}: verifying module: ${at}: ` : `${at}: verifying go.mod: ${at}/go.mod: `;
  const outcome = await lookup(ctx, verifier, base, m.path, m.version);
  if ('err' in outcome) {
    check.failure = lookupFailure(ctx, outcome.err, db, base, goPrefix, at);
    return check;
  }
  const result = outcome.ok;
  check.recordId = result.recordId;
  check.tree = result.tree;
  check.signedBy = result.signedBy;
  check.tiles = result.tilesFetched;
  check.lines = result.recordLines;
  if (result.unauthenticatedTiles.length > 0) {
    // go 1.23 accepts these (x/mod's tileHashReader never checks them), so it is a finding, not a failure.
    check.unauthenticatedTiles = result.unauthenticatedTiles;
    findings.push({
      code: 'sumdb.unauthenticated_tiles',
      severity: 'warn',
      target: redactURL(base),
      message: `${at}: ${result.unauthenticatedTiles.join(', ')} from ${redactURL(base)} do not match the tiles above them in the signed tree; go does not check them and accepts the record, but the database (or a proxy cache in front of it) serves inconsistent tiles`,
      hint: findingHints.unauthenticatedTiles(),
    });
  }

  // go.mod: what the proxy served against the database's /go.mod line.
  const recordedMod = findHash(result.recordLines, m.path, `${m.version}/go.mod`);
  if (!recordedMod && !isToolchain) {
    // go 1.23 accepts a record without the line and trusts the download (newer go stops with SECURITY ERROR).
    findings.push({ code: 'sumdb.line_missing', severity: 'warn', target: m.path, message: `the checksum database record for ${at} has no go.mod line: go 1.23 accepts the download unchecked, newer go versions refuse it ("checksum missing from sumdb response")` });
  }
  if (recordedMod && m.goMod && m.servedBy !== 'direct') {
    const served = hashGoMod(m.goMod);
    check.goMod = { served, recorded: recordedMod, match: served === recordedMod };
    if (served !== recordedMod) {
      check.failure = mismatch(at, `${m.path}@${m.version}.mod from ${m.servedBy}`,
        `the .mod served by ${m.servedBy} hashes to ${served}, the checksum database recorded ${recordedMod}`,
        `${at}: verifying go.mod: checksum mismatch\n\tdownloaded: ${served}\n\t${db.name}: ${recordedMod}`);
      return check;
    }
  }

  // go.sum lines from --gosum, before the build meets SECURITY ERROR.
  // This version's own go.sum lines (keyed by path@version: another version of the path has its own).
  const planned = m.planned;
  if (planned && planned.goSum.size > 0) {
    check.goSum = [];
    for (const [suffix, line] of planned.goSum) {
      const recorded = findHash(result.recordLines, m.path, suffix);
      check.goSum.push({ line: `${m.path} ${suffix} ${line}`, ...(recorded ? { recorded } : {}), match: recorded === line });
      if (recorded && recorded !== line) {
        check.failure = mismatch(at, `go.sum line "${m.path} ${suffix}"`,
          `go.sum says ${line}, the checksum database recorded ${recorded}`,
          `verifying ${m.path}@${suffix}: checksum mismatch\n\tdownloaded: ${recorded}\n\tgo.sum:     ${line}`);
        return check;
      }
    }
  }

  // The zip: hash what the proxy serves (the same download the redirect stage judges).
  const recordedZip = findHash(result.recordLines, m.path, m.version);
  if (m.servedBy === 'direct') {
    check.zip = { deferred: 'served directly from the origin: go builds the zip from the VCS, the probe cannot' };
    return check;
  }
  const zip = await fetchZip(ctx, m);
  if (!zip.ok) {
    check.zip = { deferred: `the zip could not be fetched (${zip.failure.cause}): the redirect stage reports why` };
    return check;
  }
  if (!zip.value.hash && isToolchain && !ctx.options.hashToolchain) {
    // The zip's central directory (a Range request for its end) names the files and their CRC-32s, but the
    // record holds dirhash's h1: over each file's SHA-256: only the whole download can be compared.
    check.zip = { ...(recordedZip ? { recorded: recordedZip } : {}), deferred: `the probe reads only the first ${TOOLCHAIN_ZIP_PREFIX >> 10} KiB of a toolchain zip: go hashes the whole download against this record` };
    findings.push({ code: 'sumdb.toolchain_zip_not_hashed', severity: 'info', target: at,
      message: `not checked: whether the toolchain zip go downloads (${at}) matches its checksum database record; go hashes the whole zip, the probe read ${TOOLCHAIN_ZIP_PREFIX >> 10} KiB of it. A tampered or corrupted toolchain in the proxy fails the build at "verifying module: checksum mismatch" while the probe passes`,
      hint: findingHints.toolchainZipNotHashed() });
    return check;
  }
  if (!zip.value.hash) {
    const cap = zipReadCap(ctx, m.path);
    check.zip = { deferred: zip.value.truncated ? `the zip is larger than the ${cap >> 20} MiB the probe reads, so its hash is not checked (go reads up to 500 MiB and fails beyond)` : `the zip could not be hashed: ${zip.value.hashError ?? 'not a zip'}` };
    if (zip.value.truncated) findings.push({ code: 'sumdb.zip_not_hashed', severity: 'info', target: m.path, message: check.zip.deferred! });
    return check;
  }
  check.zip = { served: zip.value.hash, ...(recordedZip ? { recorded: recordedZip } : {}), match: zip.value.hash === recordedZip };
  if (!recordedZip) {
    findings.push({ code: 'sumdb.line_missing', severity: 'warn', target: m.path, message: `the checksum database record for ${at} has no zip line: go 1.23 accepts the download unchecked, newer go versions refuse it ("checksum missing from sumdb response")` });
  } else if (zip.value.hash !== recordedZip) {
    check.failure = mismatch(at, `${m.path}@${m.version}.zip from ${zip.servedBy}`,
      `the zip served by ${zip.servedBy} hashes to ${zip.value.hash}, the checksum database recorded ${recordedZip}`,
      // toolchain.Exec wraps a toolchain's download error (measured, go 1.23.5 and 1.24.4, toolchain-tampered).
      `${isToolchain ? `go: download ${ctx.plan.toolchain.module?.toolchain ?? m.version}: ` : ''}${at}: verifying module: checksum mismatch\n\tdownloaded: ${zip.value.hash}\n\t${db.name}: ${recordedZip}`);
  }
  return check;
}

function lookupFailure(ctx: StageContext, err: unknown, db: Extract<GoSumDB, { kind: 'db' }>, base: string, goPrefix: string, at: string): Failure {
  if (err instanceof ProtocolError) {
    // The database (or the proxy in front of it) answered a status go treats as an error.
    const f = layerFailure(err, { stage: 'sumdb', facts: { url: redactURL(base), moduleVersion: at } });
    return { stage: 'sumdb', cause: f.cause, target: f.target, detail: `${at}: ${f.detail}`, hint: f.hint, goError: goPrefix + f.goError };
  }
  if (err instanceof GoWebError) {
    const f = webFailure(err, ctx.plan, 'sumdb');
    return {
      stage: 'sumdb',
      cause: f.cause,
      target: f.target,
      detail: `${unreached(f) ? 'the checksum database host cannot be reached' : f.layer?.layerError.code === 'http.timeout' ? 'the checksum database did not answer in time' : 'the checksum database answered in a way go cannot use'}: ${f.detail}`,
      hint: sumdbHostHint(f.hint, redactURL(base)),
      ...(f.goWouldWait ? { goWouldWait: f.goWouldWait } : {}),
      goError: goPrefix + f.goError,
    };
  }
  if (err instanceof SumdbError) {
    const key = err.code === 'sumdb.bad_signature';
    return {
      stage: 'sumdb',
      cause: err.code,
      target: redactURL(base),
      detail: key
        ? `${err.message}${err.signatureProblem === 'unknown_signer' ? ` (the note is signed by ${err.otherSigners.join(', ') || 'another key'}, not by ${db.verifierKey.split('+').slice(0, 2).join('+')}: the key in GOSUMDB is wrong, or a different database answers)` : ' (the signature by the configured key does not verify: the note was altered on the way)'}`
        : err.message,
      hint: hintFor(err.code, { url: redactURL(base) }),
      goError: goPrefix + err.reason,
    };
  }
  throw err;
}

/** The host was not reached: its name, its address or its TLS failed (not the HTTP exchange). */
function unreached(f: WalkFailure): boolean {
  const layer = f.layer?.layerError.layer;
  return layer === 'dns' || layer === 'tcp' || layer === 'tls';
}

function mismatch(at: string, target: string, detail: string, goError: string): Failure {
  return { stage: 'sumdb', cause: 'sumdb.checksum_mismatch', target, detail: `${at}: ${detail}`, hint: hintFor('sumdb.checksum_mismatch'), goError };
}
