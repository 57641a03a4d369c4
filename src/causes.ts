// Stable, machine-readable cause codes: stages, reports, hints and tests all switch on these,
// never on message text (the undici `code` convention).

export const STAGE_NAMES = ['config', 'dns', 'tcp', 'tls', 'proxy', 'sumdb', 'redirect'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGE_EXIT_CODES: Readonly<Record<StageName, number>> = Object.freeze({
  config: 2,
  dns: 10,
  tcp: 11,
  tls: 12,
  proxy: 13,
  sumdb: 14,
  redirect: 15,
});

export const EXIT = Object.freeze({
  ok: 0,
  internal: 1,
  expectNotMet: 3,
  mustBlockReachable: 4,
});

/** Failure causes of the network layers, shared by every stage that checks a hop. */
export const LAYER_CAUSES = {
  'dns.timeout': 'no DNS server answered in time',
  'dns.nxdomain': 'the name does not exist (NXDOMAIN)',
  'dns.nodata': 'the name exists but has no A/AAAA records',
  'dns.refused': 'the DNS server refused the query (REFUSED)',
  'dns.servfail': 'the DNS server failed (SERVFAIL)',
  'dns.server_misbehaving': 'the DNS server answered with an unexpected rcode or a lame referral',
  'dns.no_nameserver': 'no usable nameserver is configured',
  'dns.malformed': 'the DNS reply could not be parsed',
  'dns.unreachable': 'the DNS server port is closed or unreachable',
  'dns.hosts_only': 'nsswitch.conf says files only and the name is not in /etc/hosts',
  'tcp.refused': 'the connection was refused (RST)',
  'tcp.timeout': 'the connection attempt timed out (SYN dropped)',
  'tcp.unreachable': 'the host or network is unreachable',
  'tcp.permission': 'the local system forbade the connection',
  'tcp.reset': 'the connection was reset',
  'tcp.proxy_refused': 'the HTTP(S) proxy refused the connection',
  'tcp.proxy_auth_required': 'the HTTP(S) proxy requires authentication (407)',
  'tcp.proxy_forbidden': 'the HTTP(S) proxy refused the CONNECT (403)',
  'tcp.proxy_connect_failed': 'the HTTP(S) proxy answered CONNECT with an error',
  'tcp.proxy_connect_timeout': 'the HTTP(S) proxy accepted the connection but did not answer in time (its TLS handshake or CONNECT)',
  'tcp.proxy_unsupported': 'the proxy scheme is not supported by the probe',
  'tls.unknown_authority': 'the certificate chain does not lead to a trusted root',
  'tls.expired': 'a certificate in the chain has expired',
  'tls.not_yet_valid': 'a certificate in the chain is not yet valid',
  'tls.name_mismatch': 'the certificate is not valid for the host name',
  'tls.handshake_failed': 'the TLS handshake failed',
  'tls.protocol': 'the peer did not speak TLS',
  'tls.timeout': 'the TLS handshake timed out',
  'tls.bad_certificate': 'the certificate could not be parsed or used',
  'tls.no_roots': 'the trust store holds no certificates',
  'tls.hello_dropped': "go's ClientHello gets no answer while a small one does (a middlebox drops it)",
  'tls.hello_reset': "go's ClientHello is reset or cut off while a small one is answered (a middlebox kills it)",
  'http.timeout': 'the HTTP response did not arrive in time',
  'http.protocol': 'the server did not answer with valid HTTP',
  'http.too_large': 'the response exceeded the size cap',
  'http.h2_stream_error': 'the server reset the HTTP/2 stream of a request (RST_STREAM)',
  'http.h2_goaway': 'the server ended the HTTP/2 connection (GOAWAY) with a request unanswered',
  'http.insecure_credentials': 'credentials would be sent over plain http',
} as const;

export const STAGE_CAUSES = {
  'config.invalid': 'a Go environment value that go rejects',
  'config.bad_flag': 'a command-line flag or GOMODPROBE_* value is invalid',
  'config.bad_file': 'an input file is missing or cannot be parsed',
  'config.unsupported_url': 'a URL go accepts that the probe cannot check (an IPv6 zone, an IPv4 address in brackets)',
  'config.toolchain_too_old': "the go that would run is older than go.mod's (or go.work's) go line and GOTOOLCHAIN does not let it switch",
  'config.gowork_too_old': "go.work's go line is older than a workspace module's go line: go refuses the workspace",
  'config.toolchain_invalid': 'GOTOOLCHAIN or the go.mod toolchain line names no toolchain go can use',
  'proxy.not_found': 'the module or version does not exist on the proxy (404/410 on the last entry)',
  'proxy.gone': 'the proxy answered 410 Gone on the last entry',
  'proxy.server_error': 'the proxy answered with a server error',
  'proxy.auth_required': 'the proxy requires credentials (401/403)',
  'proxy.bad_response': 'the proxy answered with a body go cannot parse',
  'proxy.bad_status': 'the proxy answered with a status go treats as an error',
  'proxy.off': 'GOPROXY=off forbids fetching the module',
  'proxy.no_entries': 'GOPROXY contains no entries',
  'proxy.disabled': 'the module matches GONOPROXY/GOPRIVATE and no entry may fetch it',
  'proxy.toolchain_not_available': 'no GOPROXY entry serves the toolchain go switches to (golang.org/toolchain)',
  'proxy.direct_failed': 'fetching directly from the module origin fails',
  'proxy.git_auth_required': "git gets no credentials for the module's repository (it may not prompt: GIT_TERMINAL_PROMPT=0)",
  'proxy.git_auth_failed': "the repository rejects the credentials git sends",
  'proxy.git_repo_not_found': 'the repository go names does not exist on its git server',
  'proxy.git_revision_not_found': 'the repository has no tag for the requested version',
  'proxy.git_meta_mismatch': "the go-import meta tags of the module and of its repository root disagree",
  'proxy.git_vcs_disallowed': 'GOVCS forbids the version control system the go-import tag names',
  'proxy.git_host_key_unknown': "ssh does not know the git host's key (no known_hosts entry): Host key verification failed",
  'proxy.git_host_key_changed': "the git host's key differs from the one known_hosts holds for it (or is @revoked)",
  'proxy.git_publickey_denied': 'the ssh server accepts none of the keys ssh offers (deploy key, IdentityFile, agent): Permission denied (publickey)',
  'proxy.git_ssh_failed': 'ssh cannot complete its connection to the git host (banner or key exchange)',
  'proxy.git_protocol': "the git server's answer is not git's smart HTTP protocol as git reads it",
  'proxy.file_error': 'a file:// GOPROXY entry cannot be read (a missing file is a 404, as in go)',
  'sumdb.toolchain_unverified': 'GOSUMDB=off, but go verifies a downloaded toolchain against the checksum database always',
  'sumdb.unavailable_via_proxy': 'the proxy walk for sumdb support ended in an error',
  'sumdb.bad_signature': 'the signed tree head does not verify with the configured key',
  'sumdb.not_found': 'the checksum database has no record for the module',
  'sumdb.bad_proof': 'the record is not proven to be in the signed tree',
  'sumdb.bad_response': 'the checksum database answered with something unparsable',
  'sumdb.checksum_mismatch': 'served content or go.sum differ from the checksum database',
  'sumdb.server_error': 'the checksum database answered with an HTTP error',
  'redirect.location_truncated': 'a redirect Location lost its host and the follow-up fails',
  'redirect.location_rewritten': 'a proxy rewrote the redirect Location',
  'redirect.loop': 'the redirect chain loops',
  'redirect.too_many': 'too many redirects: go stops at the 10th ("stopped after 10 redirects")',
  'redirect.insecure': 'a redirect from https to http, which go refuses',
  'redirect.bad_location': 'a redirect Location that cannot be parsed',
  'redirect.target_dns': 'a redirect target host does not resolve',
  'redirect.target_tcp': 'a redirect target host cannot be connected to',
  'redirect.target_tls': 'a redirect target host fails TLS',
  'redirect.bad_status': 'the final hop did not answer 200',
  'redirect.not_zip': 'the final hop did not serve a zip file',
  'must_block.reachable': 'a target that must be blocked was reachable',
  'deadline.exceeded': 'the global deadline ran out during the stage',
  'interrupted': 'the run was interrupted by a signal',
  'strict.warning': 'with --strict, a warn-level finding (the failure names it)',
} as const;

export type LayerCause = keyof typeof LAYER_CAUSES;
export type StageCause = keyof typeof STAGE_CAUSES;

/** The causes of each layer: the codes of net/errors.ts's DnsError, TcpError, TlsError and HttpError. */
export type DnsCause = Extract<LayerCause, `dns.${string}`>;
export type TcpCause = Extract<LayerCause, `tcp.${string}`>;
export type TlsCause = Extract<LayerCause, `tls.${string}`>;
export type HttpCause = Extract<LayerCause, `http.${string}`>;

/** The stages that meet hosts after the first ones (a later GOPROXY entry, the checksum database, a redirect target). */
export const HOP_STAGES = ['proxy', 'sumdb', 'redirect'] as const;
export type HopStage = (typeof HOP_STAGES)[number];

/**
 * The module protocol's failures: a GOPROXY or checksum database answered, but not as go needs (go's
 * HTTPError for a status, cmd/go/internal/web/api.go; a body go cannot use). The code of net/errors.ts's
 * ProtocolError, never shown as it is: the stage that met the answer names it (stagedModuleCause).
 */
export const MODULE_CAUSES = ['module.not_found', 'module.gone', 'module.auth_required', 'module.server_error', 'module.bad_status', 'module.bad_response'] as const;
export type ModuleCause = (typeof MODULE_CAUSES)[number];

const MODULE_CAUSE_SET: ReadonlySet<string> = new Set(MODULE_CAUSES);

export function isModuleCause(code: string): code is ModuleCause {
  return MODULE_CAUSE_SET.has(code);
}

/**
 * Each module protocol failure as each later stage names it: the proxy stage by the status (modfetch's
 * proxy errors), the sumdb stage as the checksum database answering 404/410 or anything else, the redirect
 * stage as the zip's final hop not answering 200 (or not serving a zip).
 */
const MODULE_CAUSE_AT: { readonly [S in HopStage]: { readonly [C in ModuleCause]: StageCause } } = {
  proxy: {
    'module.not_found': 'proxy.not_found',
    'module.gone': 'proxy.gone',
    'module.auth_required': 'proxy.auth_required',
    'module.server_error': 'proxy.server_error',
    'module.bad_status': 'proxy.bad_status',
    'module.bad_response': 'proxy.bad_response',
  },
  sumdb: {
    'module.not_found': 'sumdb.not_found',
    'module.gone': 'sumdb.not_found',
    'module.auth_required': 'sumdb.server_error',
    'module.server_error': 'sumdb.server_error',
    'module.bad_status': 'sumdb.server_error',
    'module.bad_response': 'sumdb.bad_response',
  },
  redirect: {
    'module.not_found': 'redirect.bad_status',
    'module.gone': 'redirect.bad_status',
    'module.auth_required': 'redirect.bad_status',
    'module.server_error': 'redirect.bad_status',
    'module.bad_status': 'redirect.bad_status',
    'module.bad_response': 'redirect.not_zip',
  },
};

/** The one place a module protocol failure gets the cause of the stage that met it (failure.ts's layerFailure calls it). */
export function stagedModuleCause(stage: HopStage, code: ModuleCause): StageCause {
  return MODULE_CAUSE_AT[stage][code];
}

/**
 * The ssh hop's own failures past dns and tcp (net/gitssh.ts's GitSshError: the host key, the keys offered,
 * the remote git-upload-pack). The git hop is the proxy stage's: each is one of its proxy.git_* causes.
 */
export const SSH_CAUSES = ['git_ssh_failed', 'git_host_key_unknown', 'git_host_key_changed', 'git_publickey_denied', 'git_repo_not_found', 'git_not_checked'] as const;
export type SshCause = (typeof SSH_CAUSES)[number];

const SSH_CAUSE_SET: ReadonlySet<string> = new Set(SSH_CAUSES);

export function isSshCause(code: string): code is SshCause {
  return SSH_CAUSE_SET.has(code);
}

const SSH_STAGE_CAUSE: { readonly [C in SshCause]: StageCause } = {
  git_ssh_failed: 'proxy.git_ssh_failed',
  // A @cert-authority host: the probe does not check it (a finding); as a failure it is ssh's.
  git_not_checked: 'proxy.git_ssh_failed',
  git_host_key_unknown: 'proxy.git_host_key_unknown',
  git_host_key_changed: 'proxy.git_host_key_changed',
  git_publickey_denied: 'proxy.git_publickey_denied',
  git_repo_not_found: 'proxy.git_repo_not_found',
};

/** The one place an ssh hop failure gets its cause (failure.ts's layerFailure calls it). */
export function sshStageCause(code: SshCause): StageCause {
  return SSH_STAGE_CAUSE[code];
}

/**
 * go refusing by itself, no layer failing (net/errors.ts's PolicyError): its GOPROXY list (modfetch/proxy.go:
 * "off", an entry that may not fetch a GONOPROXY/GOPRIVATE path, no entries, a module path it rejects), its
 * web client (net/http's redirect policy as cmd/go sets it, a file:// URL it cannot read). The rule is the
 * cause, whichever stage met it.
 */
export const POLICY_CAUSES = [
  'go.proxy_off', 'go.proxy_disabled', 'go.proxy_not_found', 'go.no_entries', 'go.invalid_module_path',
  'go.redirect_insecure', 'go.redirect_too_many', 'go.redirect_bad_location', 'go.file_error',
] as const;
export type PolicyCause = (typeof POLICY_CAUSES)[number];

const POLICY_CAUSE_SET: ReadonlySet<string> = new Set(POLICY_CAUSES);

export function isPolicyCause(code: string): code is PolicyCause {
  return POLICY_CAUSE_SET.has(code);
}

const POLICY_STAGE_CAUSE: { readonly [C in PolicyCause]: StageCause } = {
  'go.proxy_off': 'proxy.off',
  'go.proxy_disabled': 'proxy.disabled',
  // The walk ended on an entry that may not fetch the module (its last not-exist error).
  'go.proxy_not_found': 'proxy.not_found',
  'go.no_entries': 'proxy.no_entries',
  'go.invalid_module_path': 'config.invalid',
  'go.redirect_insecure': 'redirect.insecure',
  'go.redirect_too_many': 'redirect.too_many',
  'go.redirect_bad_location': 'redirect.bad_location',
  'go.file_error': 'proxy.file_error',
};

/** The one place go's own refusal gets its cause (failure.ts's layerFailure calls it). */
export function policyStageCause(code: PolicyCause): StageCause {
  return POLICY_STAGE_CAUSE[code];
}

/** A layer cause met by a later stage, named with that stage: `sumdb.dns.timeout`, `redirect.tls.unknown_authority`. */
export type StagedLayerCause = `${HopStage}.${LayerCause}`;

/**
 * A cause is a layer cause (`tls.expired`, what stages 1-3 report), a stage cause (`proxy.not_found`), or a
 * layer cause prefixed with the later stage that met the host. Only these spellings type-check: an
 * illegal prefix (`dns.tls.expired`, `sumdb.proxy.not_found`) is not a Cause.
 */
export type Cause = LayerCause | StageCause | StagedLayerCause;

/** The one place a stage prefix is put on a layer cause (failure.ts's layerFailure calls it). */
export function stagedLayerCause(stage: HopStage, cause: LayerCause): StagedLayerCause {
  return `${stage}.${cause}`;
}

export function isLayerCause(code: string): code is LayerCause {
  return Object.hasOwn(LAYER_CAUSES, code);
}

export function isStageCause(code: string): code is StageCause {
  return Object.hasOwn(STAGE_CAUSES, code);
}

/** The layer cause a cause names (`sumdb.dns.timeout` and `dns.timeout` both name `dns.timeout`), if any. */
export function layerCauseOf(cause: string): LayerCause | undefined {
  if (isLayerCause(cause)) return cause;
  const dot = cause.indexOf('.');
  const stage = cause.slice(0, dot);
  const rest = cause.slice(dot + 1);
  return dot > 0 && (HOP_STAGES as readonly string[]).includes(stage) && isLayerCause(rest) ? rest : undefined;
}

export function isCause(code: string): code is Cause {
  return isStageCause(code) || layerCauseOf(code) !== undefined;
}

export function describeCause(cause: string): string {
  if (isStageCause(cause)) return STAGE_CAUSES[cause];
  const layer = layerCauseOf(cause);
  return layer ? LAYER_CAUSES[layer] : cause;
}
