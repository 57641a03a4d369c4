// Loopback peers that misbehave on purpose, one behaviour each: raw TCP servers for the TLS layer, an
// HTTP/1.1 front over TLS that mangles the lab GOPROXY's answers byte by byte, and DNS reply crafting.
// Every peer tracks its sockets and destroys them on close, so a case never leaks into the next.

import { request as httpsRequest } from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import type { DnsParsedQuery, DnsRawContext } from '../../src/lab/dns-server.js';

/** A TCP server whose every connection is handed to `onConnection`. */
export class TcpPeer {
  readonly #server: net.Server;
  readonly #sockets = new Set<Socket>();
  connections = 0;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(onConnection: (socket: Socket) => void): Promise<TcpPeer> {
    const server = net.createServer();
    const peer = new TcpPeer(server);
    server.on('connection', (s) => {
      peer.connections++;
      peer.#sockets.add(s);
      s.on('close', () => peer.#sockets.delete(s));
      s.on('error', () => s.destroy());
      onConnection(s);
    });
    await listen(server);
    return peer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function listen(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/** Reads until the client has sent something (its ClientHello), then calls `then`. */
export function afterFirstBytes(then: (socket: Socket, first: Buffer) => void): (socket: Socket) => void {
  return (socket) => socket.once('data', (d: Buffer) => then(socket, d));
}

/** A TLS server presenting `cert` (a PEM chain, leaf first) that answers every request 200 "ok". */
export async function tlsServer(opts: { cert: string; key: string }): Promise<TcpPeer & { readonly handshakes: number }> {
  let handshakes = 0;
  const peer = await TcpPeer.start((socket) => {
    const t = new tls.TLSSocket(socket, { isServer: true, cert: opts.cert, key: opts.key, ALPNProtocols: ['http/1.1'] });
    t.on('error', () => socket.destroy());
    t.on('secure', () => handshakes++);
    t.on('data', () => t.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
  });
  return Object.defineProperty(peer, 'handshakes', { get: () => handshakes }) as TcpPeer & { readonly handshakes: number };
}

export interface FrontRequest {
  readonly method: string;
  /** The request target exactly as received (still percent-encoded). */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

export type FrontHandler = (req: FrontRequest, socket: tls.TLSSocket, front: HttpFront) => Promise<void> | void;

const MAX_REQUEST_HEAD = 1024 * 1024;

/**
 * An HTTP/1.1 server over TLS written by hand, so that a case can put any bytes on the wire (a header of
 * 1 MB, a Location with raw UTF-8 or a bare CR, a body that never ends). It can fetch what the real lab
 * GOPROXY would answer (`upstream`) and pass it on, mangled.
 */
export class HttpFront {
  readonly requests: FrontRequest[] = [];
  handler: FrontHandler;
  readonly #server: tls.Server;
  readonly #sockets = new Set<Socket>();
  readonly #upstream: { port: number; servername: string; ca: string } | undefined;

  private constructor(server: tls.Server, handler: FrontHandler, upstream?: { port: number; servername: string; ca: string }) {
    this.#server = server;
    this.handler = handler;
    this.#upstream = upstream;
  }

  static async start(opts: { cert: string; key: string; handler: FrontHandler; upstream?: { port: number; servername: string; ca: string } }): Promise<HttpFront> {
    const server = tls.createServer({ cert: opts.cert, key: opts.key, ALPNProtocols: ['http/1.1'] });
    const front = new HttpFront(server, opts.handler, opts.upstream);
    server.on('connection', (s: Socket) => {
      front.#sockets.add(s);
      s.on('close', () => front.#sockets.delete(s));
    });
    server.on('secureConnection', (s) => front.#serve(s));
    server.on('tlsClientError', () => undefined);
    await listen(server);
    return front;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  #serve(socket: tls.TLSSocket): void {
    socket.on('error', () => socket.destroy());
    let buf = Buffer.alloc(0);
    let busy = false;
    const next = async (): Promise<void> => {
      if (busy) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_REQUEST_HEAD) socket.destroy();
        return;
      }
      const head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + 4);
      const [requestLine = '', ...headerLines] = head.split('\r\n');
      const [method = '', target = ''] = requestLine.split(' ');
      const headers: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const req = { method, target, headers };
      this.requests.push(req);
      busy = true;
      try {
        await this.handler(req, socket, this);
      } catch {
        socket.destroy();
      }
      busy = false;
      if (!socket.destroyed) void next();
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      void next();
    });
  }

  /** What the real lab GOPROXY answers for this request target (no redirect following). */
  upstream(target: string): Promise<UpstreamResponse> {
    const up = this.#upstream;
    if (!up) throw new Error('HttpFront: no upstream configured');
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: up.port, path: target, servername: up.servername, ca: up.ca, headers: { host: `${up.servername}:${up.port}` }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: [string, string][] = [];
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
            resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const REASONS: Readonly<Record<number, string>> = { 200: 'OK', 302: 'Found', 404: 'Not Found', 410: 'Gone', 500: 'Internal Server Error' };

/**
 * One complete response as raw bytes. Header values are written byte for byte (a Buffer value keeps
 * non-ASCII bytes as they are); Content-Length is added unless the headers set framing themselves.
 */
export function rawResponse(status: number, headers: readonly (readonly [string, string | Buffer])[], body: Buffer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n`, 'latin1')];
  const framed = headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k));
  for (const [k, v] of headers) parts.push(Buffer.from(`${k}: `, 'latin1'), typeof v === 'string' ? Buffer.from(v, 'latin1') : v, Buffer.from('\r\n'));
  if (!framed) parts.push(Buffer.from(`content-length: ${body.length}\r\n`));
  parts.push(Buffer.from('\r\n'), body);
  return Buffer.concat(parts);
}

/** The upstream headers minus framing and hop-by-hop ones, ready to be re-framed. */
export function passHeaders(res: UpstreamResponse): [string, string][] {
  return res.headers.filter(([k]) => !/^(content-length|transfer-encoding|connection|keep-alive|date)$/i.test(k)).map(([k, v]) => [k, v]);
}

/** Writes `data`, waiting for the socket to drain; false when the peer went away. */
export function writeWithBackpressure(socket: Socket, data: Buffer): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  if (socket.write(data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- DNS ----

/** A well-formed DNS reply to `q` built with dns-packet (answers as given; flags default: response, RD, RA). */
export function dnsReply(q: DnsParsedQuery, answers: dnsPacket.Answer[], flags = 0x8180): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: (flags & 0x7fff) | (q.flags & dnsPacket.RECURSION_DESIRED),
    questions: [{ type: q.type as dnsPacket.RecordType, name: q.name.replace(/\.$/, ''), class: 'IN' }],
    answers,
  });
}

/** The header and question section of the query, turned into a reply header announcing `counts`. */
export function replyHead(q: DnsParsedQuery, ri: DnsRawContext, counts: { an: number; flags?: number; id?: number }): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(counts.id ?? q.id, 0);
  h.writeUInt16BE(counts.flags ?? 0x8180, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(counts.an, 6);
  // The question ends where the query's additional section (its EDNS0 OPT record, 11 bytes) starts.
  const qdEnd = 12 + questionLength(ri.raw);
  return Buffer.concat([h, ri.raw.subarray(12, qdEnd)]);
}

function questionLength(raw: Buffer): number {
  let i = 12;
  while (i < raw.length && raw[i] !== 0) i += raw[i]! + 1;
  return i + 1 + 4 - 12;
}

/** An A record whose owner is a compression pointer to `ptr`, in wire form. */
export function aRecordAt(ptr: number, ip: readonly number[]): number[] {
  return [0xc0 | (ptr >> 8), ptr & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip];
}
