// The scenario table: one broken (or healthy) situation each, what go does there, and the stage and cause
// the probe must name. Expectations about go come from go-fetch-semantics.md and cmd/go's sources; they
// were never tuned to the probe's output.

import type { LabContent } from './content.js';
import type { LabGoMinor } from './gos.js';
import { POLICIES, type EgressPolicy } from './nft.js';
import { VANITY_MODULE, VANITY_VERSION } from './vanity.js';
import { GOPROXY_PATHS } from './servers.js';
import { IPV6_SCENARIOS } from './scenarios-ipv6.js';
import { GIT_SCENARIOS } from './scenarios-git.js';
import { GIT_SSH_SCENARIOS } from './scenarios-gitssh.js';
import { AUTH_ALT_PORT, EGRESS_PASSWORD, EGRESS_PROXY_PORT, EGRESS_USER, HOST_IPS, HOST_NAMES, LAB_MODULE, PROBED_VERSION, type PodFamilies } from './topology.js';

/** Variables to set, or to remove (null) from the healthy base environment. */
export type EnvChange = Readonly<Record<string, string | null>>;

export type Expectation =
  | { readonly pass: true }
  | {
      readonly pass: false;
      readonly stage: 'config' | 'dns' | 'tcp' | 'tls' | 'proxy' | 'sumdb' | 'redirect';
      readonly cause: string;
      /** What the hint must say: the fix. */
      readonly hint: RegExp;
      /** What go's error says, so the scenario is known to break where it claims to. */
      readonly goError: RegExp;
    };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly env?: (c: LabContent) => EnvChange;
  readonly policy?: EgressPolicy;
  readonly module?: string;
  /** What go does here, and so what the probe must say: for every go the lab runs, unless `byGo` says otherwise. */
  readonly expect: Expectation;
  /** Where go versions differ: the expectation for that go (1.23, 1.24, 1.27). */
  readonly byGo?: Partial<Record<LabGoMinor, Expectation>>;
  /** go waits out its 30 s dial timeout here; the probe must finish well inside that. */
  readonly blackholed?: boolean;
  /** The pod's address families (default IPv4 only). */
  readonly pod?: PodFamilies;
  /**
   * A go.mod to run in (go runs `go mod download MODULE` in its directory; the probe gets --gomod): its
   * go and toolchain lines drive go's toolchain switch.
   */
  readonly gomod?: string;
  /** A go.work beside that go.mod (go finds it; the probe gets --gowork): its go and toolchain lines decide instead. */
  readonly gowork?: string;
  /** Extra arguments for the probe (e.g. --hash-toolchain). */
  readonly probeArgs?: readonly string[];
  /**
   * A disagreement the probe cannot avoid, stated instead of hidden: where go fails (as `expect` says), the
   * probe passes and must report `finding` saying what it did not check. Shown as "known miss" in the table.
   */
  /**
   * go and git run with the scenario's HOME bind-mounted over /root: ssh reads ~/.ssh from the passwd
   * home, never $HOME (the ssh git scenarios).
   */
  readonly sshHome?: boolean;
  /**
   * The pod's net.ipv4.tcp_syn_retries (a per-namespace sysctl): on a dropped SYN the kernel gives up after
   * 2^(n+1)-1 s (n=2: 7 s) instead of the default's 127 s. For hops where go sets no dial timeout (git).
   */
  readonly synRetries?: number;
  readonly knownMiss?: { readonly why: string; readonly finding: string };
  /** Finding codes the probe must report, `stage:code` for a given stage (on a pass, what go survives but costs it). */
  readonly findings?: readonly string[];
}

const proxy = `https://${HOST_NAMES.proxy}`;
const P = GOPROXY_PATHS;
const authProxy = `https://${HOST_NAMES.auth}`;
/** go's error when the proxy behind Basic auth gets no (or wrong) credentials. */
const unauthorized = (base: string): Expectation => ({
  pass: false, stage: 'proxy', cause: 'proxy.auth_required', hint: /GOAUTH|\.netrc/,
  goError: new RegExp(`reading ${esc(base)}/lab\\.test/hello/@v/v1\\.1\\.0\\.info: 401 Unauthorized`),
});
const egress = `http://${HOST_NAMES.egress}:${EGRESS_PROXY_PORT}`;
const egressAuth = `http://${HOST_NAMES.egressAuth}:${EGRESS_PROXY_PORT}`;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The healthy base: the lab proxy (serving the checksum database too), the lab key, the lab CA. */
export function baseLabEnv(c: LabContent): Record<string, string> {
  return { GOPROXY: proxy, GOSUMDB: c.sumdbKey, SSL_CERT_FILE: c.caFile };
}

export function applyEnvChange(base: Readonly<Record<string, string>>, change: EnvChange): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** What go 1.<minor> does in this scenario. */
export function expectationFor(s: Scenario, minor: LabGoMinor): Expectation {
  return s.byGo?.[minor] ?? s.expect;
}

export const MODULE_AT_VERSION = `${LAB_MODULE}@${PROBED_VERSION}`;

/** A main module asking for go 1.27.3: go 1.23 and 1.24 switch (or refuse to), go 1.27.3 runs it itself. */
const NEEDS_1_27_3 = 'module example.com/app\n\ngo 1.27.3\n';

/** go's toolchain switch (select.go): the lab proxy does not serve golang.org/toolchain (404). */
const TOOLCHAIN_SCENARIOS: readonly Scenario[] = [
  {
    id: 'toolchain-not-served',
    title: 'go.mod says go 1.27.3, GOTOOLCHAIN=auto, the proxy does not serve golang.org/toolchain',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto' }),
    expect: {
      pass: false, stage: 'proxy', cause: 'proxy.toolchain_not_available', hint: /serve golang\.org\/toolchain/,
      goError: /download go1\.27\.3 for linux\/amd64: toolchain not available/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-served',
    title: 'go.mod says go 1.27.3, GOTOOLCHAIN=auto, the proxy serves golang.org/toolchain (go 1.23/1.24 switch to it)',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchain}` }),
    expect: { pass: true },
    findings: ['config:config.toolchain'],
  },
  {
    id: 'toolchain-local-too-old',
    title: 'go.mod says go 1.27.3, GOTOOLCHAIN=local',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'local' }),
    expect: {
      pass: false, stage: 'config', cause: 'config.toolchain_too_old', hint: /--go-version/,
      goError: /go\.mod requires go >= 1\.27\.3 \(running go 1\.2[34]\.\d+; GOTOOLCHAIN=local\)/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-gone',
    title: 'go.mod says go 1.27.3, GOTOOLCHAIN=auto, the proxy answers 410 Gone for golang.org/toolchain',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchainGone}` }),
    expect: {
      pass: false, stage: 'proxy', cause: 'proxy.toolchain_not_available', hint: /serve golang\.org\/toolchain/,
      goError: /download go1\.27\.3 for linux\/amd64: toolchain not available/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-redirected',
    title: 'the toolchain zip redirects to the object store (go 1.23/1.24 follow it and switch)',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchainRedirect}` }),
    expect: { pass: true },
    findings: ['config:config.toolchain'],
  },
  {
    id: 'toolchain-storage-dropped',
    title: 'the toolchain zip redirects to the object store, which the egress policy drops',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchainRedirect}` }),
    policy: POLICIES.storageDropped,
    blackholed: true,
    expect: {
      pass: false, stage: 'redirect', cause: 'redirect.tcp.timeout', hint: /storage\.lab\.test/,
      goError: new RegExp(`download go1\\.27\\.3: golang\\.org/toolchain@v0\\.0\\.1-go1\\.27\\.3\\.linux-amd64: .*dial tcp ${esc(HOST_IPS.storage)}:443: (i/o timeout|connect: connection timed out)`),
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-tampered',
    title: 'the proxy serves a tampered toolchain zip; the probe runs with --hash-toolchain',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchainTampered}` }),
    probeArgs: ['--hash-toolchain'],
    expect: {
      pass: false, stage: 'sumdb', cause: 'sumdb.checksum_mismatch', hint: /purge/,
      goError: /download go1\.27\.3: golang\.org\/toolchain@v0\.0\.1-go1\.27\.3\.linux-amd64: verifying module: checksum mismatch/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-tampered-prefix',
    title: 'the proxy serves a tampered toolchain zip; the probe reads its first 64 KiB only (the default)',
    gomod: NEEDS_1_27_3,
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchainTampered}` }),
    knownMiss: {
      why: 'the checksum database records h1: over every file\'s SHA-256; only the whole ~70 MB zip can be compared',
      finding: 'sumdb:sumdb.toolchain_zip_not_hashed',
    },
    expect: {
      pass: false, stage: 'sumdb', cause: 'sumdb.checksum_mismatch', hint: /purge/,
      goError: /download go1\.27\.3: golang\.org\/toolchain@v0\.0\.1-go1\.27\.3\.linux-amd64: verifying module: checksum mismatch/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-gowork-local',
    title: 'go.work says go 1.27.3 (go.mod go 1.22), GOTOOLCHAIN=local: go.work decides',
    gomod: 'module example.com/app\n\ngo 1.22\n',
    gowork: 'go 1.27.3\n\nuse .\n',
    env: () => ({ GOTOOLCHAIN: 'local' }),
    expect: {
      pass: false, stage: 'config', cause: 'config.toolchain_too_old', hint: /--go-version/,
      goError: /go\.work requires go >= 1\.27\.3 \(running go 1\.2[34]\.\d+; GOTOOLCHAIN=local\)/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-gowork-older',
    title: 'go.work says go 1.22, go.mod go 1.27.3: every go refuses the workspace (no switch)',
    gomod: NEEDS_1_27_3,
    gowork: 'go 1.22\n\nuse .\n',
    env: () => ({ GOTOOLCHAIN: 'auto' }),
    expect: {
      pass: false, stage: 'config', cause: 'config.gowork_too_old', hint: /go work use/,
      goError: /module \. listed in go\.work file requires go >= 1\.27\.3, but go\.work lists go 1\.22/,
    },
  },
  {
    id: 'toolchain-lang-version-newer',
    title: 'go.mod says go 1.27 (no .0), GOTOOLCHAIN=auto, the proxy serves only go1.27.3: go 1.23/1.24 ask for go1.27.0',
    gomod: 'module example.com/app\n\ngo 1.27\n',
    env: () => ({ GOTOOLCHAIN: 'auto', GOPROXY: `${proxy}${P.toolchain}` }),
    expect: {
      pass: false, stage: 'proxy', cause: 'proxy.toolchain_not_available', hint: /serve golang\.org\/toolchain/,
      goError: /download go1\.27\.0 for linux\/amd64: toolchain not available/,
    },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'toolchain-lang-version',
    title: 'go.mod says go 1.22 (no .0), GOTOOLCHAIN=auto: older than every lab go, no switch',
    gomod: 'module example.com/app\n\ngo 1.22\n',
    env: () => ({ GOTOOLCHAIN: 'auto' }),
    expect: { pass: true },
    findings: ['config:config.toolchain'],
  },
];

export const SCENARIOS: readonly Scenario[] = [
  { id: 'healthy', title: 'healthy', expect: { pass: true } },
  { id: 'healthy-latest', title: 'healthy, @latest query', module: `${LAB_MODULE}@latest`, expect: { pass: true } },
  {
    id: 'dns-dropped',
    title: 'DNS dropped (UDP+TCP 53)',
    policy: POLICIES.dnsDropped,
    expect: { pass: false, stage: 'dns', cause: 'dns.timeout', hint: /port 53/, goError: /lookup proxy\.lab\.test.*i\/o timeout/ },
  },
  {
    id: 'dns-rejected',
    title: 'DNS rejected (ICMP port unreachable)',
    policy: POLICIES.dnsRejected,
    expect: { pass: false, stage: 'dns', cause: 'dns.unreachable', hint: /port 53/, goError: /lookup proxy\.lab\.test.*connection refused/ },
  },
  // Lab answers are small: go never needs TCP, so a policy that only blocks TCP 53 breaks nothing.
  { id: 'dns-tcp-dropped', title: 'DNS over TCP dropped, UDP allowed', policy: POLICIES.dnsTcpDropped, expect: { pass: true } },
  {
    id: 'dns-nxdomain',
    title: 'DNS NXDOMAIN for the proxy',
    env: () => ({ GOPROXY: 'https://gone.lab.test' }),
    expect: { pass: false, stage: 'dns', cause: 'dns.nxdomain', hint: /gone\.lab\.test/, goError: /lookup gone\.lab\.test.*no such host/ },
  },
  {
    id: 'proxy-dropped',
    title: '443 to the proxy dropped',
    policy: POLICIES.proxyDropped,
    blackholed: true,
    expect: { pass: false, stage: 'tcp', cause: 'tcp.timeout', hint: /allow egress to proxy\.lab\.test TCP 443/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: (i/o timeout|connect: connection timed out)`) },
  },
  {
    id: 'proxy-rejected',
    title: '443 to the proxy rejected (RST)',
    policy: POLICIES.proxyRejected,
    expect: { pass: false, stage: 'tcp', cause: 'tcp.refused', hint: /refuses connections/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: connect: connection refused`) },
  },
  {
    id: 'untrusted-ca',
    title: 'untrusted CA (no SSL_CERT_FILE)',
    env: () => ({ SSL_CERT_FILE: null }),
    expect: { pass: false, stage: 'tls', cause: 'tls.unknown_authority', hint: /SSL_CERT_FILE/, goError: /x509: certificate signed by unknown authority/ },
  },
  {
    id: 'expired-leaf',
    title: 'expired leaf',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.expired}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.expired', hint: /renew/, goError: /x509: certificate has expired or is not yet valid/ },
  },
  {
    id: 'wrong-name',
    title: 'wrong-name leaf',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.wrongname}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.name_mismatch', hint: /SANs/, goError: /x509: certificate is valid for wrong\.example, www\.wrong\.example, not wrongname\.lab\.test/ },
  },
  {
    id: 'missing-intermediate',
    title: 'missing intermediate',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.nochain}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.unknown_authority', hint: /intermediate/, goError: /x509: certificate signed by unknown authority/ },
  },
  // crypto/tls/common.go isDisabledSignatureAlgorithm (go 1.25, GODEBUG tlssha1): go 1.25+ offers no SHA-1
  // signature in TLS 1.2, so a server that signs only with SHA-1 refuses the handshake.
  {
    id: 'tls12-sha1-only',
    title: 'TLS 1.2 proxy that signs only with SHA-1',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.sha1}` }),
    expect: { pass: true },
    byGo: { 27: { pass: false, stage: 'tls', cause: 'tls.handshake_failed', hint: /SHA-1.*tlssha1=1/, goError: /remote error: tls: handshake failure/ } },
  },
  {
    id: 'tls12-sha1-only-godebug',
    title: 'TLS 1.2 proxy that signs only with SHA-1, GODEBUG=tlssha1=1',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.sha1}`, GODEBUG: 'tlssha1=1' }),
    expect: { pass: true },
  },
  // crypto/x509/parser.go parseBasicConstraintsExtension: go 1.27 reads pathLenConstraint into a uint.
  {
    id: 'negative-pathlen',
    title: 'intermediate CA with pathLenConstraint -1',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.pathlen}` }),
    expect: { pass: true },
    byGo: { 27: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to parse certificate from server: x509: invalid basic constraints/ } },
  },
  // crypto/rsa rsa1024min (go 1.24): the server's handshake signature by a 512-bit key is refused.
  {
    id: 'weak-rsa-leaf',
    title: 'leaf with a 512-bit RSA key',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.weakrsa}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: invalid signature by the server certificate: crypto\/rsa: 512-bit keys are insecure/ },
    byGo: { 23: { pass: true } },
  },
  // crypto/x509 by version (#13), each also in test/unit/tls/vectors/x509-go1.N.json. go 1.24: policy validation
  // (verify.go policiesValid) and policy extensions parsed (parser.go); rsa1024min for a CA's key.
  {
    id: 'policy-explicit-required',
    title: 'intermediate requires an explicit policy the leaf lacks',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.policy}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to verify certificate: x509: no valid chains built: all candidate chains have invalid policies/ },
    byGo: {
      23: { pass: true },
      27: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to verify certificate: x509: no valid chains built: 1 candidate chains with invalid policies/ },
    },
  },
  {
    id: 'policy-duplicate',
    title: 'leaf names the same certificate policy twice',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.duppolicy}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to parse certificate from server: x509: invalid certificate policies/ },
    byGo: { 23: { pass: true } },
  },
  {
    id: 'weak-rsa-ca',
    title: 'intermediate CA with a 512-bit RSA key',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.weakca}` }),
    expect: {
      pass: false, stage: 'tls', cause: 'tls.unknown_authority', hint: /rsa1024min/,
      goError: /x509: certificate signed by unknown authority \(possibly because of "crypto\/rsa: 512-bit keys are insecure/,
    },
    byGo: { 23: { pass: true } },
  },
  // go 1.27: name constraints per chain (constraints.go: an excluded name excludes the wildcard one label up);
  // name attributes of any ASN.1 type (parser.go readASN1Any).
  {
    id: 'nc-wildcard-excluded',
    title: '*.lab.test leaf under an intermediate that excludes dead.lab.test',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.ncwild}` }),
    expect: { pass: true },
    byGo: { 27: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /x509: a root or intermediate certificate is not authorized to sign for this name: DNS name "\*\.lab\.test" is excluded by constraint "dead\.lab\.test"/ } },
  },
  {
    id: 'nc-over-comparison-budget',
    title: '501 SANs under an intermediate with 500 excluded names',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.ncmany}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to verify certificate: x509: unknown error/ },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'name-bmp-noncharacter',
    title: 'leaf subject with a noncharacter (U+FDD0) in a BMPString',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.bmp}` }),
    expect: { pass: true },
    byGo: { 27: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to parse certificate from server: x509: invalid RDNSequence: invalid attribute value: invalid BMPString/ } },
  },
  {
    id: 'san-ipv4-mapped',
    title: 'leaf with an IPv4-mapped IPv6 address SAN',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.v4mapped}` }),
    expect: { pass: true },
    byGo: { 27: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to parse certificate from server: x509: SAN iPAddress contains IPv4-mapped IPv6 address/ } },
  },
  {
    id: 'name-non-string-value',
    title: 'leaf subject with a BIT STRING attribute value',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.anyattr}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.bad_certificate', hint: /reissue/, goError: /tls: failed to parse certificate from server: x509: invalid RDNSequence: invalid attribute value: unsupported string type: 3/ },
    byGo: { 27: { pass: true } },
  },
  {
    id: 'p404-direct',
    title: 'proxy 404, then direct',
    env: () => ({ GOPROXY: `${proxy}${P.notFound},direct` }),
    // direct: go-import discovery at https://lab.test/hello?go-get=1; lab.test exists in the zone (it holds
    // the lab hosts) but has no address of its own: NOERROR with no records, which go calls "no such host".
    expect: { pass: false, stage: 'proxy', cause: 'proxy.dns.nodata', hint: /lab\.test/, goError: /unrecognized import path "lab\.test\/hello".*lookup lab\.test.*no such host/ },
  },
  {
    id: 'p404-off',
    title: 'proxy 404, then off',
    env: () => ({ GOPROXY: `${proxy}${P.notFound},off` }),
    // TryProxies keeps the *last* not-exist error (proxy.go overwrites bestErr while the rank is notExist).
    expect: { pass: false, stage: 'proxy', cause: 'proxy.off', hint: /off/, goError: /^lab\.test\/hello@v1\.1\.0: module lookup disabled by GOPROXY=off$/ },
  },
  {
    id: 'p404-pipe-dead',
    title: 'proxy 404 | dead second proxy (RST)',
    env: () => ({ GOPROXY: `${proxy}${P.notFound}|https://${HOST_NAMES.dead}` }),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.tcp.refused', hint: /dead\.lab\.test/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.dead)}:443: connect: connection refused`) },
  },
  {
    id: 'p404-pipe-blackholed',
    title: 'proxy 404 | second proxy dropped',
    env: () => ({ GOPROXY: `${proxy}${P.notFound}|https://${HOST_NAMES.dead}` }),
    policy: { kind: 'deny', name: 'drop everything to the second proxy', rules: [{ to: ['dead'], verdict: 'drop' }] },
    blackholed: true,
    expect: { pass: false, stage: 'proxy', cause: 'proxy.tcp.timeout', hint: /dead\.lab\.test/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.dead)}:443: (i/o timeout|connect: connection timed out)`) },
  },
  {
    id: 'p500',
    title: 'proxy 500',
    env: () => ({ GOPROXY: `${proxy}${P.serverError}` }),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.server_error', hint: /./, goError: /500 Internal Server Error/ },
  },
  {
    id: 'p500-comma-direct',
    title: 'proxy 500, then direct (no fallback)',
    env: () => ({ GOPROXY: `${proxy}${P.serverError},direct` }),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.server_error', hint: /./, goError: /500 Internal Server Error/ },
  },
  {
    id: 'html',
    title: 'proxy answers an HTML page',
    env: () => ({ GOPROXY: `${proxy}${P.html}` }),
    expect: { pass: false, stage: 'proxy', cause: 'proxy.bad_response', hint: /HTML/, goError: /invalid response from proxy ".*": invalid character '<' looking for beginning of value/ },
  },
  {
    id: 'sumdb-dropped',
    title: 'sumdb host dropped (proxy lacks /sumdb)',
    env: () => ({ GOPROXY: `${proxy}${P.noSumdb}` }),
    policy: POLICIES.sumDropped,
    blackholed: true,
    expect: { pass: false, stage: 'sumdb', cause: 'sumdb.tcp.timeout', hint: /sum\.lab\.test/, goError: /verifying .*https:\/\/sum\.lab\.test\/lookup\/.*(i\/o timeout|connection timed out)/ },
  },
  {
    id: 'sumdb-url-dropped',
    title: 'sumdb host dropped (GOSUMDB with URL)',
    env: (c) => ({ GOSUMDB: `${c.sumdbKey} https://${HOST_NAMES.sum}` }),
    policy: POLICIES.sumDropped,
    blackholed: true,
    expect: { pass: false, stage: 'sumdb', cause: 'sumdb.tcp.timeout', hint: /sum\.lab\.test/, goError: /verifying .*https:\/\/sum\.lab\.test\/lookup\/.*(i\/o timeout|connection timed out)/ },
  },
  {
    id: 'sumdb-wrong-key',
    title: 'GOSUMDB with a wrong key',
    env: (c) => ({ GOSUMDB: c.wrongSumdbKey }),
    expect: { pass: false, stage: 'sumdb', cause: 'sumdb.bad_signature', hint: /GOSUMDB|key/, goError: /verifying .*(no verifiable signatures|invalid signature|verifier)/ },
  },
  {
    id: 'storage-dropped',
    title: 'storage host dropped behind the zip redirect',
    policy: POLICIES.storageDropped,
    blackholed: true,
    expect: { pass: false, stage: 'redirect', cause: 'redirect.tcp.timeout', hint: /storage\.lab\.test/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.storage)}:443: (i/o timeout|connect: connection timed out)`) },
  },
  {
    id: 'storage-rejected',
    title: 'storage host rejected behind the zip redirect',
    policy: POLICIES.storageRejected,
    expect: { pass: false, stage: 'redirect', cause: 'redirect.tcp.refused', hint: /storage\.lab\.test/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.storage)}:443: connect: connection refused`) },
  },
  {
    id: 'location-truncated',
    title: 'Location cut to its path by a middlebox',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.mbox}` }),
    // go follows /bucket/... on the middlebox's own host and reports the URL it asked for.
    expect: { pass: false, stage: 'redirect', cause: 'redirect.location_truncated', hint: /Location/, goError: /reading https:\/\/mbox\.lab\.test\/lab\.test\/hello\/@v\/v1\.1\.0\.zip: 404 Not Found/ },
  },
  {
    id: 'redirect-http',
    title: 'zip redirect to http',
    env: () => ({ GOPROXY: `${proxy}${P.httpRedirect}` }),
    expect: { pass: false, stage: 'redirect', cause: 'redirect.insecure', hint: /./, goError: /redirected from secure URL https:\/\/proxy\.lab\.test\/httpredir\/.*\.zip to insecure URL http:\/\/storage\.lab\.test\// },
  },
  {
    id: 'p500-pipe-good',
    title: 'proxy 500 | good proxy',
    env: () => ({ GOPROXY: `${proxy}${P.serverError}|${proxy}` }),
    expect: { pass: true },
  },
  { id: 'p404-comma-good', title: 'proxy 404, then good proxy', env: () => ({ GOPROXY: `${proxy}${P.notFound},${proxy}` }), expect: { pass: true } },
  {
    id: 'goprivate-direct',
    title: 'GOPRIVATE sends the module direct',
    env: () => ({ GOPRIVATE: 'lab.test' }),
    // GONOPROXY defaults to GOPRIVATE: the proxy is skipped and the first host go dials is the origin,
    // lab.test (go-import discovery), which has no address: a first hop, so the dns stage names it.
    expect: { pass: false, stage: 'dns', cause: 'dns.nodata', hint: /lab\.test/, goError: /unrecognized import path "lab\.test\/hello".*lookup lab\.test.*no such host/ },
  },
  {
    id: 'gonosumdb-sum-dropped',
    title: 'GONOSUMDB covers the module, sumdb host dropped',
    env: () => ({ GOPROXY: `${proxy}${P.noSumdb}`, GONOSUMDB: 'lab.test' }),
    policy: POLICIES.sumDropped,
    expect: { pass: true },
  },
  {
    id: 'gosumdb-off-sum-dropped',
    title: 'GOSUMDB=off, sumdb host dropped',
    env: () => ({ GOPROXY: `${proxy}${P.noSumdb}`, GOSUMDB: 'off' }),
    policy: POLICIES.sumDropped,
    expect: { pass: true },
  },
  { id: 'ssl-cert-dir', title: 'lab CA through SSL_CERT_DIR', env: (c) => ({ SSL_CERT_FILE: null, SSL_CERT_DIR: c.caDir }), expect: { pass: true } },
  { id: 'goflags-insecure', title: 'GOFLAGS=-insecure', env: () => ({ GOFLAGS: '-modcacherw -insecure' }), expect: { pass: true } },
  { id: 'goinsecure', title: 'GOINSECURE set', env: () => ({ GOINSECURE: '*' }), expect: { pass: true } },
  {
    id: 'goinsecure-expired',
    title: 'GOINSECURE set, proxy leaf expired',
    env: () => ({ GOINSECURE: '*', GOPROXY: `https://${HOST_NAMES.expired}` }),
    expect: { pass: false, stage: 'tls', cause: 'tls.expired', hint: /renew/, goError: /x509: certificate has expired or is not yet valid/ },
  },
  {
    id: 'https-proxy',
    title: 'HTTPS_PROXY set (direct 443 dropped)',
    env: () => ({ HTTPS_PROXY: egress }),
    policy: POLICIES.onlyViaEgressProxy,
    expect: { pass: true },
  },
  {
    id: 'https-proxy-407',
    title: 'HTTPS_PROXY answers 407',
    env: () => ({ HTTPS_PROXY: egressAuth }),
    policy: POLICIES.onlyViaEgressProxy,
    expect: { pass: false, stage: 'tcp', cause: 'tcp.proxy_auth_required', hint: /credentials/, goError: /Proxy Authentication Required/ },
  },
  {
    id: 'https-proxy-credentials',
    title: 'HTTPS_PROXY with credentials',
    env: () => ({ HTTPS_PROXY: `http://${EGRESS_USER}:${EGRESS_PASSWORD}@${HOST_NAMES.egressAuth}:${EGRESS_PROXY_PORT}` }),
    policy: POLICIES.onlyViaEgressProxy,
    expect: { pass: true },
  },
  {
    id: 'http-proxy-only',
    title: 'only HTTP_PROXY set (go ignores it for https)',
    env: () => ({ HTTP_PROXY: egress }),
    policy: POLICIES.onlyViaEgressProxy,
    blackholed: true,
    expect: { pass: false, stage: 'tcp', cause: 'tcp.timeout', hint: /proxy\.lab\.test/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: (i/o timeout|connect: connection timed out)`) },
  },
  // go 1.27 refuses to start on a removed GODEBUG setting at its old value (runtime/proc.go); 1.24 accepts
  // it, 1.23 still knows the setting. Measured: go1.27.3 exits 2 with this text before any network use.
  {
    id: 'godebug-removed',
    title: 'GODEBUG=tlskyber=0 (a go1.23 workaround, removed in go1.24)',
    env: () => ({ GODEBUG: 'tlskyber=0' }),
    expect: { pass: true },
    byGo: {
      27: { pass: false, stage: 'config', cause: 'config.invalid', hint: /remove tlskyber=0 from GODEBUG/,
        goError: /^fatal error: removed GODEBUG "tlskyber" set to old value "0" in environment \(https:\/\/go\.dev\/doc\/godebug#go-124\)/ },
    },
  },
  // Credentials by go version (cmd/go/internal/auth): go ≤1.23 reads only .netrc; go ≥1.24 runs GOAUTH
  // (default "netrc") before the first request and again, with the URL, after a 4xx.
  {
    id: 'goauth-command',
    title: 'GOAUTH command that supplies credentials after a 401',
    env: (c) => ({ GOPROXY: authProxy, GOAUTH: c.credentials.goauthOk }),
    expect: { pass: true },
    byGo: { 23: unauthorized(authProxy) },
  },
  {
    id: 'goauth-command-fails',
    title: 'GOAUTH command that fails',
    env: (c) => ({ GOPROXY: authProxy, GOAUTH: c.credentials.goauthFails }),
    expect: unauthorized(authProxy),
  },
  {
    id: 'goauth-off-netrc',
    title: 'GOAUTH=off with a matching .netrc',
    env: (c) => ({ GOPROXY: authProxy, GOAUTH: 'off', NETRC: c.credentials.netrcWithoutPort }),
    // go 1.23 has no GOAUTH: it sends the .netrc credentials anyway.
    expect: unauthorized(authProxy),
    byGo: { 23: { pass: true } },
  },
  {
    id: 'netrc-port-with',
    title: '.netrc machine host:port, GOPROXY host:port',
    env: (c) => ({ GOPROXY: `${authProxy}:${AUTH_ALT_PORT}`, NETRC: c.credentials.netrcWithPort }),
    expect: { pass: true },
  },
  {
    id: 'netrc-port-without',
    title: '.netrc machine host (no port), GOPROXY host:port',
    env: (c) => ({ GOPROXY: `${authProxy}:${AUTH_ALT_PORT}`, NETRC: c.credentials.netrcWithoutPort }),
    expect: unauthorized(`${authProxy}:${AUTH_ALT_PORT}`),
  },
  {
    id: 'netrc-no-port',
    title: '.netrc machine host, GOPROXY host',
    env: (c) => ({ GOPROXY: authProxy, NETRC: c.credentials.netrcWithoutPort }),
    expect: { pass: true },
  },
  // The go-import meta tag's fourth field (a subdirectory, cmd/go/internal/vcs/discovery.go, go 1.25).
  {
    id: 'go-import-subdir',
    title: 'go-import meta tag with a fourth field (subdirectory)',
    module: `${VANITY_MODULE}@${VANITY_VERSION}`,
    env: () => ({ GOPRIVATE: HOST_NAMES.vanity }),
    expect: { pass: true },
    byGo: Object.fromEntries(([23, 24] as const).map((m) => [m, {
      pass: false, stage: 'proxy', cause: 'proxy.direct_failed', hint: /go-import meta tag/,
      goError: new RegExp(`unrecognized import path "${esc(VANITY_MODULE)}": parse https://${esc(VANITY_MODULE)}\\?go-get=1: no go-import meta tags`),
    } satisfies Expectation])),
  },
  { id: 'https-proxy-lowercase', title: 'https_proxy (lower case) set', env: () => ({ https_proxy: egress }), policy: POLICIES.onlyViaEgressProxy, expect: { pass: true } },
  {
    id: 'no-proxy-excludes',
    title: 'NO_PROXY excludes the proxy host',
    env: () => ({ HTTPS_PROXY: egress, NO_PROXY: HOST_NAMES.proxy }),
    policy: POLICIES.onlyViaEgressProxy,
    blackholed: true,
    expect: { pass: false, stage: 'tcp', cause: 'tcp.timeout', hint: /proxy\.lab\.test/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: (i/o timeout|connect: connection timed out)`) },
  },
  // vendor/golang.org/x/net/http/httpproxy/proxy.go domainMatch.match (go 1.24): a NO_PROXY name entry never
  // matches an IP-literal target; go 1.23 matched it by suffix ("18.0.10" kept https://198.18.0.10 off the proxy).
  {
    id: 'no-proxy-name-vs-ip',
    title: 'NO_PROXY name entry that suffix-matches an IP-literal GOPROXY',
    env: () => ({ GOPROXY: `https://${HOST_IPS.proxy}`, HTTPS_PROXY: egress, NO_PROXY: HOST_IPS.proxy.split('.').slice(1).join('.') }),
    policy: { kind: 'deny', name: 'reject direct TCP to the GOPROXY host (the pod must use the egress proxy)', rules: [{ to: ['proxy'], proto: 'tcp', verdict: 'reject' }] },
    expect: { pass: true },
    byGo: { 23: { pass: false, stage: 'tcp', cause: 'tcp.refused', hint: /refuses connections/, goError: new RegExp(`dial tcp ${esc(HOST_IPS.proxy)}:443: connect: connection refused`) } },
  },
  ...TOOLCHAIN_SCENARIOS,
  ...IPV6_SCENARIOS,
  ...GIT_SCENARIOS,
  ...GIT_SSH_SCENARIOS,
];

