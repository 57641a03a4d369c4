// An object store for the lab: serves module zips the GOPROXY redirects to (the S3/GCS hop), with
// faults for the redirect failures the probe must name: loops, long chains, https -> http, errors.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveHttp, type HttpServing } from './serve.js';

export interface StorageFaults {
  /** Answer object requests with this status. */
  status?: number;
  /** Redirect to the same URL forever. */
  loop?: boolean;
  /** Redirect this many times (/hop/N -> /hop/N-1 ... -> the object). */
  chain?: number;
  /** Redirect to this absolute URL (e.g. an http:// URL, or a host that is blackholed). */
  redirectTo?: string;
  /** Serve an HTML page with 200 instead of the zip. */
  notZip?: boolean;
  silent?: boolean;
  /** Wait this long before answering (a slow object store). */
  delayMs?: number;
}

export interface StorageOptions {
  readonly host?: string;
  readonly port?: number;
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly objects: (key: string) => Buffer | undefined;
}

export class StorageFixture {
  readonly requests: string[] = [];
  faults: StorageFaults = {};
  #serving: HttpServing | undefined;
  readonly #opts: StorageOptions;

  private constructor(opts: StorageOptions) {
    this.#opts = opts;
  }

  static async start(opts: StorageOptions): Promise<StorageFixture> {
    const fixture = new StorageFixture(opts);
    fixture.#serving = await serveHttp(opts, (req, res) => fixture.handle(req, res));
    return fixture;
  }

  get port(): number {
    return this.#serving!.port;
  }

  url(hostname: string): string {
    return this.#serving!.url(hostname);
  }

  /** The presigned-style URL of an object, as a proxy would put it in Location. */
  objectURL(hostname: string, key: string): string {
    return `${this.url(hostname)}/bucket/${key}?X-Amz-Expires=300&X-Amz-Signature=0123456789abcdef`;
  }

  async close(): Promise<void> {
    await this.#serving?.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url.pathname);
    const f = this.faults;
    if (f.silent) return;
    if (f.delayMs) {
      setTimeout(() => this.respond(url, res), f.delayMs).unref();
      return;
    }
    this.respond(url, res);
  }

  private respond(url: URL, res: ServerResponse): void {
    const f = this.faults;
    const hop = /^\/hop\/(\d+)(\/bucket\/.*)$/.exec(url.pathname);
    if (hop) {
      const n = Number(hop[1]);
      const sep = url.search ? '&' : '?';
      const next = n <= 1 ? `${hop[2]}${url.search}${sep}final=1` : `/hop/${n - 1}${hop[2]}${url.search}`;
      res.writeHead(302, { location: next });
      res.end();
      return;
    }
    if (!url.pathname.startsWith('/bucket/')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('NoSuchKey');
      return;
    }
    if (f.loop) {
      res.writeHead(302, { location: `${url.pathname}${url.search}` });
      res.end();
      return;
    }
    if (f.chain && f.chain > 0 && !url.searchParams.has('final')) {
      res.writeHead(302, { location: `/hop/${f.chain}${url.pathname}${url.search}` });
      res.end();
      return;
    }
    if (f.redirectTo) {
      res.writeHead(302, { location: f.redirectTo });
      res.end();
      return;
    }
    if (f.status !== undefined) {
      res.writeHead(f.status, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>');
      return;
    }
    if (f.notZip) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Access portal</body></html>');
      return;
    }
    const body = this.#opts.objects(decodeURIComponent(url.pathname.slice('/bucket/'.length)));
    if (!body) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length });
    res.end(body);
  }
}
