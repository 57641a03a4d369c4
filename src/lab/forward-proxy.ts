// An HTTP forward proxy for the lab (what HTTPS_PROXY/HTTP_PROXY point at): CONNECT tunnels for https,
// absolute-form forwarding for http, and the faults of real egress proxies: 407, 403, a tunnel that
// closes at once, and a Location header cut down to its path (the "stripped host" middlebox).

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import net, { type Socket } from 'node:net';
import { listen, type Listening } from './serve.js';

export interface ForwardProxyFaults {
  /** Require Proxy-Authorization: Basic base64(user:pass), else 407. */
  auth?: { user: string; pass: string };
  /** Refuse CONNECT to these host names with 403. */
  forbid?: readonly string[];
  /** Answer CONNECT with 200 and close the tunnel at once. */
  closeAfterConnect?: boolean;
  /** Rewrite Location headers of forwarded http responses to their path only. */
  stripLocationHost?: boolean;
  /** Rewrite Location headers of forwarded http responses with this function (a registry mirror's rewrite). */
  rewriteLocation?: (location: string) => string;
}

export interface ForwardProxyOptions {
  readonly host?: string;
  readonly port?: number;
  /** Lab names -> loopback addresses (the proxy resolves like the cluster would). */
  readonly resolve: (host: string) => string | undefined;
  /** Serve the proxy itself over TLS (an https:// HTTPS_PROXY): PEM certificate chain and key. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export class ForwardProxyFixture {
  readonly requests: string[] = [];
  faults: ForwardProxyFaults = {};
  #listening: Listening | undefined;
  readonly #opts: ForwardProxyOptions;

  private constructor(opts: ForwardProxyOptions) {
    this.#opts = opts;
  }

  static async start(opts: ForwardProxyOptions): Promise<ForwardProxyFixture> {
    let fixture: ForwardProxyFixture | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => fixture!.forward(req, res);
    const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createServer(handler);
    fixture = new ForwardProxyFixture(opts);
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => fixture!.connect(req, socket, head));
    fixture.#listening = await listen(server, opts);
    return fixture;
  }

  get port(): number {
    return this.#listening!.port;
  }

  url(hostname = '127.0.0.1', userinfo?: string): string {
    return `${this.#opts.tls ? 'https' : 'http'}://${userinfo ? `${userinfo}@` : ''}${hostname}:${this.port}`;
  }

  async close(): Promise<void> {
    await this.#listening?.close();
  }

  private authorized(req: IncomingMessage): boolean {
    const a = this.faults.auth;
    if (!a) return true;
    return req.headers['proxy-authorization'] === `Basic ${Buffer.from(`${a.user}:${a.pass}`).toString('base64')}`;
  }

  private connect(req: IncomingMessage, client: Socket, head: Buffer): void {
    const authority = req.url ?? '';
    this.requests.push(`CONNECT ${authority}`);
    client.on('error', () => client.destroy());
    if (!this.authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="lab"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
    const host = m?.[1] ?? '';
    if (!m || (this.faults.forbid ?? []).includes(host)) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (this.faults.closeAfterConnect) {
      client.end('HTTP/1.1 200 Connection established\r\n\r\n');
      return;
    }
    const address = net.isIP(host) ? host : this.#opts.resolve(host);
    if (!address) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: address, port: Number(m[2]) });
    upstream.on('error', () => {
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    if (!this.authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="lab"' });
      res.end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400);
      res.end('absolute-form request expected');
      return;
    }
    const address = net.isIP(target.hostname) ? target.hostname : this.#opts.resolve(target.hostname);
    if (!address || target.protocol !== 'http:') {
      res.writeHead(502);
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = httpRequest(
      { host: address, port: Number(target.port || 80), path: `${target.pathname}${target.search}`, method: req.method, headers },
      (upRes) => {
        const out = { ...upRes.headers };
        if (this.faults.stripLocationHost && typeof out.location === 'string') {
          try {
            const loc = new URL(out.location, target);
            out.location = `${loc.pathname}${loc.search}`;
          } catch {
            // leave unparsable Locations alone
          }
        } else if (this.faults.rewriteLocation && typeof out.location === 'string') {
          out.location = this.faults.rewriteLocation(out.location);
        }
        res.writeHead(upRes.statusCode ?? 502, out);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  }
}
