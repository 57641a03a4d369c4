// A real GOPROXY for tests, the demo and the e2e lab: serves a module tree in the module proxy protocol
// (list, info, mod, zip, @latest), the checksum database under /sumdb/<name>/, and redirects .zip to an
// object store. Faults make it misbehave on purpose, one switch per failure the probe must name.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapePath, escapeVersion } from '../goenv/module.js';
import type { BuiltModule } from './modzip.js';
import { serveHttp, type HttpServing } from './serve.js';
import type { SumdbFixture } from './sumdb-server.js';

export interface LabModule {
  readonly path: string;
  readonly version: string;
  readonly time: string;
  readonly built: BuiltModule;
}

export interface GoproxyFaults {
  /** Answer every module request with this status (404, 410, 500, 401, 403...). */
  status?: number;
  /** Only for requests whose path ends with this suffix (".info", ".mod", ".zip", "/list"). */
  statusFor?: string;
  /** Answer module requests 200 with an HTML page (a captive portal). */
  html?: boolean;
  /** Never answer (accept, read, stay silent). */
  silent?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Status for /sumdb/<name>/supported (default 200 when a sumdb is mounted, else 404). */
  supported?: number;
  /** Serve the zip with one byte changed (a tampered cache). */
  tamperZip?: boolean;
  /** Serve the .mod with an extra line (a tampered cache). */
  tamperMod?: boolean;
  /** An odd Content-Type on 200 answers. */
  contentType?: string;
}

export interface GoproxyOptions {
  readonly modules: readonly LabModule[];
  readonly host?: string;
  readonly port?: number;
  /** TLS certificate and key (PEM); plain http when absent. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly sumdb?: SumdbFixture;
  /** Where .zip requests are redirected: given the escaped "<path>/@v/<version>.zip", returns a Location. */
  readonly zipLocation?: (escaped: string) => string | undefined;
  readonly redirectStatus?: number;
}

export class GoproxyFixture {
  /** Request paths, percent-decoded. */
  readonly requests: string[] = [];
  /** Request targets exactly as they came on the wire (to check go's escaping: "!" is sent as %21). */
  readonly rawRequests: string[] = [];
  /** The User-Agent of each request (it depends on the go version: cmd/go/internal/web/http.go). */
  readonly userAgents: string[] = [];
  faults: GoproxyFaults = {};
  zipLocation: ((escaped: string) => string | undefined) | undefined;
  #serving: HttpServing | undefined;
  readonly #opts: GoproxyOptions;
  readonly #byEscaped = new Map<string, LabModule[]>();

  private constructor(opts: GoproxyOptions) {
    this.#opts = opts;
    this.zipLocation = opts.zipLocation;
    for (const m of opts.modules) {
      const key = escapePath(m.path);
      const list = this.#byEscaped.get(key) ?? [];
      list.push(m);
      this.#byEscaped.set(key, list);
    }
  }

  static async start(opts: GoproxyOptions): Promise<GoproxyFixture> {
    const fixture = new GoproxyFixture(opts);
    fixture.#serving = await serveHttp(opts, (req, res) => fixture.handle(req, res));
    return fixture;
  }

  get port(): number {
    return this.#serving!.port;
  }

  /** Base URL for GOPROXY with the given host name (resolved by the lab DNS). */
  url(hostname: string): string {
    return this.#serving!.url(hostname);
  }

  async close(): Promise<void> {
    await this.#serving?.close();
  }

  /** Public so that another front (src/lab/h2-origin.ts) can serve the same module protocol. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const path = safeDecode(rawPath);
    this.requests.push(path);
    this.rawRequests.push(req.url ?? '/');
    this.userAgents.push(req.headers['user-agent'] ?? '');
    const f = this.faults;
    if (f.silent) return;
    const respond = (): void => this.respond(path, res);
    if (f.delayMs) setTimeout(respond, f.delayMs).unref();
    else respond();
  }

  private respond(path: string, res: ServerResponse): void {
    const f = this.faults;
    const sumdb = this.#opts.sumdb;
    if (sumdb) {
      const prefix = `/sumdb/${sumdb.name}`;
      if (path === `${prefix}/supported`) {
        const status = f.supported ?? 200;
        return send(res, status, status === 200 ? '' : `sumdb not supported: ${status}`);
      }
      if (path.startsWith(`${prefix}/`)) {
        if (sumdb.handle(path.slice(prefix.length), res)) return;
        return send(res, 404, 'not found');
      }
    } else if (/^\/sumdb\/[^/]+\/supported$/.test(path)) {
      return send(res, f.supported ?? 404, 'not found');
    }

    const m = /^\/(.+?)\/(@v\/list|@latest|@v\/(.+)\.(info|mod|zip))$/.exec(path);
    if (!m) return send(res, 404, 'not found');
    if (f.status !== undefined && (f.statusFor === undefined || path.endsWith(f.statusFor))) {
      return send(res, f.status, `fault: ${f.status} for ${path}`);
    }
    if (f.html) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Network login required</h1><p>Please sign in to continue.</p></body></html>');
      return;
    }
    const versions = this.#byEscaped.get(m[1]!) ?? [];
    if (versions.length === 0) return send(res, 404, `not found: unknown module ${m[1]}`);
    if (m[2] === '@v/list') return send(res, 200, versions.map((v) => `${v.version}\n`).join(''), f.contentType);
    if (m[2] === '@latest') {
      const last = versions.at(-1)!;
      return sendJson(res, { Version: last.version, Time: last.time }, f.contentType);
    }
    const mod = versions.find((v) => escapeVersion(v.version) === m[3]);
    if (!mod) return send(res, 404, `not found: ${m[3]}: invalid version: unknown revision ${m[3]}`);
    switch (m[4]) {
      case 'info':
        return sendJson(res, { Version: mod.version, Time: mod.time }, f.contentType);
      case 'mod':
        return send(res, 200, f.tamperMod ? `${mod.built.goMod}// tampered\n` : mod.built.goMod, f.contentType);
      default: {
        const location = this.zipLocation?.(`${m[1]}/@v/${m[3]}.zip`);
        if (location !== undefined) {
          res.writeHead(this.#opts.redirectStatus ?? 302, { location });
          res.end();
          return;
        }
        const zip = Buffer.from(mod.built.zip);
        if (f.tamperZip) zip[zip.length - 30] = (zip[zip.length - 30]! + 1) & 0xff;
        res.writeHead(200, { 'content-type': f.contentType ?? 'application/zip', 'content-length': zip.length });
        res.end(zip);
      }
    }
  }

  /** The zip body served for a module, for an object-store fixture to hold. */
  zipOf(escaped: string): Buffer | undefined {
    const m = /^(.+)\/@v\/(.+)\.zip$/.exec(escaped);
    if (!m) return undefined;
    return (this.#byEscaped.get(m[1]!) ?? []).find((v) => escapeVersion(v.version) === m[2])?.built.zip;
  }
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown, contentType = 'application/json'): void {
  send(res, 200, JSON.stringify(value), contentType);
}

function safeDecode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
