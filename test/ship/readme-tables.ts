// The README's reference tables, generated from the code they describe (flags, Go variables, exit
// codes, cause codes with their hints, metric families), so that the README cannot drift from it.
// test/ship/readme.test.ts checks that README.md holds exactly these blocks; to refresh them:
//   npx tsx test/ship/readme-tables.ts --write

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, isLayerCause, LAYER_CAUSES, STAGE_CAUSES, STAGE_EXIT_CODES, STAGE_NAMES } from '../../src/causes.js';
import { VERIFICATION_RULES } from '../../src/goenv/verification-rules.js';
import { hintFor } from '../../src/hints.js';
import { formatBytes, INPUT_LIMITS } from '../../src/inputfile.js';
import { FLAGS, GO_ENV_NAMES } from '../../src/options.js';
import { formatMetrics } from '../../src/report/metrics.js';
import { REPORT_SCHEMA, type RunReport } from '../../src/report/types.js';
import { signalExitCode } from '../../src/verdict.js';

const REPO = join(import.meta.dirname, '..', '..');

/** Markdown table cell: pipes escaped, one line. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function flagTable(): string {
  return table(
    ['flag', 'environment variable', 'what it does'],
    FLAGS.map((f) => [
      `\`--${f.name}${f.arg ? ` ${f.arg}` : ''}\``,
      f.env ? `\`${f.env}\`` : '—',
      `${f.help}${f.repeatable && !f.help.includes('repeatable') ? ' (repeatable)' : ''}${f.commands ? ` (only with \`gomodprobe ${f.commands.join(', ')}\`)` : ''}`,
    ]),
  );
}

export function goEnvList(): string {
  return GO_ENV_NAMES.map((n) => `\`${n}\``).join(' ');
}

const STAGE_PURPOSE: Readonly<Record<(typeof STAGE_NAMES)[number], string>> = {
  config: 'the Go environment parses as `go` parses it; values go rejects fail here, risky ones are findings',
  dns: 'every host go dials first resolves, with /etc/hosts, resolv.conf and nsswitch.conf read as Go\'s resolver reads them',
  tcp: 'a TCP connection opens to each address (or to the HTTP(S) proxy, then a CONNECT tunnel)',
  tls: 'the handshake verifies against the roots Go would load (SSL_CERT_FILE/SSL_CERT_DIR); the chain is dumped',
  proxy: 'each GOPROXY entry answers the module protocol (.info, .mod, @v/list) with go\'s fallback rules',
  sumdb: 'the checksum database (direct or through GOPROXY) answers, its signed tree head and records verify',
  redirect: 'the .zip download and its redirects (typically to object storage) work, and each new host passes dns/tcp/tls',
};

export function exitCodeTable(): string {
  const stageRows = STAGE_NAMES.map((s, i) => [`\`${STAGE_EXIT_CODES[s]}\``, `${i} ${s}`, STAGE_PURPOSE[s]]);
  const other: string[][] = [
    [`\`${EXIT.ok}\``, '—', 'every stage passed (or, with `--expect`, the outcome was the expected one)'],
    [`\`${EXIT.internal}\``, '—', 'internal error: a bug in the probe (still logged as one line, never a bare stack trace)'],
    [`\`${EXIT.expectNotMet}\``, '—', '`--expect` was given and the outcome differs'],
    [`\`${EXIT.mustBlockReachable}\``, '—', 'a `--must-block` target was reachable (wins over every other outcome but `1`, `2` and a signal)'],
    ['`2`, `10`-`15`', '—', 'with `--strict`: a warn-level finding failed its stage (`strict.warning`): `2` for the config stage\'s (GOSUMDB=off, GONOSUMDB/GOPRIVATE covering every module, GOINSECURE=*, GOFLAGS=-insecure, ...), the stage\'s own code for a host\'s (a certificate expiring within `--cert-warn-days`)'],
    [`\`${signalExitCode('SIGINT')}\`, \`${signalExitCode('SIGTERM')}\``, '—', 'interrupted by SIGINT or SIGTERM (128+signal): verdict `error`, cause `interrupted`; the reports are still written'],
  ];
  return table(['exit code', 'stage', 'what passing it establishes'], [...other, ...stageRows]);
}

/** What to change for the stage causes; their hints are written by the stages from the facts of the failure. */
export const STAGE_CAUSE_HINTS: Readonly<Record<keyof typeof STAGE_CAUSES, string>> = {
  'config.invalid': 'fix the variable named in the failure: the message is the one go prints',
  'config.bad_flag': 'fix the flag or GOMODPROBE_* value named in the message',
  'config.bad_file': 'fix or mount the input file named in the message (go.mod, go.sum, resolv.conf, ...)',
  'config.unsupported_url': 'name the host by a DNS name, an IPv4 address, or an IPv6 address in brackets without a zone',
  'config.toolchain_too_old': 'a build image with go at least as new as go.mod\'s go line, or GOTOOLCHAIN=auto with golang.org/toolchain served by GOPROXY, or a lower go line; give the probe the image\'s go with --go-version',
  'config.gowork_too_old': 'raise go.work\'s go line to the newest go line of its modules (`go work use` does it), or give the probe the go.work the build really uses (--gowork)',
  'config.toolchain_invalid': 'GOTOOLCHAIN: local, auto, path, goX.Y.Z, goX.Y.Z+auto or goX.Y.Z+path; toolchain line: goX.Y.Z (a release, not go1.25) or default',
  'proxy.not_found': 'check the module path and version; for a private module, set GOPRIVATE/GONOPROXY so go fetches it directly',
  'proxy.gone': 'the proxy refuses the module (410): check the module path and version, or the proxy\'s policy',
  'proxy.server_error': 'the proxy answered 5xx: check the proxy itself, or add a fallback entry after it',
  'proxy.auth_required': 'give go the proxy\'s credentials (.netrc or user:password in the GOPROXY URL)',
  'proxy.bad_response': 'something other than a module proxy answers (an HTML login page, a captive portal): check the egress path and the GOPROXY URL',
  'proxy.bad_status': 'the proxy answered a status go treats as an error: check the proxy',
  'proxy.off': 'put a proxy that serves the module before "off" in GOPROXY, or end it with ",direct"',
  'proxy.no_entries': 'set GOPROXY',
  'proxy.disabled': 'add direct to GOPROXY, or remove the module from GONOPROXY/GOPRIVATE',
  'proxy.toolchain_not_available': 'serve golang.org/toolchain from the proxy (or add a GOPROXY entry that does), or build with an image whose go is at least go.mod\'s go/toolchain line, or pin GOTOOLCHAIN=local with a matching go line',
  'proxy.direct_failed': 'the module\'s origin must serve a go-import meta tag and its VCS must be reachable; or serve the module from a proxy',
  'proxy.git_auth_required': 'mount the repository\'s credentials where git finds them without a terminal: a .netrc Secret at $HOME/.netrc, or credential.helper=store with a ~/.git-credentials Secret (README: "Private modules over git")',
  'proxy.git_auth_failed': 'the credentials git sends are rejected: renew the token in the .netrc / git-credentials Secret, or fix its login',
  'proxy.git_repo_not_found': 'check the repository URL the go-import tag (or insteadOf) names, and that the credentials may read it',
  'proxy.git_revision_not_found': 'push the tag (dir/vX.Y.Z for a module in a subdirectory), or ask for a version that exists',
  'proxy.git_meta_mismatch': 'make the go-import tag name the real repository root (GitLab subgroups: serve the full path, or use the .git suffix in the module path)',
  'proxy.git_vcs_disallowed': 'allow the VCS in GOVCS (e.g. GOVCS=private:all), or serve the module from a proxy',
  'proxy.git_host_key_unknown': 'mount a known_hosts ConfigMap with the git host\'s key at ~/.ssh/known_hosts (the passwd home of the build\'s user: ssh ignores $HOME) or /etc/ssh/ssh_known_hosts (README: "Private modules over git")',
  'proxy.git_host_key_changed': 'update the known_hosts ConfigMap if the server\'s key was rotated; otherwise something else answers for the git host',
  'proxy.git_publickey_denied': 'mount a deploy key the repository accepts (a Secret at ~/.ssh/id_ed25519, or IdentityFile in ~/.ssh/config), or an agent at SSH_AUTH_SOCK; a passphrase-protected key cannot be used without a terminal',
  'proxy.git_ssh_failed': 'check that the port serves SSH and that nothing between the pod and the git host cuts the connection',
  'proxy.git_protocol': 'something other than a git server answers at the repository URL: check the URL and the egress path',
  'proxy.file_error': 'check the file:// GOPROXY directory: the path go reads must be a readable file (a missing one is a 404, which falls through)',
  'sumdb.toolchain_unverified': 'set GOSUMDB (go never skips the checksum database for golang.org/toolchain), or avoid the switch with a build image whose go is new enough',
  'sumdb.unavailable_via_proxy': 'fix the proxy\'s /sumdb/<name>/supported endpoint, put "|" after that entry, or point GOSUMDB at a reachable URL',
  'sumdb.bad_signature': 'check the key in GOSUMDB (for sum.golang.org just "sum.golang.org"); if it is right, something alters the answers on the way',
  'sumdb.not_found': 'a private module: add it to GONOSUMDB/GOPRIVATE; otherwise check the version',
  'sumdb.bad_proof': 'the database or a proxy cache serves inconsistent tiles: purge the proxy\'s sumdb cache, or report it to the database operator',
  'sumdb.bad_response': 'check what answers at the checksum database URL',
  'sumdb.checksum_mismatch': 'a tampered or corrupted proxy cache, or a hand-edited go.sum: purge the module from the cache (or fix go.sum); do not turn GOSUMDB off',
  'sumdb.server_error': 'the checksum database (or the proxy in front of it) answers with an error: check it',
  'redirect.location_truncated': 'a middlebox rewrites the Location header to a bare path: make it pass Location through unchanged, or exempt the GOPROXY host',
  'redirect.location_rewritten': 'something on the proxy path (a registry mirror, a mesh sidecar, an intercepting proxy) rewrites the Location header: make it pass Location through unchanged, or exempt the GOPROXY host (NO_PROXY)',
  'redirect.loop': 'fix the redirect rules of the storage bucket, CDN or proxy',
  'redirect.too_many': 'shorten the redirect chain (go stops at the 10th redirect)',
  'redirect.insecure': 'serve the redirect target over https (go refuses https -> http)',
  'redirect.bad_location': 'fix the server that sends the unparsable Location',
  'redirect.target_dns': 'shown in the detail as an alias of redirect.dns.*: make the storage host resolve',
  'redirect.target_tcp': 'shown in the detail as an alias of redirect.tcp.*: allow egress to the storage host too, not just the GOPROXY host',
  'redirect.target_tls': 'shown in the detail as an alias of redirect.tls.*: trust the storage host\'s CA',
  'redirect.bad_status': 'the object store answered an error: check the presigned URL\'s expiry and the bucket permissions',
  'redirect.not_zip': 'something other than the object store answers the last hop: check the final URL',
  'must_block.reachable': 'tighten the egress policy: the target named must not be reachable',
  'deadline.exceeded': 'raise --deadline, or find the slow operation in gomodprobe.ndjson',
  'interrupted': 'the pod was stopped during the run: run it again',
  'strict.warning': 'change what the finding in the failure names (its hint says how), or run without --strict',
};

/** Placeholder facts, so that the generated hints read as templates. */
const FACTS = { host: 'HOST', port: 443, dialed: 'HOST:443', nameservers: ['NAMESERVER'], variable: 'GOPROXY' } as const;

export function causeTable(): string {
  const rows: string[][] = [];
  for (const [code, meaning] of Object.entries(LAYER_CAUSES)) if (isLayerCause(code)) rows.push([`\`${code}\``, meaning, hintFor(code, FACTS) || '—']);
  for (const [code, meaning] of Object.entries(STAGE_CAUSES)) {
    rows.push([`\`${code}\``, meaning, STAGE_CAUSE_HINTS[code as keyof typeof STAGE_CAUSES]]);
  }
  return table(['cause', 'meaning', 'what to change'], rows);
}

/** A report that makes every metric family appear, to list them. */
function fullReport(): RunReport {
  const failure = { stage: 'tls' as const, cause: 'tls.expired' as const, target: 'HOST:443', detail: 'd', hint: 'h' };
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'gomodprobe', version: '0.0.0' },
    startedAt: '2024-01-01T00:00:00Z',
    finishedAt: '2024-01-01T00:00:01Z',
    durationMs: 1000,
    verdict: 'fail',
    exitCode: 3,
    reason: 'expect_not_met',
    expect: { expected: 'pass', firstFailedStage: 'tls', met: false },
    failure,
    error: { code: 'internal', message: 'm' },
    stages: [{ stage: 'tls', status: 'fail', findings: [], evidence: {}, failure, startedAt: '2024-01-01T00:00:00Z', durationMs: 5, workMs: 5, waitMs: 0 }],
    mustBlock: [{ target: 'HOST:443', blocked: true, detail: 'd' }],
    certificates: [{ target: 'HOST:443', subject: 'CN=HOST', issuer: 'CN=CA', sha256: '00', notAfter: '2025-01-01T00:00:00Z', isLeaf: true }],
    hops: [{ origin: 'https://HOST', dnsMs: 1, connectMs: 1, tlsMs: 1, firstByteMs: 1, bodyMs: 1, requests: 1 }],
    settings: { goVersion: { version: 'go1.27.x', source: 'default' } },
  };
}

export function metricsTable(): string {
  const text = formatMetrics(fullReport());
  const rows: string[][] = [];
  for (const m of text.matchAll(/^# HELP (\S+) (.*)$/gm)) {
    const name = m[1]!;
    const sample = new RegExp(`^${name}(\\{[^}]*\\})? `, 'm').exec(text);
    const labels = sample?.[1] ? [...sample[1].matchAll(/(\w+)="/g)].map((l) => l[1]!).join(', ') : '';
    rows.push([`\`${name}\``, labels || '—', m[2]!]);
  }
  return table(['metric (gauge)', 'labels', 'meaning'], rows);
}

/** The verification rules: what k8s/policy refuses at admission and the config stage warns about. */
export function verificationRuleTable(): string {
  return table(['variable', 'refused (policy) / warned (config finding)', 'finding', 'fix'], VERIFICATION_RULES.map((r) => [`\`${r.variable}\``, r.summary, `\`${r.code}\``, r.fix]));
}

/** What the probe reads of each input file, and what go itself does with a large one. */
export function inputFileTable(): string {
  return table(['file', 'the probe reads at most', 'go'], Object.entries(INPUT_LIMITS).map(([kind, limit]) => [kind, formatBytes(limit.maxBytes), limit.go]));
}

export const GENERATED_BLOCKS: Readonly<Record<string, () => string>> = {
  'verification-rules': verificationRuleTable,
  flags: flagTable,
  'input-files': inputFileTable,
  'go-env': goEnvList,
  'exit-codes': exitCodeTable,
  causes: causeTable,
  metrics: metricsTable,
};

/** The README's `--break` table: stage -> the cause and exit code it shows, and which break is the default. */
export function readmeBreakTable(text: string): Map<string, { cause: string; exit: number; isDefault: boolean }> {
  const rows = new Map<string, { cause: string; exit: number; isDefault: boolean }>();
  for (const m of text.matchAll(/^\| `(\w+)`( \(default\))? \| [^|]+ \| `([a-z_.]+)`, exit (\d+) \|$/gm)) {
    rows.set(m[1]!, { cause: m[3]!, exit: Number(m[4]), isDefault: m[2] !== undefined });
  }
  return rows;
}

export function blockRe(name: string): RegExp {
  return new RegExp(`(<!-- generated:${name} -->\\n)([\\s\\S]*?)(<!-- /generated:${name} -->)`);
}

/** Codes in causes.ts that no other source file mentions (must be the ones documented as reserved). */
export function unreportedCauses(): string[] {
  return Object.keys(STAGE_CAUSES).filter((code) => {
    try {
      execFileSync('grep', ['-rqF', '--include=*.ts', '--exclude=causes.ts', code, join(REPO, 'src')]);
      return false;
    } catch {
      return true;
    }
  });
}

if (process.argv.includes('--write')) {
  const path = join(REPO, 'README.md');
  let text = readFileSync(path, 'utf8');
  for (const [name, make] of Object.entries(GENERATED_BLOCKS)) {
    if (!blockRe(name).test(text)) throw new Error(`README.md has no generated:${name} block`);
    text = text.replace(blockRe(name), (_m, open: string, _old: string, close: string) => `${open}${make()}\n${close}`);
  }
  writeFileSync(path, text);
}
