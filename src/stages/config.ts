// Stage 0: read the Go environment exactly as `go` reads it and decide the plan every later stage
// follows. A value go rejects fails here with go's own reason; a legal but risky value is a finding.

import { statSync } from 'node:fs';
import { InputError, ParseError, errorMessage } from '../errors.js';
import { readGoEnv, type GoEnv, type GoEnvName } from '../goenv/env.js';
import { authCommandRunner, GoAuth, GoAuthError, parseGoAuth, type GoAuthMethod } from '../goenv/goauth.js';
import { fetchGodebugNotes, godebugValues, removedGodebug } from '../goenv/godebug.js';
import { parseGoURL } from '../goenv/gourl.js';
import { parseGoFlags } from '../goenv/goflags.js';
import { MODELLED_RANGE, formatGoVersion, parseGoVersion, rulesFor, x509RulesFor, type GoRules } from '../goenv/goversion.js';
import { TOOLCHAIN_MODULE, compareGo, decideToolchain, goModLookup } from '../goenv/toolchain.js';
import { parseGoMod } from '../goenv/gomod.js';
import { parseGoSum } from '../goenv/gosum.js';
import { parseGoSumDB, type GoSumDB } from '../goenv/gosumdb.js';
import { proxyFor, readProxyEnv, type ProxyEnv } from '../goenv/httpproxy.js';
import { escapePath, escapeVersion, parseModuleSpec, wirePathEscape, type ModuleSpec } from '../goenv/module.js';
import { parseNetrc, type NetrcEntry } from '../goenv/netrc.js';
import { matchPrefixPatterns } from '../goenv/patterns.js';
import { vcsPathMatch } from '../goenv/vcspaths.js';
import { entryAction, parseProxyList, type ProxyEntry } from '../goenv/proxylist.js';
import { redactEnvValue, redactURL } from '../goenv/redact.js';
import { isExternalPlainHttpEntry, VERIFICATION_RULES } from '../goenv/verification-rules.js';
import { parseHosts } from '../net/hosts.js';
import { parseNsswitch } from '../net/nsswitch.js';
import { parseResolvConf } from '../net/resolvconf.js';
import { PendingTrustStore, readTrustStore as readStore, rootCount, trustStoreRead, unreadTrustStore, type TrustStore } from '../net/truststore.js';
import type { InputFileError, InputFiles, InputKind } from '../inputfile.js';
import { configHints, toolchainHint } from '../hints.js';
import { DEFAULT_MODULE, printable, type Options } from '../options.js';
import type { Hop, Plan, PlannedModule, PlannedToolchain } from '../plan.js';
import type { PlanningContext, Stage } from './stage.js';
import { fail, pass, type Failure, type Finding } from './outcome.js';

/** Thrown inside the stage for a value go rejects; turned into the stage failure. */
class Rejected extends Error {
  constructor(
    readonly target: string,
    readonly detail: string,
    readonly hint: string,
    readonly goError?: string,
    readonly cause_: Failure['cause'] = 'config.invalid',
  ) {
    super(detail);
  }
}

const MAX_GO_VALUE = 64 * 1024;
/** Findings about single lines of an input file (skipped resolv.conf lines, .netrc machines) listed at most. */
const MAX_LINE_FINDINGS = 10;
/**
 * What go 1.23 and go 1.27 print for a go.mod without a module line (checked against both by
 * test/hostile/input.test.ts; go runs in the module's directory, so it names the file "go.mod").
 */
export const GO_MISSING_MODULE = 'go: error reading go.mod: missing module declaration. To specify the module path:\n\tgo mod edit -module=example.com/mod';

export const configStage: Stage<PlanningContext> = {
  name: 'config',
  async run(ctx) {
    const findings: Finding[] = [];
    try {
      const inputs = await readInputs(ctx);
      const plan = await decide(ctx, inputs, findings);
      ctx.state.plan = plan;
      return pass(planEvidence(plan), findings);
    } catch (err) {
      if (err instanceof Rejected) {
        const failure: Failure = {
          stage: 'config',
          cause: err.cause_,
          target: err.target,
          detail: err.detail,
          hint: err.hint,
          ...(err.goError ? { goError: err.goError } : {}),
        };
        return fail(failure, {}, findings);
      }
      if (err instanceof InputError || err instanceof ParseError) {
        const source = err instanceof InputError ? err.source : 'input';
        return fail({ stage: 'config', cause: 'config.bad_file', target: source, detail: err.message, hint: configHints.inputNamed() }, {}, findings);
      }
      throw err;
    }
  },
};

/** Every input file of the run, read (asynchronously, within bounds) before the synchronous parsers run. */
interface Inputs {
  readonly files: InputFiles;
  readonly goEnv: GoEnv;
}

function netrcPath(env: Readonly<Record<string, string>>): string | undefined {
  return env['NETRC'] || (env['HOME'] ? `${env['HOME']}/.netrc` : undefined);
}

async function readInputs(ctx: PlanningContext): Promise<Inputs> {
  const { options } = ctx;
  const env = options.env;
  const files = ctx.inputs;
  const reads: [string | undefined, InputKind][] = [
    [options.gomodFile, 'go.mod'],
    // go.work is read by the same parser (modfile) and bounded like a go.mod.
    [options.goworkFile, 'go.mod'],
    [options.gosumFile, 'go.sum'],
    [options.resolvConf, 'resolv.conf'],
    [options.hostsFile, 'hosts'],
    [options.nsswitchFile, 'nsswitch.conf'],
    [netrcPath(env), '.netrc'],
  ];
  const [goEnv] = await Promise.all([
    files.run('go env file', (read) => readGoEnv(env, read)),
    ...reads.map(([path, kind]) => (path ? files.load(path, kind) : undefined)),
  ]);
  return { files, goEnv };
}

/**
 * The roots go would load, read only when some hop of the run can reach a TLS server: an entry of
 * GOPROXY other than off and file:// (an http:// proxy may redirect to https; direct and GONOPROXY's
 * noproxy fetch from origins), or a checksum database. Otherwise go never loads them (crypto/x509
 * root.go: systemRootsPool's sync.Once runs on the first Verify without Roots), and a GOPROXY=off run
 * reads none of the ~300 files of /etc/ssl/certs. The store is read here, its certificates are parsed only
 * as far as config's verdicts need (PendingTrustStore), the rest while the first network waits run.
 */
function readTrustStore(env: Readonly<Record<string, string>>, inputs: Inputs, entries: readonly ProxyEntry[], sumdb: GoSumDB, go: GoRules): Promise<PendingTrustStore> | TrustStore {
  const dialsTls = sumdb.kind !== 'off' || entries.some((e) => e.kind === 'direct' || e.kind === 'noproxy' || (e.kind === 'url' && !e.url.startsWith('file:')));
  if (!dialsTls) return unreadTrustStore('no hop can reach a TLS server: GOPROXY has no http(s) or direct entry, and GOSUMDB is off');
  return readStore(
    {
      ...(env['SSL_CERT_FILE'] ? { sslCertFile: env['SSL_CERT_FILE'] } : {}),
      ...(env['SSL_CERT_DIR'] ? { sslCertDir: env['SSL_CERT_DIR'] } : {}),
      readDirOpensDirectory: go.readDirOpensDirectory,
      // The modelled go parses each root with its own parser (the verifier's pool then indexes them as they are).
      rules: x509RulesFor(go, godebugValues(env['GODEBUG'] ?? '')),
    },
    inputs.files.fs,
  );
}

/** `flag PATH: cannot read the file: what it is`, a config failure: go fails on (or hangs at) this file too, or the probe cannot hold it. */
function unreadable(flag: string, error: InputFileError, hint: string): Rejected {
  return new Rejected(error.path, `${flag} ${printable(error.path)}: cannot read the file: ${printable(error.message.slice(error.path.length + 2))}`, hint, undefined, 'config.bad_file');
}

/** The text of an input go must read (a flag named it): any problem fails config. */
function required(inputs: Inputs, flag: string, path: string, hint: string): string {
  const r = inputs.files.get(path)!;
  if ('error' in r) throw unreadable(flag, r.error, hint);
  return r.text;
}

/**
 * The text of a file go reads if it can (resolv.conf, hosts, the go env files, .netrc): a missing one is
 * no text; one go cannot open or read (permissions, a directory, a symlink loop) is no text for go as
 * well, and a finding here; one go would hang on or never finish (a FIFO, a device), or one past the
 * probe's cap, fails config. `explicit`: a flag named it, so any problem fails config.
 */
function optional(inputs: Inputs, flag: string, path: string, findings: Finding[], o: { explicit?: boolean; goIgnores: string; hint: string }): string | undefined {
  const r = inputs.files.get(path);
  if (!r) return undefined;
  if ('text' in r) return r.text;
  if (o.explicit || r.error.refused) throw unreadable(flag, r.error, o.hint);
  if (r.error.code !== 'ENOENT') {
    findings.push({ code: 'config.input_unreadable', severity: 'warn', target: path, message: `${printable(r.error.message)}: ${o.goIgnores}` });
  }
  return undefined;
}

async function decide(ctx: PlanningContext, inputs: Inputs, findings: Finding[]): Promise<Plan> {
  const { options } = ctx;
  const env = options.env;
  checkEnvValues(env);
  const localGo = goRules(options, findings);
  const goEnv = inputs.goEnv;
  // The go env -w file and GOROOT/go.env: go ignores one it cannot read (a warning for go.env comes from
  // readGoEnv), but hangs on a FIFO and never finishes /dev/zero.
  for (const error of inputs.files.failed('go env file')) {
    const user = error.path === goEnv.vars.GOENV.value;
    optional(inputs, user ? 'GOENV' : '$GOROOT/go.env', error.path, user ? findings : [], {
      goIgnores: 'go ignores a go env -w file it cannot read',
      hint: configHints.goEnvFile(user),
    });
  }
  for (const w of goEnv.warnings) findings.push({ code: 'config.goenv_file', severity: 'warn', message: w });
  // The switch comes first in go (toolchain.Select runs before the command): from here on the rules
  // are those of the go that runs the build.
  const { toolchain, go } = planToolchain(ctx, inputs, goEnv, localGo, findings);
  const v = (name: GoEnvName): string => goEnv.vars[name].value;

  // GOFLAGS: an unknown flag fails every go command.
  const goflags = parseGoFlags(v('GOFLAGS'));
  if (!goflags.ok) {
    throw new Rejected('GOFLAGS', goflags.error, configHints.goflags(), goflags.error);
  }
  for (const f of goflags.findings) findings.push({ code: f.code, severity: f.severity, message: f.message, target: 'GOFLAGS', ...(f.hint ? { hint: f.hint } : {}) });

  // GOPROXY
  const gonoproxy = goEnv.effectiveNoProxy;
  const gonosumdb = goEnv.effectiveNoSumDB;
  const goinsecure = v('GOINSECURE');
  const urlRules = {
    strictColons: go.urlStrictColons && godebugValues(env['GODEBUG'] ?? '').get('urlstrictcolons') !== '0',
    fieldsReordered: go.urlFieldsReordered,
  };
  const list = parseProxyList(v('GOPROXY'), gonoproxy, urlRules);
  if (!list.ok) {
    throw new Rejected('GOPROXY', `go rejects GOPROXY=${printable(redactURL(v('GOPROXY')))}: ${list.error}`,
      configHints.goproxySyntax(),
      list.error);
  }
  for (const e of list.entries) if (e.kind === 'url' && !e.url.startsWith('file:')) checkRepresentable('GOPROXY', e.url);
  proxyListFindings(list.entries, v('GOPROXY'), findings);

  // Modules: flags, go.mod, or the default.
  const modules = planModules(ctx, inputs, goEnv, findings, gonosumdb, goinsecure);

  // GOSUMDB: go parses it lazily, when the first module needs verifying; then every such module fails.
  let sumdb: GoSumDB = { kind: 'off' };
  const needSumdb = modules.some((m) => m.sumdbSkipReason === undefined);
  const parsed = parseGoSumDB(v('GOSUMDB'), urlRules);
  if (parsed.ok) sumdb = parsed.db;
  else if (needSumdb) {
    throw new Rejected('GOSUMDB', `go rejects GOSUMDB=${printable(v('GOSUMDB'))}: ${parsed.error}`,
      configHints.gosumdbSyntax(),
      `verifying go.mod: ${parsed.error}`);
  }
  if (sumdb.kind === 'db' && sumdb.url !== undefined && needSumdb) checkRepresentable('GOSUMDB', sumdb.url);
  // GOSUMDB would now be finalised with `modules` recomputed when it is off.
  const finalModules = sumdb.kind === 'off'
    ? modules.map((m) => ({ ...m, sumdbSkipReason: m.sumdbSkipReason ?? 'GOSUMDB=off' }))
    : modules;

  verificationFindings(goEnv, findings);
  insecureModuleFindings(finalModules, findings);

  // Proxy environment and trust store.
  const proxyEnv = readProxyEnv(env, { ...urlRules, noProxyNamesMatchIps: go.noProxyNamesMatchIps });
  for (const ign of proxyEnv.ignored) {
    findings.push({ code: 'config.proxy_env_ignored', severity: 'warn', target: ign.variable, message: `${ign.variable}=${ign.value} is ignored by go: ${ign.reason}` });
  }
  const trust = await readTrustStore(env, inputs, list.entries, sumdb, go);
  if (trust instanceof PendingTrustStore) await checkTrust(env, trust, findings);

  const dns = readDnsConfig(ctx, inputs, findings);
  const { auth, netrc } = planAuth(ctx, inputs, go, goEnv, findings);

  const firstHops = planFirstHops(list.entries, gonoproxy, finalModules, proxyEnv);
  if (firstHops.length === 0) {
    findings.push({ code: 'config.no_network_hops', severity: 'info', message: 'go will not dial any host first for these modules (GOPROXY=off, file:// proxies, or lookups disabled)' });
  }

  return {
    go,
    toolchain,
    goEnv,
    proxyList: list.entries,
    gonoproxy,
    gonosumdb,
    goinsecure,
    sumdb,
    proxyEnv,
    trust,
    modules: finalModules,
    firstHops,
    dns,
    netrc,
    auth,
  };
}

/**
 * The rules of the go the build runs (--go-version), stated first so every reader knows whose verdict
 * this is; and GODEBUG as that go reads it at start-up, before it touches the network.
 */
function goRules(options: Options, findings: Finding[]): GoRules {
  const { version, source } = options.goVersion;
  const rules = rulesFor(version);
  const name = formatGoVersion(version);
  findings.push(source === 'default'
    ? { code: 'config.go_version', severity: 'info', message: `assuming ${name}; set --go-version to the build image's go`,
        hint: configHints.goVersionAssumed(version.minor) }
    : { code: 'config.go_version', severity: 'info', target: source, message: `verdicts for ${name}` });
  const godebug = options.env['GODEBUG'] ?? '';
  const removed = removedGodebug(godebug, rules);
  if (removed) {
    const field = `${removed.setting.name}=${removed.value}`;
    throw new Rejected('GODEBUG', `${name} refuses to start: GODEBUG sets ${field}, a setting removed in go1.${removed.setting.removed}, to its old value (every go command exits 2 before using the network)`,
      configHints.godebugRemoved(field, name, false),
      removed.goError);
  }
  for (const note of fetchGodebugNotes(godebug, rules)) findings.push({ code: 'config.godebug', severity: 'info', target: 'GODEBUG', message: note });
  return rules;
}

/**
 * go's toolchain switch (cmd/go/internal/toolchain/select.go): GOTOOLCHAIN as go reads it, the go.mod
 * of --gomod, the build image's go and platform. A switch makes the downloaded toolchain the go whose
 * rules apply; go failing before any download (GOTOOLCHAIN=local with too old a go, an invalid
 * GOTOOLCHAIN) fails here with go's words.
 */
function planToolchain(ctx: PlanningContext, inputs: Inputs, goEnv: GoEnv, localGo: GoRules, findings: Finding[]): { toolchain: PlannedToolchain; go: GoRules } {
  const { options } = ctx;
  const gt = goEnv.vars.GOTOOLCHAIN;
  const text = options.gomodFile ? required(inputs, '--gomod', options.gomodFile, configHints.regularFile('go.mod')) : undefined;
  const work = workspaceFile(ctx, inputs, findings);
  const local = options.goVersion.version;
  const { goos, goarch } = options.goPlatform;
  const d = decideToolchain({
    gotoolchain: gt.value,
    local,
    // select.go modGoToolchain: the go.work in effect decides, else the go.mod. go runs in the module's
    // directory (the workspace's root), so its messages name the file "go.work" or "go.mod".
    ...(work !== undefined ? { modFile: { name: 'go.work', text: work } } : text !== undefined ? { modFile: { name: 'go.mod', text } } : {}),
    goos,
    goarch,
    go111module: options.env['GO111MODULE'] ?? '',
  });
  const base = { gotoolchain: { value: gt.value, source: gt.source }, local: formatGoVersion(local), platform: `${goos}/${goarch}` };
  const target = `GOTOOLCHAIN=${gt.value} (${gt.source === 'default' ? '$GOROOT/go.env' : gt.source === 'goenv-file' ? 'go env -w' : 'environment'})`;
  if (d.kind === 'fail') {
    throw new Rejected(target, d.reason, toolchainHint(d.why), d.goError, d.why === 'too_old' || d.why === 'not_in_path' ? 'config.toolchain_too_old' : 'config.toolchain_invalid');
  }
  if (work !== undefined && text !== undefined && d.kind !== 'uncertain') {
    checkWorkspaceGo(work, text, d.kind === 'switch' ? d.goVersion : `1.${local.minor}.${local.patch ?? 0}`, target);
  }
  if (d.kind === 'uncertain') {
    findings.push({ code: 'config.toolchain_uncertain', severity: 'warn', target, message: d.reason,
      hint: configHints.toolchainUncertain() });
    return { toolchain: { ...base, kind: 'uncertain', reason: d.reason }, go: localGo };
  }
  if (d.kind === 'local') {
    findings.push({ code: 'config.toolchain', severity: 'info', target, message: `no toolchain switch: ${d.reason}` });
    return { toolchain: { ...base, kind: 'local', reason: d.reason }, go: localGo };
  }
  if (d.thenFails) {
    throw new Rejected(target, `${d.reason}: go switches to ${d.toolchain}, which is still older than go.mod's go line`,
      configHints.toolchainStillTooOld(), d.thenFails, 'config.toolchain_too_old');
  }
  findings.push({ code: 'config.toolchain', severity: 'info', target,
    message: `go switches to ${d.toolchain}: ${d.reason}; it downloads ${TOOLCHAIN_MODULE}@${d.moduleVersion} through GOPROXY first` });
  let go = localGo;
  try {
    const v = parseGoVersion(d.goVersion);
    go = rulesFor(v);
    const removed = removedGodebug(options.env['GODEBUG'] ?? '', go);
    if (removed) {
      const field = `${removed.setting.name}=${removed.value}`;
      throw new Rejected('GODEBUG', `${d.toolchain}, which go switches to, refuses to start: GODEBUG sets ${field}, a setting removed in go1.${removed.setting.removed}, to its old value`,
        configHints.godebugRemoved(field, d.toolchain, true), removed.goError);
    }
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    findings.push({ code: 'config.toolchain_unmodelled', severity: 'warn', target, message: `go switches to ${d.toolchain}, outside the modelled range ${MODELLED_RANGE}: the verdict keeps ${formatGoVersion(localGo.version)}'s rules` });
  }
  return {
    toolchain: { ...base, kind: 'switch', reason: d.reason, module: { path: TOOLCHAIN_MODULE, version: d.moduleVersion, toolchain: d.toolchain } },
    go,
  };
}

/**
 * The text of --gowork when go uses that workspace (modload.FindGoWork): not with GOWORK=off. The probe
 * reads GOWORK from the environment only, like GO111MODULE.
 */
function workspaceFile(ctx: PlanningContext, inputs: Inputs, findings: Finding[]): string | undefined {
  const file = ctx.options.goworkFile;
  if (!file) return undefined;
  const text = required(inputs, '--gowork', file, configHints.regularFile('go.work'));
  if (ctx.options.env['GOWORK'] === 'off') {
    findings.push({ code: 'config.gowork_off', severity: 'info', target: 'GOWORK=off',
      message: `GOWORK=off: go ignores ${file} (no workspace), so go.mod's go and toolchain lines decide the toolchain switch` });
    return undefined;
  }
  return text;
}

/**
 * modload/init.go loadModFile: in a workspace, a module whose go line is newer than go.work's (and at
 * least 1.21, gover.GoStrictVersion) is refused, whatever go runs: switching cannot help, go.work is
 * wrong. FromGoMod/FromGoWork: no go line means 1.16 for a go.mod, 1.18 for a go.work. `running` is the
 * go that loads the workspace (after any switch): go 1.27 words the fix differently (measured: 1.23.5 and
 * 1.24.4 "to update it", 1.27.3 "to download and use go X"; 1.25/1.26 not measured, taken as 1.24).
 */
function checkWorkspaceGo(work: string, mod: string, running: string, target: string): void {
  const workLine = goModLookup(work, 'go');
  const wv = workLine || '1.18';
  const mv = goModLookup(mod, 'go') || '1.16';
  if (compareGo(mv, wv) <= 0 || compareGo(mv, '1.21') < 0) return;
  const verb = workLine ? 'lists' : 'implicitly requires';
  const fix = compareGo(running, '1.27') >= 0 ? `to download and use go ${mv}` : 'to update it';
  throw new Rejected(target, `go.work's go line (${wv}) is older than the go line of the module in go.mod (${mv}): go refuses the workspace before any download, whatever toolchain runs`,
    configHints.goworkTooOld(mv),
    `go: module . listed in go.work file requires go >= ${mv}, but go.work ${verb} go ${wv}; ${fix}:\n\tgo work use`, 'config.gowork_too_old');
}

/**
 * A URL go accepts (go's url.Parse, as ported) must also be one the probe can dial and name (a WHATWG
 * URL). Two kinds are not: an IPv6 address without brackets (go up to 1.25 takes the host up to the last
 * colon, e.g. "2001:db8::" of "https://2001:db8::50", and fails to resolve it; 1.26+ refuses the URL),
 * and hosts WHATWG refuses that go dials (an IPv6 zone "[fe80::1%25eth0]", an IPv4 address in brackets).
 */
function checkRepresentable(variable: string, raw: string): void {
  try {
    new URL(raw);
    return;
  } catch {
    // below
  }
  const shown = printable(redactURL(raw));
  const parsed = parseGoURL(raw);
  const host = parsed.ok ? parsed.url.host : '';
  const port = parsed.ok ? parsed.url.port : '';
  if (port !== '' && Number(port) > 65535) {
    throw new Rejected(variable, `${variable} entry ${shown} has port ${port}: go accepts the URL but fails every dial to it`,
      configHints.badPort(), `dial tcp: address ${port}: invalid port`);
  }
  if (!host.startsWith('[') && (host.match(/:/g) ?? []).length > 1) {
    const hostname = parsed.ok ? parsed.url.hostname : host;
    throw new Rejected(variable, `${variable} entry ${shown} has an IPv6 address without brackets: go reads the host as "${hostname}" and the rest as its port, and fails to resolve it`,
      configHints.ipv6WithoutBrackets(), `dial tcp: lookup ${hostname}: no such host`);
  }
  throw new Rejected(variable, `${variable} entry ${shown} names its host in a form go accepts but the probe cannot dial or check (an IPv6 zone such as [fe80::1%25eth0], or an IPv4 address in brackets); the verdict for it would be a guess`,
    configHints.unsupportedHost(), undefined, 'config.unsupported_url');
}

function checkEnvValues(env: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(env)) {
    if (Buffer.byteLength(value) > MAX_GO_VALUE) {
      throw new Rejected(name, `${name} is too long (${Buffer.byteLength(value)} bytes)`, configHints.valueTooLong(name));
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      throw new Rejected(name, `${name} contains control characters`, configHints.controlCharacters(name));
    }
  }
}

function proxyListFindings(entries: readonly ProxyEntry[], raw: string, findings: Finding[]): void {
  for (const [i, e] of entries.entries()) {
    // A plain-http proxy outside the cluster is a verification rule (verificationFindings); inside it, a note.
    if (e.kind === 'url' && e.url.startsWith('http://') && !isExternalPlainHttpEntry(e.url)) {
      findings.push({ code: 'config.plain_http_proxy_cluster', severity: 'info', target: 'GOPROXY',
        message: `GOPROXY entry ${i + 1} (${redactURL(e.url)}) is plain http to an in-cluster host: go allows it; module contents stay on the cluster network unencrypted (the checksum database still protects them)` });
    }
    if (e.kind === 'url' && /^[a-z]+:\/\/[^/]*:[^/]*@/i.test(e.url)) {
      findings.push({ code: 'config.credentials_in_goproxy', severity: 'info', target: 'GOPROXY',
        message: `GOPROXY entry ${i + 1} carries credentials; go sends them as Basic auth${e.url.startsWith('http://') ? ' (but refuses to over plain http)' : ''}` });
    }
  }
  if (/(^|[,|])\s*direct\s*[,|]\s*\S/.test(raw)) {
    findings.push({ code: 'config.entries_after_direct', severity: 'warn', target: 'GOPROXY', message: 'entries after "direct" are ignored by go' });
  }
  if (/(^|[,|])\s*off\s*[,|]\s*\S/.test(raw)) {
    findings.push({ code: 'config.entries_after_off', severity: 'warn', target: 'GOPROXY', message: 'entries after "off" are ignored by go' });
  }
}

function planModules(ctx: PlanningContext, inputs: Inputs, goEnv: GoEnv, findings: Finding[], gonosumdb: string, goinsecure: string): PlannedModule[] {
  const { options } = ctx;
  const specs: { spec: ModuleSpec; source: PlannedModule['source'] }[] = [];
  for (const raw of options.modules) {
    if (!raw.includes('@')) {
      throw new Rejected('--module', `--module ${printable(raw)}: missing @version`, configHints.moduleMissingVersion(printable(raw)), undefined, 'config.bad_flag');
    }
    specs.push({ spec: moduleSpec(raw, '--module'), source: 'flag' });
  }
  if (options.gomodFile) {
    const text = required(inputs, '--gomod', options.gomodFile, configHints.regularFile('go.mod'));
    let gomod;
    try {
      gomod = parseGoMod(text, options.gomodFile);
    } catch (err) {
      throw new Rejected(options.gomodFile, `--gomod: ${errorMessage(err)}`, configHints.fixModFile('go.mod'), undefined, 'config.bad_file');
    }
    // go refuses a go.mod without a module line (an empty file too) before it fetches anything
    // (cmd/go/internal/modload/init.go: "missing module declaration"), whatever it requires.
    if (gomod.module === undefined) {
      throw new Rejected(options.gomodFile, `--gomod ${options.gomodFile}: no module declaration${text.trim() === '' ? ' (the file is empty)' : ''}: go refuses this go.mod before it downloads anything`,
        configHints.missingModuleLine(), GO_MISSING_MODULE, 'config.bad_file');
    }
    const replaced = new Map<string, { path: string; version?: string; local: boolean }>();
    for (const r of gomod.replaces) {
      const key = r.oldVersion ? `${r.oldPath}@${r.oldVersion}` : r.oldPath;
      replaced.set(key, { path: r.newPath, ...(r.newVersion ? { version: r.newVersion } : {}), local: r.local });
    }
    for (const req of gomod.requires) {
      const rep = replaced.get(`${req.path}@${req.version}`) ?? replaced.get(req.path);
      if (rep?.local) {
        findings.push({ code: 'config.replaced_locally', severity: 'info', target: req.path, message: `${req.path} is replaced by the local directory ${rep.path}: go does not fetch it` });
        continue;
      }
      const path = rep ? rep.path : req.path;
      const version = rep?.version ?? req.version;
      specs.push({ spec: moduleSpec(`${path}@${version}`, options.gomodFile), source: 'gomod' });
    }
    if (gomod.requires.length === 0) findings.push({ code: 'config.gomod_no_requires', severity: 'info', target: options.gomodFile, message: 'the go.mod requires no modules' });
  }
  if (specs.length === 0 && !options.gomodFile) specs.push({ spec: moduleSpec(DEFAULT_MODULE, 'default module'), source: 'default' });

  // Deduplicate, then bound the work.
  const seen = new Set<string>();
  const unique = specs.filter((s) => {
    const k = `${s.spec.path}@${s.spec.version ?? 'latest'}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length > options.maxModules) {
    findings.push({ code: 'config.modules_capped', severity: 'warn', message: `probing the first ${options.maxModules} of ${unique.length} modules (--max-modules)` });
  }

  let goSum = new Map<string, string>();
  if (options.gosumFile) {
    const text = required(inputs, '--gosum', options.gosumFile, configHints.regularFile('go.sum'));
    try {
      goSum = parseGoSum(text, options.gosumFile);
    } catch (err) {
      throw new Rejected(options.gosumFile, `--gosum: ${errorMessage(err)}`, configHints.fixModFile('go.sum'), undefined, 'config.bad_file');
    }
  }
  void goEnv;
  return unique.slice(0, options.maxModules).map(({ spec, source }) => {
    const lines = new Map<string, string>();
    if (spec.version) {
      for (const suffix of ['', '/go.mod']) {
        const h = goSum.get(`${spec.path} ${spec.version}${suffix}`);
        if (h) lines.set(`${spec.version}${suffix}`, h);
      }
    }
    const noSum = gonosumdb !== '' && matchPrefixPatterns(gonosumdb, spec.path);
    return {
      path: spec.path,
      version: spec.version,
      source,
      goSum: lines,
      sumdbSkipReason: noSum ? `matches GONOSUMDB/GOPRIVATE (${gonosumdb})` : undefined,
      insecure: goinsecure !== '' && matchPrefixPatterns(goinsecure, spec.path),
    };
  });
}

function moduleSpec(raw: string, source: string): ModuleSpec {
  try {
    return parseModuleSpec(raw);
  } catch (err) {
    throw new Rejected(source, `${source} ${printable(raw)}: ${errorMessage(err)}`, configHints.moduleSpec(), undefined, 'config.bad_flag');
  }
}

/**
 * The values that turn off what protects a download (checksum database, TLS): one warn finding per
 * rule of VERIFICATION_RULES, the table the admission policy in k8s/policy is generated from.
 */
function verificationFindings(goEnv: GoEnv, findings: Finding[]): void {
  for (const rule of VERIFICATION_RULES) {
    const value = goEnv.vars[rule.variable].value;
    if (value === '' || !rule.refuses(value)) continue;
    findings.push({ code: rule.code, severity: 'warn', target: rule.variable, message: rule.finding(value), hint: rule.fix });
  }
}

function insecureModuleFindings(modules: readonly PlannedModule[], findings: Finding[]): void {
  for (const m of modules.filter((x) => x.insecure)) {
    findings.push({ code: 'config.goinsecure_module', severity: 'info', target: m.path,
      message: `${m.path} matches GOINSECURE: only direct (origin) fetches are affected; proxy and checksum traffic stay verified` });
  }
}

/**
 * config's verdicts on the trust store, on what is cheap: whether some root parses as go would parse it
 * and whether SSL_CERT_FILE holds one (each parsed until the first that does). Only the finding that
 * counts the other roots waits for every certificate to be parsed.
 */
async function checkTrust(env: Readonly<Record<string, string>>, trust: PendingTrustStore, findings: Finding[]): Promise<void> {
  // go's os.ReadFile of a FIFO or device in the trust store blocks or never ends: every https fetch hangs.
  const refused = trust.refused[0];
  if (refused) {
    const variable = refused.path === env['SSL_CERT_FILE'] ? 'SSL_CERT_FILE' : env['SSL_CERT_DIR'] ? 'SSL_CERT_DIR' : 'the system trust store';
    throw unreadable(variable, refused, refused.code === 'EFBIG'
      ? 'point SSL_CERT_FILE at a bundle of the CA certificates the build needs'
      : 'keep only regular files of PEM certificates in SSL_CERT_FILE and SSL_CERT_DIR (go reads every file of the directories whole)');
  }
  const file = env['SSL_CERT_FILE'];
  if (file) {
    const of = trust.file(file);
    const missing = !of.read && (of.firstSkip === undefined || /no such file|ENOENT/i.test(of.firstSkip));
    // Readable without a certificate (not PEM, DER, empty) or unreadable: go loads no root from it and
    // goes on to the directories. Only when nothing else is trusted does every https fetch fail.
    const unusable = !missing && !of.certs;
    if (unusable) {
      const why = of.firstSkip ?? 'no certificate in it';
      if (!trust.hasRoots()) {
        throw new Rejected('SSL_CERT_FILE', `SSL_CERT_FILE=${printable(file)}: ${why}, and no other root is trusted: go would fail every https fetch with "x509: certificate signed by unknown authority"`,
          configHints.sslCertFileUnusable(),
          'tls: failed to verify certificate: x509: certificate signed by unknown authority', 'config.bad_file');
      }
      findings.push({ code: 'config.ssl_cert_file_unusable', severity: 'warn', target: 'SSL_CERT_FILE',
        message: `SSL_CERT_FILE=${file}: ${why}: go trusts only the ${rootCount(trust.parseAll())} root(s) from the certificate directories` });
    }
    if (missing) {
      findings.push({ code: 'config.ssl_cert_file_missing', severity: 'warn', target: 'SSL_CERT_FILE', message: `SSL_CERT_FILE=${file} does not exist: go ignores it and trusts only the certificate directories` });
    }
  }
  if (trust.error) findings.push({ code: 'config.trust_store_error', severity: 'warn', message: trust.error });
  if (!trust.hasRoots()) {
    findings.push({ code: 'config.trust_store_empty', severity: 'warn', message: 'no trusted roots found: every https verification will fail with "certificate signed by unknown authority"',
      hint: configHints.trustStoreEmpty() });
  }
}

function readDnsConfig(ctx: PlanningContext, inputs: Inputs, findings: Finding[]): Plan['dns'] {
  const { options } = ctx;
  // go's resolver reads a missing or unreadable resolv.conf as its defaults, and hosts or nsswitch.conf as empty (net/dnsconfig_unix.go, hosts.go, nss.go).
  const resolvText = optional(inputs, '--resolv-conf', options.resolvConf, findings, {
    explicit: options.resolvConfExplicit, goIgnores: 'go\'s resolver cannot read it and uses its defaults (nameservers 127.0.0.1 and ::1)', hint: configHints.regularFile('resolv.conf'),
  });
  const hostsText = optional(inputs, '--hosts-file', options.hostsFile, findings, {
    explicit: options.hostsFileExplicit, goIgnores: 'go\'s resolver cannot read it and finds no name in it', hint: configHints.regularFile('hosts'),
  });
  const nsswitchText = optional(inputs, '--nsswitch', options.nsswitchFile, findings, {
    goIgnores: 'go cannot read it and looks names up in /etc/hosts, then DNS', hint: configHints.regularFile('nsswitch.conf'),
  });
  const hostname = options.env['HOSTNAME'] ?? '';
  const conf = parseResolvConf(resolvText, hostname);
  for (const d of conf.defaultsUsed) findings.push({ code: 'dns.defaults_used', severity: 'warn', target: options.resolvConf, message: d });
  // One finding per skipped line, up to a few: a resolv.conf of thousands of lines must not make thousands of findings.
  for (const s of conf.skipped.slice(0, MAX_LINE_FINDINGS)) findings.push({ code: 'dns.line_skipped', severity: 'info', target: options.resolvConf, message: s });
  if (conf.skipped.length > MAX_LINE_FINDINGS) {
    findings.push({ code: 'dns.line_skipped', severity: 'info', target: options.resolvConf, message: `${conf.skipped.length - MAX_LINE_FINDINGS} more lines go skips or ignores` });
  }
  const ns = parseNsswitch(nsswitchText);
  if (ns.note) findings.push({ code: 'dns.nsswitch', severity: 'info', target: options.nsswitchFile, message: ns.note });
  const hosts = parseHosts(hostsText ?? '');
  return { conf, hosts, order: ns.order };
}

/**
 * The credentials go sends with https requests: .netrc alone up to go1.23; GOAUTH from go1.24 (default
 * "netrc"), whose values go refuses fail here with go's text. .netrc passwords and whatever GOAUTH
 * commands print are secrets: they only ever become request headers.
 */
function planAuth(ctx: PlanningContext, inputs: Inputs, go: GoRules, goEnv: GoEnv, findings: Finding[]): { auth: GoAuth; netrc: NetrcEntry[] } {
  const goauth = goEnv.vars.GOAUTH;
  let methods: GoAuthMethod[] = [];
  if (go.goauth) {
    try {
      methods = parseGoAuth(goauth.value, isDirectory);
    } catch (err) {
      if (!(err instanceof GoAuthError)) throw err;
      throw new Rejected('GOAUTH', `${formatGoVersion(go.version)} rejects GOAUTH=${printable(goauth.value)}: ${err.message}`,
        configHints.goauthSyntax(), err.goError);
    }
    const commands = methods.filter((m) => m.kind !== 'netrc' && m.kind !== 'off');
    if (commands.length > 0) {
      findings.push({ code: 'config.goauth', severity: 'info', target: 'GOAUTH',
        message: `${formatGoVersion(go.version)} runs ${commands.map((m) => (m.kind === 'git' ? `git credential fill (in ${m.dir})` : `"${m.command}"`)).join(' and ')} for credentials (before the first https request, again after a 4xx); the probe runs them too` });
    }
  } else if (goauth.source !== 'default') {
    findings.push({ code: 'config.goauth_ignored', severity: 'warn', target: 'GOAUTH',
      message: `GOAUTH=${printable(goauth.value)} is ignored by ${formatGoVersion(go.version)}: GOAUTH came with go1.24; this go sends only .netrc credentials`,
      hint: configHints.goauthIgnored() });
  }
  const netrc = !go.goauth || methods.some((m) => m.kind === 'netrc') ? readNetrc(ctx, inputs, go, findings) : [];
  return { auth: new GoAuth(go, methods, netrc, authCommandRunner(ctx.options.timeoutMs)), netrc };
}

function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch {
    return undefined;
  }
}

/** .netrc entries go sends to https hosts (go ≤1.23 always; go1.24+ with GOAUTH=netrc, the default). Their passwords are secrets. */
function readNetrc(ctx: PlanningContext, inputs: Inputs, go: GoRules, findings: Finding[]): NetrcEntry[] {
  const path = netrcPath(ctx.options.env);
  // go ignores a .netrc it cannot read (auth.readNetrc keeps the error but nothing reads it).
  const text = path
    ? optional(inputs, 'NETRC', path, findings, { goIgnores: 'go cannot read it and sends no .netrc credentials', hint: configHints.netrcRegularFile() })
    : undefined;
  if (text === undefined) return [];
  const entries = parseNetrc(text);
  if (entries.length > 0) {
    const match = go.goauth
      ? 'whose host[:port] (or a longer URL prefix) is a machine name'
      : 'whose host, with the port exactly as written in the URL, is a machine name';
    findings.push({ code: 'config.netrc', severity: 'info', target: 'NETRC',
      message: `${entries.length} .netrc machine(s) found (${entries.slice(0, MAX_LINE_FINDINGS).map((e) => e.machine).join(', ')}${entries.length > MAX_LINE_FINDINGS ? ', ...' : ''}): ${formatGoVersion(go.version)} sends their credentials to https URLs ${match}` });
  }
  return entries;
}

/**
 * The hosts go certainly dials first: per module, the first list entry that does anything on the
 * network. A file:// entry dials nothing; `off` and not-exist entries are skipped exactly as go skips them.
 */
export function planFirstHops(entries: readonly ProxyEntry[], gonoproxy: string, modules: readonly PlannedModule[], proxyEnv: ProxyEnv): Hop[] {
  const hops = new Map<string, { url: URL; roles: string[]; survivable: boolean; firstRequest: Hop['firstRequest'] }>();
  for (const m of modules) {
    for (const [i, entry] of entries.entries()) {
      const action = entryAction(entry, m.path, gonoproxy);
      if (action.action === 'not-exist') continue;
      const next = i + 1 < entries.length;
      const survivable = entry.fallBackOnAnyError && next;
      let url: URL | undefined;
      let role: string;
      let firstRequest: Hop['firstRequest'];
      if (action.action === 'proxy') {
        if (action.url.startsWith('file:')) break;
        url = new URL(action.url);
        role = `GOPROXY entry ${i + 1} for ${m.path}`;
        const base = `${action.url.replace(/\/+$/, '')}/${wirePathEscape(escapePath(m.path))}`;
        firstRequest = m.version
          ? { prefix: `${m.path}@${m.version}: `, url: `${base}/@v/${wirePathEscape(escapeVersion(m.version))}.info`, wrap: 'Get' }
          : { prefix: `module ${m.path}: `, url: `${base}/@v/list`, wrap: 'Get' };
      } else {
        // A path go resolves without discovery (github.com/..., host/repo.git): go itself dials nothing
        // first; git does, wherever insteadOf sends it. The direct fetch checks that hop (proxy.dns/tcp/tls.*).
        if (vcsPathMatch(m.path)) break;
        url = new URL(`https://${m.path.split('/')[0]}/`);
        role = `direct origin of ${m.path}`;
        firstRequest = { prefix: `${m.version ? `${m.path}@${m.version}` : `module ${m.path}`}: unrecognized import path "${m.path}": https fetch: `, url: `https://${m.path}?go-get=1`, wrap: 'Get' };
      }
      const key = `${url.protocol}//${url.host}`;
      const h = hops.get(key) ?? { url, roles: [], survivable: true, firstRequest };
      h.roles.push(role);
      h.survivable = h.survivable && survivable;
      hops.set(key, h);
      break;
    }
  }
  return [...hops.entries()].map(([origin, h]) => {
    const scheme = h.url.protocol === 'http:' ? 'http' : 'https';
    return {
      origin,
      scheme,
      host: h.url.hostname.replace(/^\[|\]$/g, ''),
      port: h.url.port ? Number(h.url.port) : scheme === 'https' ? 443 : 80,
      proxy: proxyFor(proxyEnv, h.url),
      roles: h.roles,
      survivable: h.survivable,
      ...(h.firstRequest ? { firstRequest: h.firstRequest } : {}),
    };
  });
}

function planEvidence(plan: Plan): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plan.goEnv.vars)) vars[k] = { value: redactEnvValue(v.value), source: v.source };
  return {
    goEnv: vars,
    toolchain: plan.toolchain,
    // Whose rules the later stages follow: --go-version's, or the toolchain go switches to.
    goRules: formatGoVersion(plan.go.version),
    effective: { GONOPROXY: plan.gonoproxy, GONOSUMDB: plan.gonosumdb, GOINSECURE: plan.goinsecure },
    proxyList: plan.proxyList.map((e) => ({ ...e, ...(e.kind === 'url' ? { url: redactURL(e.url) } : {}) })),
    sumdb: plan.sumdb.kind === 'off' ? { kind: 'off' } : { name: plan.sumdb.name, key: plan.sumdb.verifierKey, url: plan.sumdb.url ?? null },
    modules: plan.modules.map((m) => ({
      path: m.path,
      version: m.version ?? 'latest',
      source: m.source,
      sumdb: m.sumdbSkipReason ? `skipped: ${m.sumdbSkipReason}` : 'checked',
      insecure: m.insecure,
      goSumLines: m.goSum.size,
    })),
    firstHops: plan.firstHops.map((h) => ({
      origin: h.origin,
      roles: h.roles,
      survivable: h.survivable,
      proxy: h.proxy.proxy ? redactURL(h.proxy.proxy.href) : 'direct',
      proxyReason: h.proxy.reason,
      ...(h.proxy.variable ? { proxyVariable: h.proxy.variable } : {}),
      ...(h.proxy.noProxyMatch ? { noProxyMatch: h.proxy.noProxyMatch } : {}),
    })),
    // What config decided on: the files and directories read, and whether a root parses. Every root is
    // parsed later, while the network waits run: the counts are in the report's trustStore.
    trustStore: trustStoreRead(plan.trust),
    dns: { nameservers: plan.dns.conf.servers, search: plan.dns.conf.search, ndots: plan.dns.conf.ndots, order: plan.dns.order },
  };
}
