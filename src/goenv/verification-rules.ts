// Go environment values that turn off what protects a module download: the checksum database
// (GOSUMDB, GONOSUMDB, GOPRIVATE), TLS to the origin (GOINSECURE, GOFLAGS=-insecure) or TLS to the
// proxy (GOPROXY over plain http). One table, two readers: the config stage reports each rule as a
// warn finding (so --strict fails on it), and k8s/policy's ValidatingAdmissionPolicy refuses pods
// that set such a value in `env` — its CEL is generated from `cel` below (test/ship/admission-policy.ts),
// and test/ship/admission-policy.test.ts checks that `refuses` and `cel` decide alike on the same inputs.
//
// The CEL has to run in the API server (Kubernetes >= 1.30: CEL's standard functions plus the strings
// extension: split, replace, trim, lowerAscii, join, matches). Where go's own rules cannot be written in
// that CEL (path.Match's character classes and escapes), both readers use the same narrower rule,
// stated in the comments below.

import { matchPrefixPatterns } from './patterns.js';
import { quotedSplit } from './goflags.js';
import { goTrimSpace, lowerASCII } from './gostrings.js';

export type VerificationVariable = 'GOSUMDB' | 'GONOSUMDB' | 'GOPRIVATE' | 'GOINSECURE' | 'GOFLAGS' | 'GOPROXY';

export interface VerificationRule {
  /** The finding's code in report.json, and (without its prefix) the policy's variable name. */
  readonly code: string;
  readonly variable: VerificationVariable;
  /** True when this value of `variable` turns the protection off. Decides exactly as `cel`. */
  readonly refuses: (value: string) => boolean;
  /** The same decision in CEL, over the CEL expression `v` (a string). */
  readonly cel: (v: string) => string;
  /** What the value does, for the finding (may quote the value: reports are redacted). */
  readonly finding: (value: string) => string;
  /** What the value does, for the admission message (never quotes the value: it may hold a secret). */
  readonly summary: string;
  /** What to change. */
  readonly fix: string;
}

/**
 * Module paths that stand for "every module": a pattern list matching all of them leaves (almost)
 * nothing for the checksum database. Six hosts of different shapes, so that only a list written to
 * cover everything (`*`, `*.*`, `*.com,*.org,*.in,*.io,*.net`) matches them all.
 */
export const EVERY_MODULE_PROBES: readonly string[] = ['github.com/x/y', 'golang.org/x/mod', 'gopkg.in/yaml.v3', 'go.uber.org/zap', 'k8s.io/api', 'example.net/m'];

/** Public module paths: GOINSECURE matching any of them affects real public fetches. */
export const PUBLIC_MODULE_PROBES: readonly string[] = ['github.com/x/y', 'golang.org/x/mod', 'gopkg.in/yaml.v3', 'google.golang.org/grpc'];

/**
 * GOPRIVATE-style patterns both readers judge: go's list (comma-separated, one trailing "/" dropped,
 * empty entries skipped — module.MatchPrefixPatterns), minus the patterns with path.Match character
 * classes or escapes ("[", "]", "\"), which CEL cannot translate; those are never counted.
 */
function judgedPatterns(value: string): string[] {
  return value
    .split(',')
    .map((p) => (p.endsWith('/') ? p.slice(0, -1) : p))
    .filter((p) => p !== '' && !/[[\]\\]/.test(p));
}

function matchesAny(value: string, target: string): boolean {
  return judgedPatterns(value).some((p) => matchPrefixPatterns(p, target));
}

/** A CEL string literal. */
export function celString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const CEL_JUDGED_PATTERNS = (v: string): string =>
  `${v}.split(',').map(p, p.endsWith('/') ? p.substring(0, p.size() - 1) : p).filter(p, p != '' && !p.matches(${celString('[\\[\\]\\\\]')}))`;

/**
 * A path.Match glob as an RE2 regular expression matching the module paths whose leading elements it
 * matches (MatchPrefixPatterns: a glob with k slashes against the first k+1 elements): regex
 * metacharacters escaped, "?" as one non-slash character, "*" as any run of them, then "/" or the end.
 */
function celGlobRegex(p: string): string {
  let re = p;
  for (const meta of ['.', '+', '(', ')', '|', '{', '}', '^', '$']) re = `${re}.replace(${celString(meta)}, ${celString(`\\${meta}`)})`;
  re = `${re}.replace('?', '[^/]').replace('*', '[^/]*')`;
  return `'^' + ${re} + '(/.*)?$'`;
}

const celList = (items: readonly string[]): string => `[${items.map(celString).join(', ')}]`;

/**
 * In-cluster hosts, for which a plain-http GOPROXY is acceptable (the traffic stays on the cluster
 * network): localhost, a single-label Service name, and names under .svc or .cluster.local. A custom
 * cluster domain or an IP address counts as outside. Matched against the trimmed, lower-cased entry.
 */
const CLUSTER_HTTP_ENTRY = String.raw`^http://([^/?#]*@)?(localhost|[^./?#@:\[\]]+|[^/?#@:\[\]]+\.(svc|cluster\.local))\.?(:[0-9]*)?([/?#].*)?$`;

/** GOPROXY's entries as both readers see them: split at "," and "|", trimmed, ASCII lower-cased. */
function proxyEntries(value: string): string[] {
  return value.split(/[,|]/).map((e) => lowerASCII(goTrimSpace(e)));
}

/**
 * Does this GOPROXY entry name a plain-http proxy outside the cluster? Every entry counts, even those
 * after "direct" or "off" that go ignores (the CEL cannot stop at them; config.entries_after_direct
 * says to delete them anyway).
 */
export function isExternalPlainHttpEntry(entry: string): boolean {
  const e = lowerASCII(goTrimSpace(entry));
  return e.startsWith('http://') && !new RegExp(CLUSTER_HTTP_ENTRY).test(e);
}

/** A word of GOFLAGS that go reads as the -insecure flag (one or two dashes, any value). */
const INSECURE_FLAG_WORD = /^--?insecure(=|$)/;

export const VERIFICATION_RULES: readonly VerificationRule[] = [
  {
    code: 'config.gosumdb_off',
    variable: 'GOSUMDB',
    refuses: (v) => v === 'off',
    cel: (v) => `${v} == 'off'`,
    finding: () => 'GOSUMDB=off: go will not verify downloaded modules against a checksum database',
    summary: 'GOSUMDB=off turns off the checksum database: go does not verify what it downloads',
    fix: 'unset GOSUMDB (default sum.golang.org) and list only private module paths in GOPRIVATE or GONOSUMDB',
  },
  {
    code: 'config.gonosumdb_everything',
    variable: 'GONOSUMDB',
    refuses: (v) => EVERY_MODULE_PROBES.every((t) => matchesAny(v, t)),
    cel: (v) => `${celList(EVERY_MODULE_PROBES)}.all(t, ${CEL_JUDGED_PATTERNS(v)}.exists(p, t.matches(${celGlobRegex('p')})))`,
    finding: (v) => `GONOSUMDB=${v} covers every module path: go checks no module against the checksum database (the same as GOSUMDB=off)`,
    summary: 'GONOSUMDB covers every module path: go checks no module against the checksum database (the same as GOSUMDB=off)',
    fix: 'list only your private module path prefixes in GONOSUMDB (e.g. git.corp.example.com,github.com/corp/*)',
  },
  {
    code: 'config.goprivate_everything',
    variable: 'GOPRIVATE',
    refuses: (v) => EVERY_MODULE_PROBES.every((t) => matchesAny(v, t)),
    cel: (v) => `${celList(EVERY_MODULE_PROBES)}.all(t, ${CEL_JUDGED_PATTERNS(v)}.exists(p, t.matches(${celGlobRegex('p')})))`,
    finding: (v) => `GOPRIVATE=${v} covers every module path: go fetches every module from its origin and checks none against the checksum database`,
    summary: 'GOPRIVATE covers every module path: go fetches every module from its origin and checks none against the checksum database',
    fix: 'list only your private module path prefixes in GOPRIVATE (e.g. git.corp.example.com,github.com/corp/*)',
  },
  {
    code: 'config.goinsecure_public',
    variable: 'GOINSECURE',
    refuses: (v) => PUBLIC_MODULE_PROBES.some((t) => matchesAny(v, t)),
    cel: (v) => `${celList(PUBLIC_MODULE_PROBES)}.exists(t, ${CEL_JUDGED_PATTERNS(v)}.exists(p, t.matches(${celGlobRegex('p')})))`,
    finding: (v) => `GOINSECURE=${v} covers public module paths: direct fetches of those skip TLS verification and may use plain http`,
    summary: 'GOINSECURE covers public module paths: direct fetches of those skip TLS verification and may use plain http',
    fix: 'limit GOINSECURE to the private hosts that need it (e.g. *.corp.example.com)',
  },
  {
    code: 'goflags.insecure',
    variable: 'GOFLAGS',
    // go's own word split (cmd/internal/quoted); a value it cannot split fails the config stage anyway.
    refuses: (v) => {
      const split = quotedSplit(v);
      return split.ok && split.words.some((w) => INSECURE_FLAG_WORD.test(w));
    },
    cel: (v) => `${v}.matches(${celString(`(^|[ \\t\\n\\r])['"]?--?insecure([='" \\t\\n\\r]|$)`)})`,
    finding: () =>
      'GOFLAGS contains -insecure: go mod download ignores it (only go get defines it), and go get fails with ' +
      '"go: -insecure flag is no longer supported; use GOINSECURE instead" (removed in Go 1.17)',
    summary: 'GOFLAGS contains -insecure, which asks go to skip TLS verification (go get refuses it since Go 1.17)',
    fix: 'remove -insecure from GOFLAGS; set GOINSECURE to the module path patterns whose origin needs http or an ' +
      'unverified certificate, and GOPRIVATE or GONOSUMDB for modules the checksum database must not check',
  },
  {
    code: 'config.plain_http_proxy',
    variable: 'GOPROXY',
    refuses: (v) => proxyEntries(v).some(isExternalPlainHttpEntry),
    cel: (v) => `${v}.replace('|', ',').split(',').map(x, x.trim().lowerAscii()).exists(x, x.startsWith('http://') && !x.matches(${celString(CLUSTER_HTTP_ENTRY)}))`,
    finding: () => 'GOPROXY names a plain-http proxy outside the cluster: module contents travel unencrypted over networks the cluster does not control (the checksum database still protects them)',
    summary: 'GOPROXY names a plain-http proxy outside the cluster: module downloads travel unencrypted',
    fix: 'use https:// for a GOPROXY outside the cluster (plain http is accepted only for localhost, single-label Service names, *.svc and *.cluster.local)',
  },
];
