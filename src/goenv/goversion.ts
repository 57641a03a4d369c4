// Which go the build runs, and what follows from it. The verdict is for that go: its GOAUTH and .netrc
// rules, its GODEBUG handling, its User-Agent, its URL parser. Each rule below names the go source file
// it comes from (under $GOROOT/src) and the first go version that has it.
//
// Versions are modelled from go 1.21 (the first with toolchain switching and go.env) to go 1.27. The
// sources of 1.23, 1.24 and 1.27 were read and their behaviour measured in the e2e lab; a change that
// happened between two of those is placed at the version its release notes name, or, when they do
// not say, at the first of the three that has it (noted at the rule).

import { ParseError } from '../errors.js';

export interface GoVersion {
  /** Always 1. */
  readonly major: 1;
  readonly minor: number;
  /** undefined for "1.27" (any patch release of go 1.27). */
  readonly patch: number | undefined;
}

export const OLDEST_MODELLED_MINOR = 21;
export const NEWEST_MODELLED_MINOR = 27;
export const NEWEST_MODELLED: GoVersion = Object.freeze({ major: 1, minor: NEWEST_MODELLED_MINOR, patch: undefined });
export const MODELLED_RANGE = `go1.${OLDEST_MODELLED_MINOR}–go1.${NEWEST_MODELLED_MINOR}`;

/**
 * Parses the forms a build image's go is named by: "1.27", "1.27.3", "go1.27.3" (as `go version`
 * prints it, and as GOTOOLCHAIN names it). Throws ParseError('goversion.syntax') for anything else and
 * ParseError('goversion.range') outside the modelled range.
 */
export function parseGoVersion(raw: string): GoVersion {
  const m = /^(?:go)?1\.(0|[1-9]\d{0,2})(?:\.(0|[1-9]\d{0,3}))?$/.exec(raw.trim());
  if (!m) throw new ParseError('goversion.syntax', `"${raw}" is not a go version (write 1.27, 1.27.3 or go1.27.3)`);
  const minor = Number(m[1]);
  const v: GoVersion = Object.freeze({ major: 1, minor, patch: m[2] === undefined ? undefined : Number(m[2]) });
  if (minor < OLDEST_MODELLED_MINOR || minor > NEWEST_MODELLED_MINOR) {
    throw new ParseError('goversion.range', `go1.${minor} is outside the modelled range ${MODELLED_RANGE}`);
  }
  return v;
}

/** "go1.27.3", or "go1.27.x" when the patch release is not known. */
export function formatGoVersion(v: GoVersion): string {
  return `go1.${v.minor}.${v.patch ?? 'x'}`;
}

/** Where the modelled version came from (shown beside it in report.json, metrics and the log). */
export type GoVersionSource = '--go-version' | 'GOMODPROBE_GO_VERSION' | 'default';

export interface GoVersionSetting {
  readonly version: GoVersion;
  readonly source: GoVersionSource;
}

/** A GODEBUG setting that a go version refuses at start-up when set to one of its old values. */
export interface RemovedGodebug {
  readonly name: string;
  /** The minor version that removed it (go links to https://go.dev/doc/godebug#go-1<removed>). */
  readonly removed: number;
  readonly old: readonly string[];
}

/**
 * internal/godebugs/table.go `Removed` (go 1.27): settings whose old value makes the runtime exit before
 * main (runtime/runtime1.go parsegodebug, runtime/proc.go `fatal("removed GODEBUG ...")`).
 */
const REMOVED_GODEBUGS_1_27: readonly RemovedGodebug[] = [
  { name: 'x509sha1', removed: 24, old: ['1'] },
  { name: 'tlskyber', removed: 24, old: ['0'] },
  { name: 'gotypesalias', removed: 27, old: ['0'] },
  { name: 'tlsunsafeekm', removed: 27, old: ['1'] },
  { name: 'tlsrsakex', removed: 27, old: ['1'] },
  { name: 'tls3des', removed: 27, old: ['1'] },
  { name: 'tls10server', removed: 27, old: ['1'] },
  { name: 'x509keypairleaf', removed: 27, old: ['0'] },
  { name: 'asynctimerchan', removed: 27, old: ['1', '2'] },
];

/** How an https request gets its Authorization header from GOAUTH / .netrc. */
export type CredentialMatching =
  /**
   * go ≤1.23 (cmd/go/internal/auth/auth.go AddCredentials): .netrc only, read once; the first machine
   * equal to the request's Host as written in the URL (an explicit port stays), sent with the first
   * request.
   */
  | 'netrc-host'
  /**
   * go 1.24–1.26 (auth.go loadCredential): GOAUTH; credentials stored under URL prefixes without
   * "https://" (a .netrc machine is a prefix); looked up by the whole URL, then by its host[:port]
   * (strings.Cut at the first "/"). Sent with the first request, and GOAUTH runs again with the URL
   * after a 4xx (web/http.go get).
   */
  | 'prefix-host'
  /**
   * go 1.27 (auth.go loadCredential, first seen in 1.27's source): as above, but the lookup walks up
   * the path one segment at a time (example.com/a/b, example.com/a, example.com) and trailing slashes
   * are ignored.
   */
  | 'prefix-path';

/** The rules of one go version, the questions later stages ask. */
export interface GoRules {
  readonly version: GoVersion;
  /** GOAUTH exists (cmd/go/internal/auth/auth.go, go 1.24); before it, only .netrc. */
  readonly goauth: boolean;
  readonly credentials: CredentialMatching;
  /** User-Agent of cmd/go's requests (cmd/go/internal/web/http.go; net/http's default before 1.27). */
  readonly userAgent: string;
  /** GODEBUG settings that stop this go at start-up when set to an old value (empty before 1.27). */
  readonly removedGodebugs: readonly RemovedGodebug[];
  /**
   * The go-import meta tag may carry a fourth field, the module's subdirectory in the repository
   * (cmd/go/internal/vcs/vcs.go parseMetaGoImports, go 1.25); older gos ignore such a tag.
   */
  readonly goImportSubdir: boolean;
  /**
   * net/url rejects a colon in the host that is not the port separator, e.g. "https://a:b:443"
   * (net/url/url.go, GODEBUG urlstrictcolons, internal/godebugs/table.go Changed: 26).
   */
  readonly urlStrictColons: boolean;
  /**
   * net/url's URL struct lists its fields in another order (Fragment after Path; RawQuery, RawPath,
   * RawFragment, ForceQuery, OmitHost last), which shows wherever go formats a URL with %+v: dbDial's
   * "invalid sumdb name" (cmd/go/internal/modfetch/sumdb.go). Recorded (test/unit/goenv/vectors, GOSUMDB):
   * go 1.23.5 and 1.24.4 the old order, go 1.27.3 the new; placed at 1.27, 1.25/1.26 not measured.
   */
  readonly urlFieldsReordered: boolean;
  /**
   * os.ReadDir opens a directory with O_DIRECTORY (os/file_unix.go, go 1.24), so a file in SSL_CERT_DIR
   * fails as "open F: not a directory"; go 1.23 opened it and failed reading: "readdirent F: not a
   * directory" (crypto/x509/root_unix.go readUniqueDirectoryEntries; recorded in test/unit/tls/vectors).
   */
  readonly readDirOpensDirectory: boolean;
  /**
   * A NO_PROXY name entry can match an IP-literal target by suffix ("0.0.1" matched https://10.0.0.1).
   * go 1.24's vendor/golang.org/x/net/http/httpproxy/proxy.go domainMatch.match returns false for an IP
   * host (recorded: test/unit/goenv/vectors/go1.24.json, HTTP_PROXY); go 1.23's matched it.
   */
  readonly noProxyNamesMatchIps: boolean;
  /**
   * Key shares go's ClientHello offers by default (crypto/tls/defaults.go; tlsmlkem Changed: 24,
   * tlssecpmlkem Changed: 26). Issue #14 puts them on the wire; here they explain the big hello.
   */
  readonly tlsKeyShares: readonly string[];
  /**
   * SHA-1 signatures in TLS 1.2 handshakes are refused unless GODEBUG=tlssha1=1: go's ClientHello no
   * longer offers rsa_pkcs1_sha1 / ecdsa_sha1, so a server that signs only with SHA-1 answers with a
   * handshake_failure alert (crypto/tls/common.go isDisabledSignatureAlgorithm, go 1.25;
   * internal/godebugs/table.go tlssha1 Changed: 25). TLS 1.3 never allowed them.
   */
  readonly tlsRejectsSha1Handshake: boolean;
  /**
   * A negative pathLenConstraint in basicConstraints fails the certificate ("x509: invalid basic
   * constraints"): go 1.27's crypto/x509/parser.go parseBasicConstraintsExtension reads it into a uint;
   * go 1.23 and 1.24 read it into an int (a negative one then constrains nothing). Placed at 1.27, the
   * first of the lab's gos whose source has it (1.25/1.26 not read).
   */
  readonly x509RejectsNegativePathLen: boolean;
  /** crypto/rsa refuses keys under 1024 bits unless GODEBUG=rsa1024min=0 (crypto/rsa/rsa.go, go 1.24). */
  readonly rsaMin1024: boolean;
  /**
   * Certificates with a negative serial number are rejected unless GODEBUG=x509negativeserial=1
   * (crypto/x509/parser.go, go 1.23).
   */
  readonly x509RejectsNegativeSerial: boolean;
  /**
   * Certificate policy validation after chain building (crypto/x509/verify.go policiesValid, go 1.24), with
   * the policy extensions parsed (parser.go: policyConstraints, policyMappings, inhibitAnyPolicy; a
   * certificatePolicies extension naming a policy twice fails). go 1.23 ignores these extensions, or fails
   * a critical one as "x509: unhandled critical extension".
   */
  readonly x509PolicyValidation: boolean;
  /**
   * crypto/x509 as rewritten in go 1.27 (first of the lab's gos whose source has it; 1.25/1.26 not read):
   * name constraints checked per built chain (constraints.go), "N candidate chains" in "x509: no valid
   * chains built", VerifyHostname by netip.ParseAddr and HostnameError counting 100+ names (verify.go),
   * name attributes of any ASN.1 type, T61String as Latin-1, strict BMPString, and IPv4-mapped IPv6
   * addresses refused in SANs and IP constraints (parser.go).
   */
  readonly x509Go127: boolean;
}

export function rulesFor(v: GoVersion): GoRules {
  const at = (minor: number): boolean => v.minor >= minor;
  return Object.freeze({
    version: v,
    goauth: at(24),
    credentials: at(27) ? 'prefix-path' : at(24) ? 'prefix-host' : 'netrc-host',
    userAgent: at(27) ? 'GoCommand/1 (+https://go.dev/cmd/go)' : 'Go-http-client/1.1',
    removedGodebugs: at(27) ? REMOVED_GODEBUGS_1_27 : [],
    goImportSubdir: at(25),
    urlStrictColons: at(26),
    urlFieldsReordered: at(27),
    readDirOpensDirectory: at(24),
    noProxyNamesMatchIps: !at(24),
    tlsKeyShares: at(24) ? ['X25519MLKEM768', 'x25519'] : ['x25519'],
    tlsRejectsSha1Handshake: at(25),
    x509RejectsNegativeSerial: at(23),
    x509RejectsNegativePathLen: at(27),
    rsaMin1024: at(24),
    x509PolicyValidation: at(24),
    x509Go127: at(27),
  });
}

/** What crypto/x509 and crypto/tls of the modelled go accept and say, with the build's GODEBUG. */
export interface X509Rules {
  /** crypto/x509/parser.go: a negative serial number parses (go ≤1.22, or GODEBUG=x509negativeserial=1). */
  readonly acceptNegativeSerial: boolean;
  /**
   * crypto/x509/x509.go InsecureAlgorithmError: go ≤1.23 adds " (temporarily override with
   * GODEBUG=x509sha1=1)" for SHA-1 signatures; go 1.24 removed the setting and the hint.
   */
  readonly sha1OverrideHint: boolean;
  /**
   * crypto/tls/common.go isDisabledSignatureAlgorithm: SHA-1 signatures in a TLS 1.2 handshake are
   * offered and accepted (go ≤1.24, or GODEBUG=tlssha1=1). Measured with a TLS 1.2 server that signs
   * only with SHA-1: go 1.23.5 and 1.24.4 connect, go 1.27.3 gets "remote error: tls: handshake
   * failure", and connects with GODEBUG=tlssha1=1.
   */
  readonly acceptSha1HandshakeSignatures: boolean;
  /** crypto/x509/parser.go parseBasicConstraintsExtension: a negative pathLenConstraint fails the certificate (go 1.27). */
  readonly rejectNegativePathLen: boolean;
  /**
   * crypto/rsa/rsa.go (rsa1024min, go 1.24; internal/godebugs/table.go Changed: 24): RSA keys under 1024
   * bits are refused for signatures, so a server whose leaf has one fails the handshake; 0 = no minimum
   * (go ≤1.23, or GODEBUG=rsa1024min=0).
   */
  readonly minRsaBits: number;
  /** GoRules.x509PolicyValidation (parser.go policy extensions, verify.go policiesValid; go 1.24). */
  readonly parsePolicyExtensions: boolean;
  readonly policyValidation: boolean;
  /** GoRules.x509Go127: verify.go / constraints.go (go 1.27). */
  readonly chainConstraints: boolean;
  readonly go127Hostnames: boolean;
  /** GoRules.x509Go127: parser.go parseName readASN1Any, parseSANExtension (go 1.27). */
  readonly anyAttributeValues: boolean;
  readonly rejectIPv4MappedIPv6: boolean;
}

export function x509RulesFor(rules: GoRules, godebug: ReadonlyMap<string, string>): X509Rules {
  return Object.freeze({
    acceptNegativeSerial: !rules.x509RejectsNegativeSerial || godebug.get('x509negativeserial') === '1',
    sha1OverrideHint: rules.version.minor <= 23,
    acceptSha1HandshakeSignatures: !rules.tlsRejectsSha1Handshake || godebug.get('tlssha1') === '1',
    rejectNegativePathLen: rules.x509RejectsNegativePathLen,
    minRsaBits: rules.rsaMin1024 && godebug.get('rsa1024min') !== '0' ? 1024 : 0,
    parsePolicyExtensions: rules.x509PolicyValidation,
    policyValidation: rules.x509PolicyValidation,
    chainConstraints: rules.x509Go127,
    go127Hostnames: rules.x509Go127,
    anyAttributeValues: rules.x509Go127,
    rejectIPv4MappedIPv6: rules.x509Go127,
  });
}
