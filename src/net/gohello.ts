// go's ClientHello toward each https origin, on a connection of its own beside the verifying handshake.
// Node's OpenSSL 3.0 cannot make ML-KEM shares, so the verifying handshake offers a small hello; a
// middlebox that drops or resets go 1.24+'s 1.5 KB hello (its size, or the hybrid group) would let the
// probe through in front of a build that then times out. This sends the modelled go's exact hello once
// per origin and judges the server's first answer.

import type { TlsCause } from '../causes.js';
import { buildClientHello, goHelloProfile, groupName, sendHello, type GoTlsModel, type HelloAnswer, type HelloProfile } from './clienthello.js';
import type { Socket } from 'node:net';
import { alertText } from './tlswire.js';
import { opBudgetMs } from '../budget.js';

/** What go's hello met, or why it was not sent. */
export interface GoHelloCheck {
  readonly go: string;
  readonly groups: readonly string[];
  readonly keyShares: readonly string[];
  readonly answer?: HelloAnswer;
  /** The extra connection could not be opened (the verifying one decides then). */
  readonly notSent?: string;
}

/** Once per origin and run: the verifying handshakes of the HTTP client's later connections reuse it. */
export class GoHelloChecks {
  readonly model: GoTlsModel;
  readonly #profile: HelloProfile;
  readonly #checks = new Map<string, Promise<GoHelloCheck>>();
  readonly #closing = new AbortController();

  constructor(model: GoTlsModel) {
    this.model = model;
    this.#profile = goHelloProfile(model);
  }

  /**
   * Starts (or returns the running) check of one origin (`key`: the origin and the proxy it is reached
   * through): its own connection, opened by `connect` through the same dialer and CONNECT tunnel as the
   * verifying handshake, then go's hello for `host`. Never rejects. Bounded by the run's per-operation
   * timeout (connect, then the answer) and the run's end, not by the caller's signal: the result is
   * shared, and one caller giving up must not read as silence to the next.
   */
  check(key: string, host: string, timeoutMs: number, connect: ConnectFn): Promise<GoHelloCheck> {
    let running = this.#checks.get(key);
    if (!running) {
      running = this.#run(host, timeoutMs, this.#closing.signal, connect);
      this.#checks.set(key, running);
    }
    return running;
  }

  async #run(host: string, timeoutMs: number, signal: AbortSignal, connect: ConnectFn): Promise<GoHelloCheck> {
    const p = this.#profile;
    const base = {
      go: `go1.${this.model.minor}${this.model.godebug ? ` GODEBUG=${this.model.godebug}` : ''}`,
      groups: p.groups.map(groupName),
      keyShares: p.keyShareGroups.map(groupName),
    };
    const connecting = connect(signal);
    connecting.catch(() => undefined);
    // The hello (its key shares: ~4 ms with the image's V8 flags) is built while the SYN travels, a turn
    // after the caller's own connect has gone out, not between the connect and the verifying handshake.
    await new Promise((resolve) => setImmediate(resolve));
    const hello = buildClientHello(p, host);
    let socket;
    try {
      socket = (await connecting).socket;
    } catch (err) {
      return { ...base, notSent: err instanceof Error ? err.message : String(err) };
    }
    const answer = await sendHello(socket, hello, { signal, timeoutMs: opBudgetMs(timeoutMs, 'layer') });
    return { ...base, answer };
  }

  /** Ends checks still under way (a dropped hello must not hold the run open). */
  close(): void {
    this.#closing.abort(new Error('the run is closing'));
  }
}

/** Opens the check's own connection to the origin (hop.ts's connect, through the run's dialer and proxy). */
type ConnectFn = (signal: AbortSignal) => Promise<{ readonly socket: Socket }>;

export interface HelloVerdict {
  readonly cause: TlsCause;
  readonly message: string;
  readonly goError: string;
}

/**
 * go's verdict when its hello met something the small hello did not: silence is go's 10 s TLS handshake
 * timeout, a reset or a close is the read error of its handshake (crypto/tls conn.go readRecord), an
 * alert is the server refusing the hello (`remote error: tls: …`, alert.go).
 */
export function judgeGoHello(check: GoHelloCheck, smallHelloBytes: string): HelloVerdict | undefined {
  const a = check.answer;
  if (!a) return undefined;
  const sent = `go's ClientHello (${a.sentBytes} bytes, ${check.keyShares.join(' + ')} key shares, as ${check.go} sends it)`;
  switch (a.kind) {
    case 'timeout':
      return {
        cause: 'tls.hello_dropped',
        message: `${sent} got no answer within ${Math.round(a.ms)} ms, while ${smallHelloBytes} was answered: something on the path drops go's hello`,
        goError: 'net/http: TLS handshake timeout',
      };
    case 'reset':
      return {
        cause: 'tls.hello_reset',
        message: `${sent} was answered with a TCP reset, while ${smallHelloBytes} was answered: something on the path resets go's hello`,
        goError: `read tcp ${a.addresses}: read: connection reset by peer`,
      };
    case 'closed':
      return {
        cause: 'tls.hello_reset',
        message: `the connection was closed after ${sent}, while ${smallHelloBytes} was answered: something on the path cuts go's hello`,
        goError: 'EOF',
      };
    case 'alert':
      return {
        cause: 'tls.handshake_failed',
        message: `the server refused ${sent} with TLS alert ${a.alert}, while ${smallHelloBytes} was accepted`,
        goError: `remote error: ${alertText(a.alert ?? 0)}`,
      };
    default:
      return undefined;
  }
}
