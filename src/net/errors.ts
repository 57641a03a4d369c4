// The layer errors of one hop, undici style: one class per layer with a stable `code` that callers
// switch on, never the message. Each carries what every failure needs: the cause (`code`), the target
// (host, host:port or URL), the detail (`message`: what was seen), the text go would print (`goError`)
// and the evidence for report.json. The layers are dns, tcp, tls and http (a LayerCause each), the
// module protocol spoken over them (a ModuleCause), ssh for the git hop (a SshCause, net/gitssh.ts's
// GitSshError), and go refusing by itself above them all (a PolicyCause). stages/failure.ts turns one into a
// stage's failure.

import type { DnsCause, HttpCause, LayerCause, ModuleCause, PolicyCause, SshCause, TcpCause, TlsCause } from '../causes.js';
import { ProbeError } from '../errors.js';
import type { DialAttempt } from './dialer.js';
import type { LookupResult } from './resolver.js';
import type { TlsDiagnosis } from './tls.js';

export type Layer = 'dns' | 'tcp' | 'tls' | 'http' | 'module' | 'ssh' | 'go';

/** Every code a layer error carries. */
export type LayerErrorCode = LayerCause | ModuleCause | SshCause | PolicyCause;

export abstract class LayerError extends ProbeError {
  abstract readonly layer: Layer;
  declare readonly code: LayerErrorCode;
  /** What failed: the host looked up, the host:port dialed, the URL requested. */
  readonly target: string;
  /** The text go would print for it (without the request's `Get "<url>": `). */
  readonly goError: string;
  /** JSON-serialisable evidence for report.json (the lookup, the dial attempts, the TLS summary). */
  readonly evidence: Readonly<Record<string, unknown>>;
  constructor(code: LayerErrorCode, target: string, detail: string, goError: string, evidence: Readonly<Record<string, unknown>> = {}) {
    super(code, detail);
    this.target = target;
    this.goError = goError;
    this.evidence = evidence;
  }
  /** What was seen on the wire. */
  get detail(): string {
    return this.message;
  }
}

/** The host go dials did not resolve (net.DNSError). */
export class DnsError extends LayerError {
  readonly layer = 'dns' as const;
  declare readonly code: DnsCause;
  /** The names tried and every query sent. */
  readonly lookup: Omit<LookupResult, 'addresses'>;
  constructor(code: DnsCause, target: string, detail: string, goError: string, lookup: Omit<LookupResult, 'addresses'>) {
    super(code, target, detail, goError, { lookup });
    this.name = 'DnsError';
    this.lookup = lookup;
  }
}

/** No connection to the address, the proxy, or through the proxy's tunnel (net.OpError, proxyconnect). */
export class TcpError extends LayerError {
  readonly layer = 'tcp' as const;
  declare readonly code: TcpCause;
  readonly attempts: readonly DialAttempt[];
  constructor(code: TcpCause, target: string, detail: string, goError: string, attempts: readonly DialAttempt[]) {
    super(code, target, detail, goError, { attempts });
    this.name = 'TcpError';
    this.attempts = attempts;
  }
}

/** The handshake failed, or its certificate does not verify as go's crypto/x509 judges it. */
export class TlsError extends LayerError {
  readonly layer = 'tls' as const;
  declare readonly code: TlsCause;
  /** Why the chain is not trusted (tls.unknown_authority): read once here, from the verification. */
  readonly diagnosis?: TlsDiagnosis;
  constructor(code: TlsCause, target: string, detail: string, goError: string, evidence: Readonly<Record<string, unknown>>, diagnosis?: TlsDiagnosis) {
    super(code, target, detail, goError, evidence);
    this.name = 'TlsError';
    if (diagnosis !== undefined) this.diagnosis = diagnosis;
  }
}

/** The connection is up but the exchange failed: no valid HTTP, too slow, too large, an HTTP/2 reset. */
export class HttpError extends LayerError {
  readonly layer = 'http' as const;
  declare readonly code: HttpCause;
  constructor(code: HttpCause, url: string, detail: string, goError: string) {
    super(code, url, detail, goError);
    this.name = 'HttpError';
  }
  get url(): string {
    return this.target;
  }
}

/**
 * A GOPROXY or checksum database answered, but not as the module protocol needs: a status go treats as an
 * error (its HTTPError: "reading <url>: 404 Not Found"), or a body go cannot use. Its code names the
 * failure without a stage; the stage that met it names the cause (causes.ts stagedModuleCause).
 */
export class ProtocolError extends LayerError {
  readonly layer = 'module' as const;
  declare readonly code: ModuleCause;
  /** The answer's status, when the failure is one (absent for a body go cannot use). */
  readonly status?: number;
  readonly statusLine?: string;
  constructor(code: ModuleCause, url: string, detail: string, goError: string, answer?: { readonly status: number; readonly statusLine: string }) {
    super(code, url, detail, goError, answer ? { status: answer.status } : {});
    this.name = 'ProtocolError';
    if (answer) {
      this.status = answer.status;
      this.statusLine = answer.statusLine;
    }
  }
}

/**
 * go refusing by itself, no layer failing: its GOPROXY list (stages/gowalk.ts), its web client's redirect
 * policy and file:// reads (net/goweb.ts). The code names the rule; causes.ts policyStageCause names the cause.
 */
export class PolicyError extends LayerError {
  readonly layer = 'go' as const;
  declare readonly code: PolicyCause;
  constructor(code: PolicyCause, target: string, detail: string, goError: string) {
    super(code, target, detail, goError);
    this.name = 'PolicyError';
  }
}

/** go's HTTPError by status (cmd/go/internal/web/api.go): 404 and 410 are "not exist", the rest errors. */
export function moduleStatusCause(status: number): ModuleCause {
  if (status === 404) return 'module.not_found';
  if (status === 410) return 'module.gone';
  if (status === 401 || status === 403) return 'module.auth_required';
  return status >= 500 ? 'module.server_error' : 'module.bad_status';
}

/** A hop that could not be opened: one of the three layers under HTTP. */
export type HopError = DnsError | TcpError | TlsError;

export function isHopError(err: unknown): err is HopError {
  return err instanceof DnsError || err instanceof TcpError || err instanceof TlsError;
}
