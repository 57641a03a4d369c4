// Every hint the probe prints, and only here: facts in, text out. hintFor is the table per cause, used by
// every stage (a sumdb host's DNS timeout gets the same advice as the proxy host's) and by the one
// conversion (stages/failure.ts layerFailure); the named builders below it compose a layer's hint with where
// the stage met it (directHint, sumdbHostHint, redirectHostHint, gitTrustHint ...) or write what no cause
// names alone: configHints (the config stage's rejections), originHints (the direct fetch and the git hop),
// findingHints (findings). failure.test.ts fails on a hint written as a literal anywhere else in src.

import { layerCauseOf, type Cause } from './causes.js';
import { joinHostPort } from './net/netip.js';

export interface HintFacts {
  /** The host go wanted (origin host). */
  readonly host?: string;
  readonly port?: number;
  /** The address actually dialed (may be the HTTP(S) proxy). */
  readonly dialed?: string;
  readonly viaProxy?: boolean;
  readonly nameservers?: readonly string[];
  readonly diagnosis?: string;
  readonly detail?: string;
  /** The env var that decided the target (GOPROXY, GOSUMDB, HTTPS_PROXY...). */
  readonly variable?: string;
  /** Every address of the target is of this family and the pod has no route for it (ENETUNREACH): a single-stack pod. */
  readonly missingFamily?: 4 | 6;
  /** The IPv6 addresses that were dialed and failed (a NetworkPolicy ipBlock is per family). */
  readonly ipv6Dialed?: readonly string[];
  /** The module the GOPROXY walk was for. */
  readonly modulePath?: string;
  /** The proxy's HTTP answer, when it gave one (absent: the walk ended on an entry that may not fetch). */
  readonly status?: number;
  readonly statusLine?: string;
  /** The body was module metadata (.info, .mod, list), which is never large. */
  readonly moduleMetadata?: boolean;
  /** The body was git's ref advertisement (info/refs, ls-refs), which a module's repository keeps small. */
  readonly gitRefs?: boolean;
  /** What a module proxy sent instead of the protocol: an HTML page, or metadata of another version. */
  readonly answer?: 'html' | 'inconsistent';
  /** The proxy lists no version of the module and has no @latest (the query "latest" found nothing). */
  readonly noVersions?: boolean;
  /** The URL the stage asks under (the checksum database's base, a proxy entry), redacted. */
  readonly url?: string;
  /** The module version at stake (path@version). */
  readonly moduleVersion?: string;
  /** The checksum database's name (GOSUMDB). */
  readonly sumdbName?: string;
  /** The toolchain go switches to (go1.27.3). */
  readonly toolchain?: string;
  /** The repository URL git reaches over ssh (redacted): set for the ssh hop's failures. */
  readonly sshRepo?: string;
  /** How url.<base>.insteadOf sent go's URL there (a parenthesis to append), or ''. */
  readonly rewrite?: string;
  /** The key file the server accepts and ssh ignores for its mode. */
  readonly unprotectedKey?: string;
}

const HOST_KEY_HINT = 'mount a known_hosts ConfigMap with the git host\'s key at ~/.ssh/known_hosts (the passwd home of the uid the build runs as; ssh ignores $HOME) or /etc/ssh/ssh_known_hosts: get the key from the git server\'s documentation or `ssh-keyscan -p PORT HOST` run from a trusted network (README: "Private modules over git")';

export function hintFor(cause: Cause, f: HintFacts = {}): string {
  const layer = layerCauseOf(cause) ?? cause;
  const host = f.host ?? 'the host';
  const port = f.port ?? 443;
  const dialed = f.dialed ?? joinHostPort(host, port);
  const ns = f.nameservers && f.nameservers.length > 0 ? f.nameservers.join(', ') : 'the cluster DNS';
  switch (layer) {
    case 'dns.timeout':
      return `No DNS answer from ${ns}: allow egress to ${ns} on UDP and TCP port 53 in the pod's NetworkPolicy (the kube-dns/CoreDNS pods in kube-system), and check that the DNS service is up.`;
    case 'dns.unreachable':
      return `The DNS server ${ns} rejects or cannot be reached on port 53: check the nameserver in resolv.conf (the pod's dnsPolicy/dnsConfig) and the egress rules for port 53.`;
    case 'dns.nxdomain':
      return `The name ${host} does not exist for this resolver: check the spelling in ${f.variable ?? 'GOPROXY'}, or make the cluster DNS resolve it (a CoreDNS stub domain/forwarder for internal zones, or hostAliases).`;
    case 'dns.nodata':
      return `${host} exists but has no A/AAAA records: add an address record, or point ${f.variable ?? 'GOPROXY'} at a name that has one.`;
    case 'dns.refused':
      return `The DNS server ${ns} refuses queries from this pod: allow recursion for the pod network on the DNS server, or fix the pod's dnsConfig.`;
    case 'dns.servfail':
      return `The DNS server ${ns} fails to resolve ${host} (SERVFAIL): check the upstream forwarders of the cluster DNS (CoreDNS forward plugin) and their egress.`;
    case 'dns.server_misbehaving':
      return `The DNS server ${ns} answered abnormally for ${host}: check the cluster DNS configuration and its upstreams.`;
    case 'dns.malformed':
      return `The DNS reply for ${host} could not be parsed: a middlebox may be rewriting DNS on port 53; check what answers at ${ns}.`;
    case 'dns.no_nameserver':
      return 'No nameserver is configured: set nameserver lines in /etc/resolv.conf (the pod dnsPolicy/dnsConfig).';
    case 'dns.hosts_only':
      return `nsswitch.conf has "hosts: files" only, so go never asks DNS: add ${host} to /etc/hosts (hostAliases) or add "dns" to the hosts line.`;
    case 'tcp.timeout':
      return f.viaProxy
        ? `Connections to the proxy ${dialed} are dropped: allow egress to the proxy's address and port in the NetworkPolicy/firewall.`
        : `Connections to ${dialed} are silently dropped (a NetworkPolicy or egress firewall): allow egress to ${host} TCP ${port}, or route through the egress proxy with HTTPS_PROXY.${ipv6Note(f)}`;
    case 'tcp.refused':
      return `${dialed} refuses connections (RST): nothing listens there or a firewall rejects it; check the port in ${f.variable ?? 'GOPROXY'} and the reject rules on the path.`;
    case 'tcp.unreachable':
      if (f.missingFamily === 4) {
        return `The pod has no IPv4 route and ${host} has only IPv4 addresses (go: network is unreachable): an IPv6-only pod reaches IPv4-only hosts through DNS64/NAT64 in the cluster, or through an egress proxy reachable over IPv6 (HTTPS_PROXY); or point ${f.variable ?? 'GOPROXY'} at a host with an AAAA record.`;
      }
      if (f.missingFamily === 6) {
        return `The pod has no IPv6 route and ${host} has only IPv6 addresses (go: network is unreachable): give the pod an IPv6 address (a dual-stack cluster), publish an A record for ${host}, or reach it through an egress proxy (HTTPS_PROXY).`;
      }
      return `No route to ${dialed}: check the pod's network, the egress gateway, and that the address is reachable from this network.`;
    case 'tcp.permission':
      return `The local system forbids connecting to ${dialed} (a local firewall, seccomp or a restricted network policy in the node).`;
    case 'tcp.reset':
      return `${dialed} reset the connection: a firewall or proxy is killing it; check the middleboxes on the path.`;
    case 'tcp.proxy_refused':
      return `The proxy ${dialed} refuses connections: check HTTPS_PROXY/HTTP_PROXY (host and port) and that the proxy runs.`;
    case 'tcp.proxy_auth_required':
      return 'The proxy requires authentication (407): put the credentials in the proxy URL (HTTPS_PROXY=http://user:password@proxy:port), as go sends them from there.';
    case 'tcp.proxy_forbidden':
      return `The proxy forbids CONNECT to ${joinHostPort(host, port)} (403): allow this destination in the proxy's ACL, or exclude it with NO_PROXY if it is reachable directly.`;
    case 'tcp.proxy_connect_timeout':
      return `The proxy ${dialed} accepted the connection but did not answer in time (its TLS handshake, or the CONNECT to ${joinHostPort(host, port)}): the path to the proxy is open, so look at the proxy itself (its logs and load, its own DNS and egress to ${host}), or raise --timeout if it is only slow.`;
    case 'tcp.proxy_connect_failed':
      return `The proxy could not open a tunnel to ${joinHostPort(host, port)}: check the proxy's logs and its own egress.`;
    case 'tcp.proxy_unsupported':
      return 'The probe cannot check this proxy scheme; use an http:// or https:// proxy URL to have it checked.';
    case 'tls.unknown_authority':
      switch (f.diagnosis) {
        case 'intercepting_proxy':
          return `A TLS-inspecting proxy re-signs ${host}'s certificate: mount its root CA in the build container and point SSL_CERT_FILE at it (or add it to /etc/ssl/certs), or exempt ${host} from inspection.`;
        case 'missing_intermediate':
          return `${host} does not send its intermediate certificate: fix the server to send the full chain, or add the intermediate CA to the trust store (SSL_CERT_FILE).`;
        case 'self_signed_leaf':
          return `${host} presents a self-signed certificate: issue it from a CA, or add this certificate to SSL_CERT_FILE in the build container.`;
        case 'weak_ca_key':
          return `A CA in the chain of ${host} has an RSA key under 1024 bits, which go 1.24+ refuses (rsa1024min): reissue that CA with a 2048-bit key; GODEBUG=rsa1024min=0 in the build's environment works meanwhile.`;
        default:
          return `The chain of ${host} leads to a root that is not trusted here: mount that CA bundle and set SSL_CERT_FILE (or SSL_CERT_DIR) to it in the build container.`;
      }
    case 'tls.expired':
      return `A certificate of ${host} has expired: renew it on the server (or check the pod's clock if it is far off).`;
    case 'tls.not_yet_valid':
      return `A certificate of ${host} is not valid yet: check the node's clock, or the certificate's notBefore.`;
    case 'tls.name_mismatch':
      return `The certificate of ${host} does not cover that name: use a host name the certificate lists in ${f.variable ?? 'GOPROXY'}, or reissue it with ${host} in its SANs (go ignores the Common Name).`;
    case 'tls.protocol':
      return `${dialed} does not speak TLS: check the scheme and port in ${f.variable ?? 'GOPROXY'} (https:// needs a TLS port; use http:// for a plain-HTTP proxy).`;
    case 'tls.handshake_failed':
      return `The TLS handshake with ${host} failed: check the server's TLS versions, ciphers and signature algorithms (go 1.25+ offers no SHA-1 signature in TLS 1.2: a server that signs only with SHA-1 needs a SHA-256 one, or GODEBUG=tlssha1=1 meanwhile), or a middlebox interfering with TLS.`;
    case 'tls.timeout':
      return `The TLS handshake with ${host} stalled: a middlebox may accept the TCP connection but not forward it; check the egress path.`;
    case 'tls.bad_certificate':
      return `The certificate of ${host} cannot be used: reissue it.`;
    case 'tls.hello_dropped':
    case 'tls.hello_reset':
      return `A middlebox on the way to ${dialed} ${layer === 'tls.hello_dropped' ? 'drops' : 'resets'} go's ClientHello (over 1 KB since go 1.24: the post-quantum X25519MLKEM768 key share) but passes small ones, typically an IPS/firewall signature, a TLS-inspecting proxy that cannot read split or large hellos, or an MTU problem. Fix the box (allow large hellos, or update its TLS parser); until then GODEBUG=tlsmlkem=0,tlssecpmlkem=0 in the build's environment makes go send a small hello again.`;
    case 'tls.no_roots':
      return 'No trusted roots were found: install ca-certificates in the image or mount a CA bundle and set SSL_CERT_FILE.';
    case 'http.timeout':
      return `${host} did not answer in time: check the server's health and any proxy in between; raise --timeout if it is just slow.`;
    case 'http.protocol':
      return `${host} did not answer with valid HTTP: check that the URL points at an HTTP server and no middlebox breaks the stream.`;
    case 'http.too_large':
      if (f.gitRefs) return `the git server at ${host} sends more refs than any module repository holds: check what answers there`;
      return f.moduleMetadata
        ? `${host} sends a response far larger than any module metadata: a middlebox or a misconfigured server answers instead of a Go module proxy; check what answers at that URL`
        : `${host} sent more than the probe reads: check that the URL points at the right server.`;
    case 'http.h2_stream_error':
    case 'http.h2_goaway':
      return `${host} (or a proxy or CDN in front of it) fails requests over HTTP/2, which go negotiates by ALPN, also through an HTTPS_PROXY tunnel: fix or turn off its HTTP/2, or set GODEBUG=http2client=0 in the build's environment so that go speaks HTTP/1.1.`;
    case 'http.insecure_credentials':
      return 'go refuses to send credentials over plain http: use https:// for this URL, or remove the credentials.';
    // The module proxy protocol (modfetch/proxy.go): go's HTTPError for a status, or the walk ending on an
    // entry that may not fetch the module (the last not-exist error go reports).
    case 'proxy.not_found':
    case 'proxy.gone':
      if (f.noVersions) return 'the proxy lists no versions for this module: check the module path, or ask for an explicit version';
      return f.status === undefined
        ? `no GOPROXY entry may fetch ${f.modulePath ?? 'the module'}: check GOPROXY and GONOPROXY/GOPRIVATE`
        : `the proxy at ${host} does not have this module or version: check the module path and version, or let GOPROXY fall back (",direct" for public modules, GOPRIVATE/GONOPROXY for private ones)`;
    case 'proxy.bad_response':
      if (f.answer === 'inconsistent') return 'the proxy serves inconsistent metadata: clear its cache for this module';
      return f.answer === 'html'
        ? 'an HTML page came back where go expects JSON: a captive portal, a login page or a middlebox answers instead of the proxy; check the egress path and the GOPROXY URL'
        : 'the proxy answers with something that is not the module proxy protocol: check that GOPROXY points at a Go module proxy';
    case 'proxy.toolchain_not_available': {
      const toolchain = f.toolchain ?? 'go';
      return `serve ${f.modulePath ?? 'golang.org/toolchain'} from the GOPROXY (a proxy or mirror of proxy.golang.org), or build with an image whose go is ${toolchain} or newer (then give the probe --go-version ${toolchain.slice('go'.length)}), or pin the go/toolchain lines of go.mod to the image's go`;
    }
    case 'proxy.auth_required':
      return `the proxy at ${host} wants credentials: go sends them from .netrc (machine ${host}), from a GOAUTH command (go1.24+) or from the GOPROXY URL (https://user:token@host); give the build container the same .netrc or GOAUTH`;
    case 'proxy.server_error':
      return `the proxy at ${host} is failing (${f.statusLine ?? 'a 5xx answer'}): check its logs and upstream; a "|" after this entry would let go fall through on errors`;
    case 'proxy.bad_status':
      return `the proxy at ${host} answered ${f.statusLine ?? 'a status'}, which go treats as an error: check the URL in GOPROXY`;
    case 'proxy.off':
      return `GOPROXY reaches "off" for ${f.modulePath ?? 'the module'}, so go refuses to download it: put a proxy that serves it before "off", or end GOPROXY with ",direct"`;
    case 'proxy.disabled':
      return `${f.modulePath ?? 'the module'} matches GOPRIVATE/GONOPROXY, so only "direct" may fetch it: add direct to GOPROXY, or remove the module from GONOPROXY/GOPRIVATE`;
    case 'proxy.no_entries':
      return 'set GOPROXY';
    // go's walk refusing a module path (module.CheckPath); the config stage's own rejections carry their hints (configHints).
    case 'config.invalid':
      return f.modulePath !== undefined ? 'the module path is invalid' : '';
    // The checksum database (modfetch/sumdb.go): its answers, its signatures, what it recorded.
    case 'sumdb.not_found':
      return `the checksum database at ${f.url ?? 'its URL'} has no record of ${f.moduleVersion ?? 'the module'}: a private module? add it to GONOSUMDB/GOPRIVATE; a typo in the version? check it`;
    case 'sumdb.server_error':
      return `the checksum database at ${f.url ?? 'its URL'} answers with an error: check it (or the proxy in front of it)`;
    case 'sumdb.bad_signature':
      return `check GOSUMDB: its key must be the database's public key (for sum.golang.org just "sum.golang.org"); if the key is right, something between here and ${f.url ?? 'the database'} alters the answers`;
    case 'sumdb.bad_response':
    case 'sumdb.bad_proof':
      return `the checksum database at ${f.url ?? 'its URL'} answers with data that does not verify: check what answers there`;
    case 'sumdb.checksum_mismatch':
      return 'the content differs from what the checksum database recorded: a corrupted or tampered proxy cache, or a go.sum edited by hand; purge the module from the proxy cache (or fix go.sum) — do not turn GOSUMDB off';
    case 'sumdb.toolchain_unverified':
      return 'set GOSUMDB (sum.golang.org, or a mirror the pod can reach), or avoid the switch with a build image whose go is new enough';
    case 'sumdb.unavailable_via_proxy': {
      const name = f.sumdbName ?? 'sum.golang.org';
      return `go asks ${f.url ?? 'the proxy'} (GET .../sumdb/${name}/supported) and, on an error other than 404/410, gives up on the checksum database: fix that proxy, put "|" after it, set GOSUMDB="${name} https://..." to a reachable URL, or GONOSUMDB for private paths`;
    }
    // The zip's redirect chain (what the redirect stage judges itself).
    case 'redirect.not_zip':
      return 'something on the path (a captive portal, a login page, a misconfigured storage bucket) answers instead of the object store: check the last hop URL';
    case 'redirect.loop':
      return 'the redirects come back to a URL already visited: fix the redirect rules (storage bucket, CDN or proxy)';
    case 'redirect.location_truncated':
      return 'a middlebox (an intercepting proxy, a mesh sidecar, a registry mirror) rewrites the Location header to its path: configure it to pass Location through unchanged, or exempt the GOPROXY host from it';
    case 'redirect.location_rewritten':
      return 'something on the proxy path rewrites the Location header (a registry mirror, a mesh sidecar, an intercepting proxy): make it pass Location through unchanged, or exempt the GOPROXY host from it (NO_PROXY)';
    // The git hop over ssh (net/gitssh.ts): ssh's own failures past dns and tcp.
    case 'proxy.git_host_key_unknown':
      return `ssh does not know the host key of ${host}${f.rewrite ?? ''}: ${HOST_KEY_HINT}`;
    case 'proxy.git_host_key_changed':
      return `the host key ${host} presents is not the one known_hosts holds for it: if the server's key was rotated, update the known_hosts ConfigMap; otherwise something between the pod and ${host} is answering in its place`;
    case 'proxy.git_publickey_denied':
      if (f.unprotectedKey !== undefined) {
        return `ssh ignores ${f.unprotectedKey}, the key the server accepts, because others may read it: mount the deploy-key Secret with defaultMode: 0400 (ssh wants no group or other bits on a key its user owns)`;
      }
      return `mount a deploy key the repository accepts as a Secret at ~/.ssh/id_ed25519 (mode 0400, owned by the build's uid) or name it with IdentityFile in ~/.ssh/config, or set SSH_AUTH_SOCK to an agent holding it; a passphrase-protected key cannot be used without a terminal${f.rewrite ?? ''}`;
    case 'proxy.git_repo_not_found':
      // Over https the transport names what the server answered (githttps.ts).
      return f.sshRepo === undefined ? '' : `the ssh server at ${host} has no repository at ${f.sshRepo}${f.rewrite ?? ''}: check the path the insteadOf rule produces and that the deploy key's account may read it`;
    case 'proxy.git_ssh_failed':
      return `the ssh server at ${dialed} did not complete the SSH handshake: check that the port serves SSH and that nothing in between cuts the connection`;
    // go's web client refusing by itself (net/http's redirect policy, cmd/go/internal/web).
    case 'redirect.insecure':
      return 'the server redirects https to http, which go refuses: fix the redirect to stay on https (GOINSECURE does not apply to proxy traffic)';
    case 'redirect.too_many':
      return 'the chain reaches a 10th redirect, where go stops (it follows at most 9; a loop?): shorten the redirect chain';
    case 'redirect.bad_location':
      return `a redirect from ${host} carries a Location go's URL parser rejects (a space, a bad %-escape or port): fix the URL the server, or a middlebox rewriting Location, puts there`;
    case 'proxy.file_error':
      return "go cannot read the file:// GOPROXY entry's file (a missing file would be a 404, which falls through): check the directory's files and permissions";
    // The run's own ends (probe.ts) and --strict (strict.ts; a finding's own hint comes first).
    case 'interrupted':
      return 'the pod was stopped; rerun the probe';
    case 'deadline.exceeded':
      return 'raise --deadline, or look at which operation was slow in gomodprobe.ndjson';
    case 'strict.warning':
      return 'change what the finding names, or run without --strict';
    default:
      return '';
  }
}

/** A fetch from the module's origin: where go goes, then the layer's own fix. */
export function directHint(modulePath: string, layerHint = ''): string {
  return `go fetches ${modulePath} directly from its origin here (GOPROXY "direct" or GOPRIVATE/GONOPROXY). ${layerHint}`.trim();
}

/** Why go refuses the toolchain it would run (goenv/toolchain.ts's decision), and what to change. */
export function toolchainHint(why: 'too_old' | 'invalid' | 'not_in_path' | 'language_version'): string {
  switch (why) {
    case 'too_old':
      return `build with a go image at least as new as go.mod's go line, or let go switch (GOTOOLCHAIN=auto, and serve golang.org/toolchain from GOPROXY), or lower the go line; give the probe the build image's go with --go-version`;
    case 'not_in_path':
      return 'install that go in the build image (in PATH as goX.Y.Z), or use GOTOOLCHAIN=auto to download it';
    case 'language_version':
      return 'name a release: go1.25.0, not go1.25 (golang/go#62278)';
    case 'invalid':
      return 'set GOTOOLCHAIN to local, auto, path, goX.Y.Z, goX.Y.Z+auto or goX.Y.Z+path, and the go.mod toolchain line to goX.Y.Z or default';
  }
}

/** A host met on the way to the checksum database: the layer's own fix, then where go reaches the database. */
export function sumdbHostHint(layerHint: string, base: string): string {
  return `${layerHint} (go reaches the checksum database at ${base}; if it is blocked on purpose, set GONOSUMDB for private modules or GOSUMDB to a reachable mirror)`;
}

/** A zip host reached through a redirect: it needs egress of its own, then the layer's own fix. */
export function redirectHostHint(host: string, layerHint: string): string {
  return `the zip is served from ${host} after a redirect: allow egress to that host too (NetworkPolicy/firewall/proxy allowlist), not just the GOPROXY host. ${layerHint}`;
}

/** The object store behind a redirect answered an error status: the store first, then the status's own fix. */
export function redirectStatusHint(status: number, statusHint: string): string {
  return `the object store behind the redirect answered ${status}: check the presigned URL's expiry and the storage permissions. ${statusHint}`;
}

/** A failing chain whose Location a proxy rewrote: the rewrite is the fix, then the failure's own. */
export function rewrittenLocationHint(failureHint: string): string {
  return `${hintFor('redirect.location_rewritten')}. ${failureHint}`;
}

/** git checks a host against its own trust store (libcurl's CA file and path), not go's. */
export function gitTrustHint(hostPort: string, caInfo: string | undefined, caPath: string, layerHint: string): string {
  return `git verifies ${hostPort} against its own trust store, not go's (SSL_CERT_FILE means nothing to git): set GIT_SSL_CAINFO or http.sslCAInfo to the CA file (it holds ${caInfo ? caInfo : 'nothing now'}), or add the CA to ${caPath}. ${layerHint}`;
}

/** An input file the run reads, named in the hint for one that cannot be read as a regular file. */
export type InputFileName = 'go.mod' | 'go.work' | 'go.sum' | 'resolv.conf' | 'hosts' | 'nsswitch.conf';

const INPUT_FILE_SHOWN: { readonly [F in InputFileName]: string } = {
  'go.mod': 'a go.mod',
  'go.work': 'the go.work the build uses',
  'go.sum': 'a go.sum',
  'resolv.conf': 'a resolv.conf',
  hosts: 'a hosts file',
  'nsswitch.conf': 'an nsswitch.conf',
};

/** The config stage's (stages/config.ts): a value or an input go rejects, or that the probe cannot use, and what to write instead. */
export const configHints = {
  inputNamed: (): string => 'fix the input named above',
  regularFile: (input: InputFileName): string => `give the path of ${INPUT_FILE_SHOWN[input]}, a regular file`,
  netrcRegularFile: (): string => 'point NETRC (or $HOME/.netrc) at a regular file',
  /** The go env -w file (GOENV) or $GOROOT/go.env. */
  goEnvFile: (user: boolean): string =>
    user ? 'point GOENV (or $XDG_CONFIG_HOME/go/env) at a regular file, or set GOENV=off' : 'point GOROOT at a go installation whose go.env is a regular file',
  fixModFile: (file: 'go.mod' | 'go.sum'): string => `fix the ${file} (go mod tidy) or give the right file`,
  missingModuleLine: (): string => 'add the module line (go mod edit -module=example.com/mod), or point --gomod at the go.mod the build uses',
  moduleMissingVersion: (shown: string): string => `write ${shown}@latest or ${shown}@vX.Y.Z`,
  moduleSpec: (): string => 'give a module as path@version, e.g. golang.org/x/mod@v0.20.0 or path@latest',
  goflags: (): string => 'remove the flag from GOFLAGS: every go command rejects it',
  goproxySyntax: (): string =>
    'set GOPROXY to a comma- or pipe-separated list of https://, http:// or file:// URLs, "direct" or "off" (default https://proxy.golang.org,direct)',
  gosumdbSyntax: (): string => 'set GOSUMDB to "sum.golang.org", "off", or "<name>+<hash>+<key> [URL]" as printed by the database operator',
  goauthSyntax: (): string => 'set GOAUTH to "netrc" (the default), "off", "git /abs/dir" or a command, separated by ";"',
  /** GOAUTH set for a go before 1.24, which sends .netrc credentials only (a finding). */
  goauthIgnored: (): string => 'put the credentials in .netrc (machine HOST[:PORT] login USER password TOKEN), or build with go1.24 or later',
  valueTooLong: (name: string): string => `check how ${name} is set: no sane value is that long`,
  controlCharacters: (name: string): string => `check how ${name} is set (a stray newline from a ConfigMap or secret?)`,
  badPort: (): string => 'use a port from 1 to 65535',
  ipv6WithoutBrackets: (): string => 'write the IPv6 address in brackets: https://[address]:port',
  unsupportedHost: (): string => 'name the host by a DNS name, a plain IPv4 address, or an IPv6 address in brackets without a zone',
  /** The go version the probe assumed (no --go-version): a finding. */
  goVersionAssumed: (minor: number): string =>
    `set GOMODPROBE_GO_VERSION to the go of the build image (e.g. 1.${minor}.3 for golang:1.${minor}.3): rules differ between go versions`,
  /** GODEBUG sets a removed setting to its old value: `goName` (the build's go, or the toolchain it switches to) refuses to start. */
  godebugRemoved: (field: string, goName: string, switched: boolean): string =>
    switched
      ? `remove ${field} from GODEBUG: ${goName} no longer has the old behaviour it asks for`
      : `remove ${field} from GODEBUG (in the build image's env or the pipeline's variables): ${goName} no longer has the old behaviour it asks for`,
  toolchainUncertain: (): string => 'set --go-version to the build image\'s go with its patch release (e.g. 1.27.3)',
  toolchainStillTooOld: (): string => 'raise GOTOOLCHAIN to at least the go line (or use auto), or lower the go line',
  goworkTooOld: (moduleGo: string): string => `raise go.work's go line to ${moduleGo} (go work use does it), or point --gowork at the go.work the build really uses`,
  sslCertFileUnusable: (): string =>
    'point SSL_CERT_FILE at a PEM bundle of CA certificates (-----BEGIN CERTIFICATE-----; convert a DER file with openssl x509 -inform der)',
  trustStoreEmpty: (): string => 'install ca-certificates or mount a CA bundle and set SSL_CERT_FILE',
} as const;

/** The insteadOf rule that sent go's URL elsewhere, as the git hop's hints name it (redacted). */
export interface GitRewriteFacts {
  readonly base: string;
  readonly insteadOf: string;
  readonly goURL: string;
}

/**
 * A fetch from the module's origin (stages/direct.ts: go-import discovery, GOVCS) and the git hop after it
 * (githop.ts, githttps.ts, gitssh.ts): what the origin or git answered, and what to change.
 */
export const originHints = {
  /** The ?go-get=1 page answered 401/403: go sent what .netrc (or GOAUTH) has for the host. */
  metaAuth: (statusLine: string, host: string): string =>
    `the origin answers ${statusLine} to go's ?go-get=1 request: go sends .netrc credentials there (machine ${host}; go1.24+ also a GOAUTH command), so mount a .netrc Secret at $HOME/.netrc (git reads the same file for the repository)`,
  noMeta: (modulePath: string, url: string): string =>
    `go fetches ${modulePath} from its origin (GOPROXY entry "direct", or GOPRIVATE/GONOPROXY): the origin must serve a go-import meta tag at ${url}, or list the module on a proxy`,
  badSubdir: (): string => 'fix the fourth field of the go-import meta tag: a subdirectory of the repository, without a leading "/" or "-"',
  noAllowedScheme: (): string => 'GIT_ALLOW_PROTOCOL lists the schemes go may use for git (colon-separated): include https or ssh',
  /** A schemeless repository (".git" in the path): the schemes go pings, then the first one's own fix. */
  schemeless: (schemes: readonly string[], repo: string, firstScheme: string, firstHint: string): string =>
    `go pings ${schemes.join(', ')} for ${repo} (vcs.go: GOINSECURE adds git and http; GIT_ALLOW_PROTOCOL decides which are secure) and uses the first that lists the repository; for ${firstScheme}: ${firstHint}`,
  metaMismatch: (modulePath: string, prefix: string, firstURL: string): string =>
    `the go-import tag at ${firstURL} names ${prefix} as the repository root of ${modulePath}, and the page of ${prefix} does not confirm it: serve a tag whose prefix is the real repository root on both pages (GitLab subgroups: GitLab answers a client without a token with the group as root; give go a .netrc for the GitLab host so the page is right, or use the repository's full path with .git in the module path)`,
  vcsDisallowed: (vcs: string, root: string): string =>
    `GOVCS decides which version control systems go may run (default git|hg for public paths, all for GOPRIVATE ones): allow ${vcs} for ${root} (GOVCS=${root}:${vcs}), add ${root} to GOPRIVATE, or serve the module from a proxy`,
  badRepoURL: (): string => 'fix the go-import meta tag',
  // The git hop (githop.ts): git's own configuration.
  gitConfigUnreadable: (): string => 'fix the git configuration file named in the message (the ConfigMap or Secret mounted as ~/.gitconfig)',
  insteadOfEmpty: (): string => 'give every url.<base>.insteadOf in the git configuration a value',
  // Over https (githttps.ts): credentials, statuses, the smart HTTP protocol.
  credentialHelperNotChecked: (): string => 'to have the probe check it, give git the credential as a .netrc or a credential.helper=store file (what a CI pod mounts from a Secret)',
  netrcRejected: (hostname: string, host: string): string =>
    `the .netrc entry for ${hostname} is rejected by ${host}: renew the token in the .netrc Secret (git reads $HOME/.netrc through libcurl; machine ${hostname} login USER password TOKEN)`,
  noCredentials: (host: string, hostname: string): string =>
    `git finds no credentials for ${host} and may not prompt (go runs it with GIT_TERMINAL_PROMPT=0): mount a .netrc Secret at $HOME/.netrc (machine ${hostname} login USER password TOKEN), or set credential.helper=store with a ~/.git-credentials Secret (https://USER:TOKEN@${host})`,
  credentialsRejected: (host: string, from: string): string =>
    `renew or fix the credentials git sends for ${host} (they come from ${from}): an expired token, or a user without read access to the repository`,
  repoNotFound: (rewrite: GitRewriteFacts | undefined): string =>
    `check the repository URL ${rewrite ? `(url.${rewrite.base}.insteadOf ${rewrite.insteadOf} rewrote ${rewrite.goURL}) ` : ''}that the go-import tag names, and that the account may read it (some servers answer 404 for a private repository)`,
  /** 403: refused to the credentials sent (from where), or to an anonymous client. */
  repoForbidden: (host: string, credentialsFrom: string | undefined): string =>
    `${host} refuses the repository to ${credentialsFrom ? `the credentials from ${credentialsFrom}` : 'an anonymous client'}: give the account read access, or mount credentials that have it`,
  gitBadStatus: (host: string, statusLine: string): string => `the git server at ${host} answers ${statusLine}: check the server and the URL`,
  lsRefsRefused: (host: string): string =>
    `the git server at ${host} refuses the ls-refs request: check the server (and any proxy in front of it) lets POST to git-upload-pack through`,
  /** An ERR packet: the git server refusing in its own words ("remote error: <msg>"). */
  gitRemoteError: (base: string, gitMessage: string): string =>
    `the git server at ${base} refuses the request (${gitMessage}): check the account's access to the repository and the server's logs`,
  notSmartHttp: (base: string): string =>
    `what answers at ${base} does not speak git's smart HTTP protocol as git reads it: check that the URL reaches the git server (not a login page or a middlebox) and the server's logs`,
  // Over ssh (gitssh.ts), past ssh's own failures (hintFor's proxy.git_* cases).
  sshNotGit: (): string => 'what answers git-upload-pack on the ssh server is not git: check the account\'s shell or forced command',
  // The tag go looks for (githttps.ts judgeRefs).
  revisionNear: (near: readonly string[], tag: string, repoRoot: string): string =>
    `the repository has ${near.join(', ')} but go looks for ${tag}: the module's directory in the repository (the go-import prefix ${repoRoot}) decides the tag's prefix`,
  revisionMissing: (tag: string): string => `push the tag ${tag} to the repository, or ask for a version that exists`,
} as const;

/** Findings' hints: what to change for something go survives today (a warn) or that the probe did not check (an info). */
export const findingHints = {
  /** tcp.family_fallback: go reaches the host over the other family after its 300 ms delay. */
  familyFallback: (family: string, recordType: 'A' | 'AAAA'): string =>
    `Every new connection to this host waits 300 ms. Allow ${family} egress to it (a NetworkPolicy needs an ipBlock for each family's CIDR), or remove the ${recordType} records the pod cannot reach.`,
  /** tcp.family_unreachable: the family go does not need today. */
  familyUnreachable: (family: string): string =>
    `A pod or a node whose address order prefers ${family} would pay go's 300 ms fallback delay or fail: allow ${family} egress too if the cluster is dual-stack.`,
  /** tls.expires_soon (--cert-warn-days). */
  certificateExpiresSoon: (): string => 'renew it before go starts failing with "certificate has expired"',
  unauthenticatedTiles: (): string => 'purge the sumdb tiles from the proxy cache, or report it to the checksum database operator',
  toolchainZipNotHashed: (): string => 'run the probe with --hash-toolchain (GOMODPROBE_HASH_TOOLCHAIN=true) to download the toolchain zip whole and compare its hash',
} as const;

/**
 * How long go itself waits before giving up on this cause, for failures the probe calls sooner
 * (go's dial timeout includes DNS; its HTTP client has no overall request timeout).
 */
export function goWouldWaitFor(cause: Cause): string | undefined {
  const layer = layerCauseOf(cause) ?? cause;
  switch (layer) {
    case 'dns.timeout':
      return 'up to 30s (the dial timeout, DNS included; resolv.conf timeout x attempts per server and name)';
    case 'tcp.timeout':
      return 'up to 30s (the dial timeout)';
    case 'tcp.proxy_connect_timeout':
      return "10s for an https proxy's TLS handshake, 1m for the answer to CONNECT (net/http's timeouts)";
    case 'tls.timeout':
    case 'tls.hello_dropped':
      return '10s (the TLS handshake timeout)';
    case 'http.timeout':
      return 'without limit: go has no overall request timeout, so a server that stalls after accepting the request hangs go mod download';
    default:
      return undefined;
  }
}

/**
 * How long go's git waits where the probe gave up sooner: go puts no time limit on git, so git's own
 * (libcurl's) limits decide, not go's dial and handshake timeouts.
 */
export function gitWouldWaitFor(code: string): string | undefined {
  switch (code) {
    // libcurl's own connect timeout is 300 s (curl 7.88 DEFAULT_CONNECT_TIMEOUT): the kernel gives up first.
    case 'tcp.timeout':
      return "until the kernel gives up on the SYN (about 130 s with Linux's default tcp_syn_retries=6) per address: go sets no limit on git, and libcurl's own connect timeout is 300 s";
    // git sets no low-speed limit unless http.lowSpeedLimit/Time say so: a trickling server holds go as long as it trickles.
    case 'http.timeout':
      return 'as long as the server keeps the answer coming: git has no read timeout unless http.lowSpeedLimit and http.lowSpeedTime are set';
    default:
      return undefined;
  }
}

/** A NetworkPolicy ipBlock holds one family: a rule written for the IPv4 address leaves the IPv6 one dropped. */
function ipv6Note(f: HintFacts): string {
  if (!f.ipv6Dialed || f.ipv6Dialed.length === 0) return '';
  return ` go dialed it over IPv6 (${f.ipv6Dialed.slice(0, 3).join(', ')}): an ipBlock rule is per address family, so allow the IPv6 CIDR too (/128).`;
}
