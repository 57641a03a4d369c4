// argv + env -> one typed, frozen Options, parsed once at the boundary. Nothing below the CLI reads
// process.env or process.argv. The flag table is data so that --help is generated from what is parsed.

import { STAGE_NAMES, type StageName } from './causes.js';
import { parseDuration } from './duration.js';
import { InputError, ParseError } from './errors.js';
import { goArch } from './goenv/toolchain.js';
import { MODELLED_RANGE, NEWEST_MODELLED, formatGoVersion, parseGoVersion, type GoVersionSetting } from './goenv/goversion.js';

/** What `demo --break` breaks: a network stage, or the toolchain hop (go.mod asks for a go no GOPROXY serves). */
export type DemoBreak = Exclude<StageName, 'config'> | 'toolchain';

export type Expectation = { readonly kind: 'pass' } | { readonly kind: 'fail'; readonly stage: StageName };
export type OutputFormat = 'json' | 'pretty';

export interface MustBlockTarget {
  readonly host: string;
  readonly port: number;
  readonly raw: string;
}

export interface Options {
  readonly command: 'probe' | 'demo' | 'serve' | 'help' | 'version';
  /** `--module` values as given (validated by the config stage, which owns Go's module-path rules). */
  readonly modules: readonly string[];
  readonly gomodFile: string | undefined;
  /** --gowork: the go.work the build uses; its go and toolchain lines decide go's toolchain switch. */
  readonly goworkFile: string | undefined;
  readonly gosumFile: string | undefined;
  readonly maxModules: number;
  readonly reportDir: string | undefined;
  readonly terminationLog: string | undefined;
  readonly junitFile: string | undefined;
  /** --junit-suite: the JUnit testsuite's name and its testcases' classname prefix (default "gomodprobe"). */
  readonly junitSuite: string;
  /** --emit-networkpolicy: write report.json's egress[] as an egress policy for the build pod. */
  readonly networkPolicy: { readonly file: string; readonly format: 'kubernetes' | 'cilium' } | undefined;
  /** Budget of each network operation (a lookup, a connect, a handshake, a request). */
  readonly timeoutMs: number;
  /** Budget of the whole run. */
  readonly deadlineMs: number;
  readonly expect: Expectation | undefined;
  readonly mustBlock: readonly MustBlockTarget[];
  /** --strict: warn-level findings fail their stage (src/strict.ts). */
  readonly strict: boolean;
  /** --hash-toolchain: download a switched-to toolchain's zip whole and compare its hash, as go does. */
  readonly hashToolchain: boolean;
  /** A certificate expiring within this many days is a warn finding. */
  readonly certWarnDays: number;
  /** --must-block-unresolvable-ok: a must-block name that does not resolve counts as blocked. */
  readonly mustBlockUnresolvableOk: boolean;
  readonly resolvConf: string;
  /** True when --resolv-conf was given: then a missing file is an input error, not Go's default config. */
  readonly resolvConfExplicit: boolean;
  readonly hostsFile: string;
  readonly hostsFileExplicit: boolean;
  readonly nsswitchFile: string;
  readonly dnsPort: number;
  readonly format: OutputFormat;
  readonly color: boolean;
  readonly logLevel: 'info' | 'debug';
  /** The go the build runs (--go-version), whose rules the verdict follows; where that came from. */
  readonly goVersion: GoVersionSetting;
  /** GOOS/GOARCH of the build image's go (--go-platform): names the toolchain go downloads when it switches. */
  readonly goPlatform: { readonly goos: string; readonly goarch: string };
  /** `demo --break STAGE`, `serve --demo --break STAGE`. */
  readonly demoBreak: DemoBreak | undefined;
  /** `serve` only (fleet mode): see src/serve/. */
  readonly serve: ServeOptions;
  /**
   * The environment `go` would see: the Go variables, proxy variables, SSL_CERT_*, HOME and friends.
   * The config stage parses it with Go's rules (a value Go rejects fails that stage, not the CLI).
   */
  readonly env: Readonly<Record<string, string>>;
}

export interface ServeOptions {
  /** Where /metrics, /probe, /report.json, /-/healthy and /-/ready are served. */
  readonly listen: { readonly host: string; readonly port: number };
  /** Time between the starts of two scheduled runs (jittered by the scheduler). */
  readonly intervalMs: number;
  /** Identity labels of every series: the probed set's name and the pod's namespace. */
  readonly name: string;
  readonly namespace: string | undefined;
  /** Probe the embedded demo target instead of the process's Go environment. */
  readonly demo: boolean;
}

export const DEFAULT_SERVE_PORT = 9615;

export const DEFAULT_MODULE = 'rsc.io/quote@v1.5.2';
const MAX_VALUE_BYTES = 64 * 1024;
const NETWORK_STAGES = STAGE_NAMES.filter((s) => s !== 'config').join(', ');

interface FlagSpec {
  readonly name: string;
  readonly env?: string;
  readonly arg?: string;
  readonly repeatable?: boolean;
  readonly help: string;
  readonly commands?: readonly Options['command'][];
}

export const FLAGS: readonly FlagSpec[] = [
  { name: 'module', env: 'GOMODPROBE_MODULE', arg: 'PATH@VERSION', repeatable: true,
    help: `module to probe as PATH@VERSION or PATH@latest (repeatable; env: comma-separated). Default ${DEFAULT_MODULE}` },
  { name: 'gomod', env: 'GOMODPROBE_GOMOD', arg: 'FILE', help: "probe the modules required by this go.mod (its require and replace lines) instead of --module" },
  { name: 'gowork', env: 'GOMODPROBE_GOWORK', arg: 'FILE', help: "the go.work the build uses (go finds one above the module's directory, or GOWORK names it): its go and toolchain lines decide go's toolchain switch instead of go.mod's" },
  { name: 'go-version', env: 'GOMODPROBE_GO_VERSION', arg: 'VERSION',
    help: `the go the build image runs (1.27, 1.27.3 or go1.27.3; modelled: ${MODELLED_RANGE}): verdicts follow its rules. Default: the newest modelled, ${formatGoVersion(NEWEST_MODELLED)}` },
  { name: 'go-platform', env: 'GOMODPROBE_GO_PLATFORM', arg: 'GOOS/GOARCH',
    help: `the build image's go platform, which names the toolchain go downloads when go.mod or GOTOOLCHAIN asks for a newer go (default linux/${goArch(process.arch)})` },
  { name: 'gosum', env: 'GOMODPROBE_GOSUM', arg: 'FILE', help: 'compare these go.sum lines with the checksum database before the build does' },
  { name: 'max-modules', env: 'GOMODPROBE_MAX_MODULES', arg: 'N', help: 'probe at most N modules from --gomod (default 50)' },
  { name: 'report-dir', env: 'GOMODPROBE_REPORT_DIR', arg: 'DIR', help: 'write gomodprobe.ndjson, report.json and metrics.prom here (the shared volume)' },
  { name: 'termination-log', env: 'GOMODPROBE_TERMINATION_LOG', arg: 'FILE', help: 'short failure summary for `kubectl describe pod` (default /dev/termination-log when it exists)' },
  { name: 'junit', env: 'GOMODPROBE_JUNIT', arg: 'FILE', help: 'also write JUnit XML: one testcase per stage and per --must-block target' },
  { name: 'junit-suite', env: 'GOMODPROBE_JUNIT_SUITE', arg: 'NAME', help: 'name of the JUnit testsuite and prefix of its testcases\' classname, e.g. the NetworkPolicy under test (default gomodprobe; letters, digits, . _ -)' },
  { name: 'emit-networkpolicy', env: 'GOMODPROBE_EMIT_NETWORKPOLICY', arg: 'FILE', help: 'write the egress go needs (report.json egress[]) as a NetworkPolicy for the build pod to review and apply' },
  { name: 'emit-networkpolicy-format', env: 'GOMODPROBE_EMIT_NETWORKPOLICY_FORMAT', arg: 'kubernetes|cilium', help: 'kubernetes: ipBlock rules with the addresses resolved in this run (default); cilium: a CiliumNetworkPolicy with toFQDNs rules' },
  { name: 'timeout', env: 'GOMODPROBE_TIMEOUT', arg: 'DURATION', help: 'budget of each network operation: lookup, connect, handshake, request (default 5s; go itself waits up to 30s to dial and 10s for TLS)' },
  { name: 'deadline', env: 'GOMODPROBE_DEADLINE', arg: 'DURATION', help: 'budget of the whole run (default 60s)' },
  { name: 'strict', env: 'GOMODPROBE_STRICT', help: 'warn-level findings fail the gate too (GOSUMDB=off, GONOSUMDB/GOPRIVATE covering every module, GOINSECURE=*, GOFLAGS=-insecure, a certificate expiring within --cert-warn-days, ...): exit 2 for a config finding, the stage\'s code for a host\'s (env: true or false)' },
  { name: 'hash-toolchain', env: 'GOMODPROBE_HASH_TOOLCHAIN', help: 'when go switches toolchains, download the toolchain zip whole (~75 MB, held in memory; give the probe ~300 MB) and compare its hash with the checksum database as go does; without it the probe reads the first 64 KiB and the hash is not checked (env: true or false)' },
  { name: 'cert-warn-days', env: 'GOMODPROBE_CERT_WARN_DAYS', arg: 'N', help: 'a certificate of a reached host expiring within N days is a warn finding (default 14)' },
  { name: 'expect', env: 'GOMODPROBE_EXPECT', arg: 'pass|fail:STAGE', help: 'NetworkPolicy regression mode: exit 0 when the outcome is exactly this, 3 otherwise' },
  { name: 'must-block', env: 'GOMODPROBE_MUST_BLOCK', arg: 'HOST[:PORT]', repeatable: true, help: 'assert that go cannot reach this target (repeatable; default port 443): connected as go would, through HTTPS_PROXY when go would use it; reachable -> exit 4, and so is a name that does not resolve unless --must-block-unresolvable-ok' },
  { name: 'must-block-unresolvable-ok', help: 'count a --must-block name that does not resolve as blocked (when the policy under test blocks DNS, or the name exists only outside)' },
  { name: 'resolv-conf', env: 'GOMODPROBE_RESOLV_CONF', arg: 'FILE', help: 'resolver configuration (default /etc/resolv.conf)' },
  { name: 'hosts-file', env: 'GOMODPROBE_HOSTS_FILE', arg: 'FILE', help: 'hosts file (default /etc/hosts)' },
  { name: 'nsswitch', env: 'GOMODPROBE_NSSWITCH', arg: 'FILE', help: 'nsswitch.conf, for the files/dns order (default /etc/nsswitch.conf)' },
  { name: 'dns-port', env: 'GOMODPROBE_DNS_PORT', arg: 'PORT', help: 'port of the resolv.conf nameservers (default 53, as go; for test targets on high ports)' },
  { name: 'format', env: 'GOMODPROBE_FORMAT', arg: 'json|pretty', help: 'stdout format (default: pretty on a TTY, JSON lines otherwise)' },
  { name: 'log-level', env: 'GOMODPROBE_LOG_LEVEL', arg: 'info|debug', help: 'log verbosity (default info); debug adds one line per network operation (event net.op: DNS query and lookup, connect, TLS handshake, HTTP request, with its target, outcome and ms)' },
  { name: 'break', arg: 'STAGE', help: 'probe a variant of the demo target broken at this stage, or at the toolchain hop (toolchain; serve: with --demo)', commands: ['demo', 'serve'] },
  { name: 'listen', env: 'GOMODPROBE_LISTEN', arg: '[HOST]:PORT', help: `serve /metrics, /probe, /report.json, /-/healthy and /-/ready here (default :${DEFAULT_SERVE_PORT}, every address)`, commands: ['serve'] },
  { name: 'interval', env: 'GOMODPROBE_INTERVAL', arg: 'DURATION', help: 'time between two scheduled runs, jittered by up to 10% (default 5m; a run never overlaps the next)', commands: ['serve'] },
  { name: 'name', env: 'GOMODPROBE_NAME', arg: 'NAME', help: 'the `name` label of every series: what this exporter probes (default "default"; letters, digits, . _ -, at most 63)', commands: ['serve'] },
  { name: 'namespace', env: 'GOMODPROBE_NAMESPACE', arg: 'NAMESPACE', help: 'the `namespace` label of every series (set it from the downward API: metadata.namespace)', commands: ['serve'] },
  { name: 'demo', help: 'probe the embedded demo target (as `gomodprobe demo` does), to see the exporter, alerts and dashboard work', commands: ['serve'] },
  { name: 'help', help: 'show this help (also -h)' },
  { name: 'version', help: 'print the version' },
];

/** Environment variables `go` reads that decide what it dials and trusts; the config stage parses them. */
export const GO_ENV_NAMES = [
  'GOPROXY', 'GOSUMDB', 'GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOINSECURE', 'GOFLAGS', 'GOAUTH', 'GOVCS',
  'GOTOOLCHAIN', 'GOENV', 'GOPATH', 'GOMODCACHE', 'GOROOT', 'NETRC', 'HOME', 'XDG_CONFIG_HOME',
  'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'REQUEST_METHOD',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HOSTNAME', 'LOCALDOMAIN', 'RES_OPTIONS', 'HOSTALIASES', 'GODEBUG', 'GOWORK',
  // The git that go runs for a direct fetch reads these (stages/githop.ts, githttps.ts); GIT_CONFIG_KEY_n and
  // GIT_CONFIG_VALUE_n are kept too (GIT_CONFIG_PAIR).
  'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_COUNT', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH',
  'GIT_SSL_NO_VERIFY', 'GIT_HTTP_USER_AGENT', 'GIT_ASKPASS', 'SSH_ASKPASS',
] as const;

/** GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n (git's command-line configuration in the environment). */
const GIT_CONFIG_PAIR = /^GIT_CONFIG_(KEY|VALUE)_\d+$/;

export interface ParseContext {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  /** Whether /dev/termination-log exists (Kubernetes creates it); decided by the caller, which may do I/O. */
  readonly terminationLogExists: boolean;
}

export function parseOptions(ctx: ParseContext): Options {
  const values = new Map<string, string[]>();
  let command: Options['command'] = 'probe';
  const args = [...ctx.argv];
  // The subcommand may come before or after the flags (`gomodprobe --break tls demo`): find it where it
  // is not a flag's value, and take it out.
  const sub = subcommandIndex(args);
  if (sub >= 0) {
    command = args[sub] as 'demo' | 'serve';
    args.splice(sub, 1);
  }

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      throw new InputError(`argument "${printable(arg)}"`, 'unexpected argument (see --help)');
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = flagName(eq >= 0 ? body.slice(0, eq) : body);
    const spec = FLAGS.find((f) => f.name === name);
    if (!spec) throw new InputError(`--${printable(name)}`, `unknown flag${didYouMean(name, FLAGS.map((f) => f.name), '--')} (see --help)`);
    if (spec.commands && !spec.commands.includes(command)) {
      throw new InputError(`--${name}`, `only valid with: gomodprobe ${spec.commands.join(', ')}`);
    }
    if (!spec.arg) {
      if (eq >= 0) throw new InputError(`--${name}`, 'takes no value');
      values.set(name, ['true']);
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      const next = args[++i];
      if (next === undefined) throw new InputError(`--${name}`, `needs a value (${spec.arg})`);
      value = next;
    }
    checkValue(`--${name}`, value);
    const list = values.get(name) ?? [];
    if (!spec.repeatable && list.length > 0) throw new InputError(`--${name}`, 'given more than once');
    list.push(value);
    values.set(name, list);
  }

  if (values.has('help')) command = 'help';
  else if (values.has('version')) command = 'version';

  // A misspelt GOMODPROBE_* variable would be ignored, and the probe would check something else than
  // asked (rsc.io/quote through proxy.golang.org): refuse it.
  const knownEnv = FLAGS.flatMap((f) => (f.env ? [f.env] : []));
  for (const name of Object.keys(ctx.env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || knownEnv.includes(name)) continue;
    throw new InputError(printable(name), `unknown variable${didYouMean(name, knownEnv, '')} (the GOMODPROBE_* variables are listed in --help)`);
  }

  // GOMODPROBE_* fill in what flags did not set.
  for (const spec of FLAGS) {
    if (!spec.env || values.has(spec.name)) continue;
    const raw = ctx.env[spec.env];
    if (raw === undefined || raw === '') continue;
    checkValue(spec.env, raw);
    values.set(
      spec.name,
      spec.repeatable ? raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [raw],
    );
  }

  const one = (name: string): string | undefined => values.get(name)?.[0];
  const source = (name: string): string => {
    const spec = FLAGS.find((f) => f.name === name)!;
    return ctx.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}` || a.startsWith(`-${name}=`))
      ? `--${name}`
      : (spec.env ?? `--${name}`);
  };

  const timeoutMs = durationValue(one('timeout'), 5000, source('timeout'));
  const deadlineMs = durationValue(one('deadline'), 60_000, source('deadline'));
  if (timeoutMs <= 0) throw new InputError(source('timeout'), 'must be greater than 0');
  if (deadlineMs <= 0) throw new InputError(source('deadline'), 'must be greater than 0');

  const format = one('format');
  if (format !== undefined && format !== 'json' && format !== 'pretty') {
    throw new InputError(source('format'), `"${printable(format)}" is not json or pretty`);
  }
  const logLevel = one('log-level') ?? 'info';
  if (logLevel !== 'info' && logLevel !== 'debug') {
    throw new InputError(source('log-level'), `"${printable(logLevel)}" is not info or debug`);
  }

  const breakStage = one('break');
  if (breakStage !== undefined && breakStage !== 'toolchain' && (!isStage(breakStage) || breakStage === 'config')) {
    throw new InputError('--break', `"${printable(breakStage)}" is not one of dns, tcp, tls, proxy, sumdb, redirect, toolchain`);
  }
  if (command === 'serve' && breakStage !== undefined && !values.has('demo')) {
    throw new InputError('--break', 'breaks the demo target: use it with serve --demo');
  }

  const env: Record<string, string> = {};
  for (const name of GO_ENV_NAMES) {
    const v = ctx.env[name];
    if (v !== undefined) env[name] = v;
  }
  for (const [name, v] of Object.entries(ctx.env)) {
    if (GIT_CONFIG_PAIR.test(name) && v !== undefined) env[name] = v;
  }

  const policyFormat = one('emit-networkpolicy-format');
  if (policyFormat !== undefined && policyFormat !== 'kubernetes' && policyFormat !== 'cilium') {
    throw new InputError(source('emit-networkpolicy-format'), `"${printable(policyFormat)}" is not kubernetes or cilium`);
  }
  const policyFile = one('emit-networkpolicy');
  if (policyFormat !== undefined && policyFile === undefined) {
    throw new InputError(source('emit-networkpolicy-format'), 'needs --emit-networkpolicy FILE');
  }

  const terminationLog = one('termination-log') ?? (ctx.terminationLogExists ? '/dev/termination-log' : undefined);

  return Object.freeze({
    command,
    modules: Object.freeze(values.get('module') ?? []),
    gomodFile: one('gomod'),
    goworkFile: one('gowork'),
    gosumFile: one('gosum'),
    maxModules: intValue(one('max-modules'), 50, 1, 10_000, source('max-modules')),
    reportDir: one('report-dir'),
    terminationLog,
    junitFile: one('junit'),
    junitSuite: junitSuite(one('junit-suite'), source('junit-suite')),
    networkPolicy: policyFile === undefined ? undefined : Object.freeze({ file: policyFile, format: (policyFormat as 'kubernetes' | 'cilium' | undefined) ?? 'kubernetes' }),
    timeoutMs,
    deadlineMs,
    expect: expectation(one('expect'), source('expect')),
    strict: booleanValue(one('strict'), source('strict')),
    hashToolchain: booleanValue(one('hash-toolchain'), source('hash-toolchain')),
    certWarnDays: intValue(one('cert-warn-days'), 14, 0, 3650, source('cert-warn-days')),
    mustBlock: Object.freeze((values.get('must-block') ?? []).map((v) => mustBlockTarget(v, source('must-block')))),
    mustBlockUnresolvableOk: values.has('must-block-unresolvable-ok'),
    resolvConf: one('resolv-conf') ?? '/etc/resolv.conf',
    resolvConfExplicit: values.has('resolv-conf'),
    hostsFile: one('hosts-file') ?? '/etc/hosts',
    hostsFileExplicit: values.has('hosts-file'),
    nsswitchFile: one('nsswitch') ?? '/etc/nsswitch.conf',
    dnsPort: intValue(one('dns-port'), 53, 1, 65535, source('dns-port')),
    format: (format as OutputFormat | undefined) ?? (ctx.stdoutIsTTY ? 'pretty' : 'json'),
    color: ctx.stdoutIsTTY && !ctx.env['NO_COLOR'],
    logLevel,
    goVersion: goVersionSetting(one('go-version'), source('go-version')),
    goPlatform: goPlatform(one('go-platform'), source('go-platform')),
    demoBreak: breakStage as DemoBreak | undefined,
    serve: serveOptions(one, source),
    env: Object.freeze(env),
  });
}

function serveOptions(one: (name: string) => string | undefined, source: (name: string) => string): ServeOptions {
  const intervalMs = durationValue(one('interval'), 5 * 60_000, source('interval'));
  // Runs back to back are allowed (the benchmark does 1,000 of them); a real fleet wants minutes.
  if (intervalMs < 100) throw new InputError(source('interval'), 'must be at least 100ms');
  const name = one('name') ?? 'default';
  // Label values are identities: short and from a small alphabet, so that no value can blow up a series count.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
    throw new InputError(source('name'), `"${printable(name)}" is not a name (letters, digits, . _ -, at most 63)`);
  }
  const namespace = one('namespace');
  if (namespace !== undefined && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new InputError(source('namespace'), `"${printable(namespace)}" is not a Kubernetes namespace name`);
  }
  return Object.freeze({
    listen: listenAddress(one('listen'), source('listen')),
    intervalMs,
    name,
    namespace,
    demo: one('demo') === 'true',
  });
}

/** `[HOST]:PORT`, `HOST:PORT` or `:PORT` (every address), as Go servers take --web.listen-address. */
function listenAddress(raw: string | undefined, source: string): { host: string; port: number } {
  if (raw === undefined) return { host: '', port: DEFAULT_SERVE_PORT };
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s/]*)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) throw new InputError(source, `"${printable(raw)}" is not [HOST]:PORT`);
  return { host: m[1] ?? m[2] ?? '', port };
}

const ENV_PREFIX = 'GOMODPROBE_';

/** `-h` is `--help`, as everywhere else. */
function flagName(name: string): string {
  return name === 'h' ? 'help' : name;
}

/** Where the subcommand is among the arguments (-1 when there is none): a bare word that is not a flag's value. */
function subcommandIndex(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === 'demo' || arg === 'serve') return i;
    if (!arg.startsWith('-') || arg.includes('=')) continue;
    const spec = FLAGS.find((f) => f.name === flagName(arg.replace(/^--?/, '')));
    if (spec?.arg) i++; // its value follows
  }
  return -1;
}

/** " (did you mean --module?)" for a name within a couple of edits of a known one, else "". */
export function didYouMean(name: string, known: readonly string[], prefix: string): string {
  const limit = Math.max(2, Math.floor(name.length / 5));
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toUpperCase() === name ? name : name.toLowerCase(), k);
    if (d <= limit && (!best || d < best.d)) best = { name: k, d };
  }
  return best ? ` (did you mean ${prefix}${best.name}?)` : '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function isStage(s: string): s is StageName {
  return (STAGE_NAMES as readonly string[]).includes(s);
}

function expectation(raw: string | undefined, source: string): Expectation | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'pass') return Object.freeze({ kind: 'pass' });
  const stage = /^fail:(.+)$/.exec(raw)?.[1];
  // A config failure means the probe could not run as configured: it never counts as "blocked as expected".
  if (stage !== undefined && isStage(stage) && stage !== 'config') return Object.freeze({ kind: 'fail', stage });
  throw new InputError(source, `"${printable(raw)}" is not pass or fail:STAGE (STAGE one of ${NETWORK_STAGES})`);
}

function junitSuite(raw: string | undefined, source: string): string {
  if (raw === undefined) return 'gomodprobe';
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(raw)) throw new InputError(source, `"${printable(raw)}" is not a suite name (letters, digits, . _ -, at most 128)`);
  return raw;
}

function mustBlockTarget(raw: string, source: string): MustBlockTarget {
  let host = raw;
  let port = 443;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if ((raw.match(/:/g) ?? []).length === 1) {
    const i = raw.lastIndexOf(':');
    host = raw.slice(0, i);
    if (!/^\d{1,5}$/.test(raw.slice(i + 1))) throw new InputError(source, `"${printable(raw)}" has an invalid port`);
    port = Number(raw.slice(i + 1));
  }
  if (host.length === 0 || host.length > 253 || /[\s/@]/.test(host)) {
    throw new InputError(source, `"${printable(raw)}" is not HOST[:PORT]`);
  }
  if (port < 1 || port > 65535) throw new InputError(source, `"${printable(raw)}" has an invalid port`);
  return Object.freeze({ host: host.toLowerCase(), port, raw });
}

function goPlatform(raw: string | undefined, source: string): { goos: string; goarch: string } {
  if (raw === undefined) return Object.freeze({ goos: 'linux', goarch: goArch(process.arch) });
  // GOOS and GOARCH are lower-case words (go tool dist list): linux/amd64, darwin/arm64, linux/ppc64le.
  const m = /^([a-z][a-z0-9]{1,15})\/([a-z][a-z0-9]{1,15})$/.exec(raw);
  if (!m) throw new InputError(source, `"${printable(raw)}" is not a go platform (write GOOS/GOARCH, e.g. linux/amd64)`);
  return Object.freeze({ goos: m[1]!, goarch: m[2]! });
}

function goVersionSetting(raw: string | undefined, source: string): GoVersionSetting {
  if (raw === undefined) return Object.freeze({ version: NEWEST_MODELLED, source: 'default' });
  try {
    return Object.freeze({ version: parseGoVersion(raw), source: source === '--go-version' ? '--go-version' : 'GOMODPROBE_GO_VERSION' });
  } catch (err) {
    if (err instanceof ParseError) throw new InputError(source, err.message);
    throw err;
  }
}

function durationValue(raw: string | undefined, fallback: number, source: string): number {
  if (raw === undefined) return fallback;
  try {
    return parseDuration(raw);
  } catch (err) {
    if (err instanceof ParseError) throw new InputError(source, err.message);
    throw err;
  }
}

/** A flag without a value is 'true'; its variable may say true/false (or 1/0). */
function booleanValue(raw: string | undefined, source: string): boolean {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new InputError(source, `"${printable(raw)}" is not true or false`);
}

function intValue(raw: string | undefined, fallback: number, min: number, max: number, source: string): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new InputError(source, `"${printable(raw)}" is not a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new InputError(source, `${n} is out of range (${min}..${max})`);
  return n;
}

function checkValue(source: string, value: string): void {
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new InputError(source, `value is too long (over ${MAX_VALUE_BYTES} bytes)`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InputError(source, 'value contains control characters');
}

/** Quote-safe, length-capped rendering of user input inside our one-line errors. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

export function helpText(version: string): string {
  const lines = [
    `gomodprobe ${version}: will \`go mod download\` work from here, and if not, which hop breaks and why.`,
    '',
    'Usage:',
    '  gomodprobe [flags]                 probe with the Go environment of this process',
    '  gomodprobe demo [--break STAGE]    start a built-in target on loopback and probe it',
    '  gomodprobe serve [flags]           fleet mode: probe every --interval, serve /metrics and /probe',
    '',
    'Flags (each also read from the GOMODPROBE_* variable shown; a flag wins over its variable):',
  ];
  for (const f of FLAGS) {
    const left = `  --${f.name}${f.arg ? ` ${f.arg}` : ''}`;
    lines.push(left);
    lines.push(`      ${f.help}${f.env ? ` [${f.env}]` : ''}`);
  }
  lines.push(
    '',
    'Go environment, read exactly as `go` reads it (process env, then the `go env -w` file, then Go\'s defaults):',
    '  GOPROXY GOSUMDB GOPRIVATE GONOPROXY GONOSUMDB GOINSECURE GOFLAGS GOAUTH NETRC',
    '  HTTPS_PROXY HTTP_PROXY NO_PROXY (and lower case) SSL_CERT_FILE SSL_CERT_DIR',
    '',
    'Stages (fixed order; the run stops at the first failure) and exit codes:',
    '  config 2   dns 10   tcp 11   tls 12   proxy 13   sumdb 14   redirect 15',
    'Other exit codes:',
    '  0 all passed (or --expect held)   1 internal error   3 --expect not met',
    '  4 a --must-block target was reachable   130/143 interrupted by SIGINT/SIGTERM',
    '',
    'Bad flags or unreadable input files exit 2 with one line naming what is wrong.',
  );
  return lines.join('\n') + '\n';
}
