// One debug line per network operation (a DNS lookup, a connect, a TLS handshake, an HTTP request):
// its target, outcome and milliseconds, through the logger of the stage (or the pipeline's own work)
// that asked for it, so that `--log-level debug` shows each operation and `info` none.
//
// Why an AsyncLocalStorage and not an argument: the net layer is shared by the stages (one HTTP client
// and one connection pool per run), and a connect undici makes for a stage's request reaches
// src/net/hop.ts through undici's connector, with no argument path back to that stage. probe.ts runs
// each stage inside withOpLog(its child logger), and only at debug level: at info no store is entered
// (Node 20's AsyncLocalStorage costs on every promise once used) and logNetOp is one check.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

const opLogger = new AsyncLocalStorage<Logger>();

/** Runs `fn` with `log` as the logger of the network operations it starts (only when debug is on). */
export function withOpLog<T>(log: Logger, fn: () => T): T {
  return log.isLevelEnabled('debug') ? opLogger.run(log, fn) : fn();
}

export type NetOpKind = 'dns' | 'connect' | 'tls' | 'http';

export interface NetOpLine {
  readonly op: NetOpKind;
  /** host, host:port or a redacted URL: never a URL with its userinfo. */
  readonly target: string;
  /** 'ok', or the cause code of the failure (dns.nxdomain, tcp.refused, tls.expired, an HTTP status...). */
  readonly outcome: string;
  readonly ms: number;
  readonly [detail: string]: unknown;
}

/** True when some caller up the async chain wants network operations logged. */
export function opLogging(): boolean {
  return opLogger.getStore() !== undefined;
}

export function logNetOp(line: NetOpLine): void {
  const log = opLogger.getStore();
  if (!log) return;
  log.debug({ event: 'net.op', ...line, ms: Math.round(line.ms) }, `${line.op} ${line.target}: ${line.outcome} (${Math.round(line.ms)} ms)`);
}

/**
 * Runs one operation and logs it: `describe` adds what the success shows (addresses, protocol); a
 * failure's outcome is its cause code.
 */
export async function loggedOp<T>(op: NetOpKind, target: string, work: () => Promise<T>, describe: (value: T) => Record<string, unknown> = () => ({})): Promise<T> {
  if (!opLogging()) return work();
  const started = performance.now();
  try {
    const value = await work();
    logNetOp({ op, target, outcome: 'ok', ms: performance.now() - started, ...describe(value) });
    return value;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    logNetOp({ op, target, outcome: typeof code === 'string' ? code : 'error', ms: performance.now() - started });
    throw err;
  }
}
