// A git server for the lab and the tests: the real `git http-backend` run as the CGI program it is, behind
// a small HTTP(S) server that can ask for Basic auth (what nginx auth_basic does in front of it) and
// serve go-import pages for ?go-get=1. The e2e lab runs git http-backend under nginx and fcgiwrap; this is
// the loopback form of the same backend.

import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveHttp, type HttpServing, type ListenOptions } from './serve.js';

export interface GitHttpOptions extends ListenOptions {
  readonly tls?: { readonly cert: string; readonly key: string };
  /** GIT_PROJECT_ROOT: the bare repositories are served from here. */
  readonly projectRoot: string;
  /**
   * Paths under this prefix ask for these credentials (401 with a Basic challenge otherwise); with
   * `pages`, their ?go-get=1 pages too (a private GitLab group's pages).
   */
  readonly auth?: { readonly prefix: string; readonly user: string; readonly password: string; readonly pages?: boolean };
  /** The page for a ?go-get=1 request of this path (without the leading "/"), or undefined for a 404. */
  readonly goImport?: (path: string) => string | undefined;
  /** A header every git request must carry (what an http.extraHeader gives), checked before auth. */
  readonly requiredHeader?: { readonly name: string; readonly value: string };
}

/** Requests bodies and CGI answers of the lab's repositories are small; anything larger is refused. */
const MAX_CGI_BYTES = 16 * 1024 * 1024;

export function serveGitHttp(opts: GitHttpOptions): Promise<HttpServing> {
  return serveHttp({ ...(opts.host ? { host: opts.host } : {}), ...(opts.port ? { port: opts.port } : {}), ...(opts.tls ? { tls: opts.tls } : {}) }, (req, res) => {
    handle(opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`lab git server: ${(err as Error).message}\n`);
    });
  });
}

async function handle(opts: GitHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://lab.invalid');
  const goGet = url.searchParams.get('go-get') === '1';
  if (goGet && opts.auth?.pages && url.pathname.startsWith(opts.auth.prefix)
    && req.headers.authorization !== `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="lab git"', 'content-type': 'text/plain' });
    res.end('authentication required\n');
    return;
  }
  if (goGet) {
    const page = opts.goImport?.(url.pathname.replace(/^\/+/, ''));
    res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not found\n');
    return;
  }
  if (opts.requiredHeader && req.headers[opts.requiredHeader.name.toLowerCase()] !== opts.requiredHeader.value) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('forbidden\n');
    return;
  }
  let remoteUser: string | undefined;
  if (opts.auth && url.pathname.startsWith(opts.auth.prefix)) {
    const expected = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="lab git"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    remoteUser = opts.auth.user;
  }
  const body = await readBody(req);
  const out = await runBackend(opts.projectRoot, {
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    CONTENT_LENGTH: String(body.length),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    ...(remoteUser ? { REMOTE_USER: remoteUser } : {}),
  }, body);
  const end = out.indexOf('\r\n\r\n');
  const head = out.subarray(0, end < 0 ? 0 : end).toString('latin1');
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  res.writeHead(status, headers);
  res.end(end < 0 ? out : out.subarray(end + 4));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CGI_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** One CGI run of git http-backend, with nothing of this process's git configuration. */
function runBackend(projectRoot: string, cgi: Record<string, string>, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: projectRoot,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        ...cgi,
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CGI_BYTES) child.kill();
      else chunks.push(c);
    });
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks)));
    child.stdin.on('error', () => undefined);
    child.stdin.end(body);
  });
}
