// Which credentials go sends with an https request, per go version.
//
// go ≤1.23 (cmd/go/internal/auth/auth.go AddCredentials): only .netrc, the first machine equal to the
// request's Host as written (netrcLookup), added to the first request; nothing happens on a 4xx.
//
// go ≥1.24 (auth/auth.go, userauth.go, gitauth.go, web/http.go get): GOAUTH, a ";"-separated list of
// methods (default "netrc"), run in reverse order so that earlier ones win:
//   off          no credentials (alone only)
//   netrc        every .netrc machine becomes a URL prefix with its Basic credentials
//   git DIR      `git credential fill` in DIR, for a URL only (after a 4xx)
//   COMMAND      run with no argument first, then with the URL after a 4xx (the response's status line
//                and headers on stdin); it prints "URL lines, blank line, header lines, blank line" blocks
// Every method runs once before the first https request; after a 4xx the methods run again with the URL
// and the request is sent again with what they stored. Credentials are found by URL prefix (without
// "https://"): the whole URL, then its host[:port] (1.24–1.26), or each path prefix in turn (1.27).
//
// Credentials never leave this module except as request headers: not in evidence, findings or logs.

import { execFile } from 'node:child_process';
import { ParseError } from '../errors.js';
import { quotedSplit } from './goflags.js';
import type { GoRules } from './goversion.js';
import { netrcLookup, type NetrcEntry } from './netrc.js';

export type GoAuthMethod =
  | { readonly kind: 'off' }
  | { readonly kind: 'netrc' }
  | { readonly kind: 'git'; readonly dir: string }
  | { readonly kind: 'command'; readonly command: string };

/** What go's base.Fatalf says for a GOAUTH it cannot use (exit 1 at the first https request). */
export class GoAuthError extends ParseError {
  constructor(readonly goError: string) {
    super('goauth.invalid', goError.replace(/^go: /, ''));
  }
}

/**
 * Parses GOAUTH as go 1.24+ does when it first runs it (auth.go runGoAuth), in go's order (reversed),
 * with go's error texts. `isDir` answers the git method's stat (undefined: missing).
 */
export function parseGoAuth(value: string, isDir: (path: string) => boolean | undefined): GoAuthMethod[] {
  const commands = value.split(';').reverse();
  const out: GoAuthMethod[] = [];
  for (const raw of commands) {
    const command = raw.trim();
    const words = command.split(/[ \t\n\v\f\r]+/).filter((w) => w !== '');
    if (words.length === 0) throw new GoAuthError(`go: GOAUTH encountered an empty command (GOAUTH=${value})`);
    switch (words[0]) {
      case 'off':
        if (commands.length !== 1) throw new GoAuthError(`go: GOAUTH=off cannot be combined with other authentication commands (GOAUTH=${value})`);
        return [{ kind: 'off' }];
      case 'netrc':
        out.push({ kind: 'netrc' });
        break;
      case 'git': {
        if (words.length !== 2) throw new GoAuthError('go: GOAUTH=git dir method requires an absolute path to the git working directory');
        const dir = words[1]!;
        if (!dir.startsWith('/')) throw new GoAuthError('go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not absolute');
        const d = isDir(dir);
        if (d === undefined) throw new GoAuthError(`go: GOAUTH=git encountered an error; cannot stat ${dir}: stat ${dir}: no such file or directory`);
        if (!d) throw new GoAuthError('go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not a directory');
        out.push({ kind: 'git', dir });
        break;
      }
      default:
        out.push({ kind: 'command', command });
    }
  }
  return out;
}

type Headers = ReadonlyMap<string, readonly string[]>;

/**
 * userauth.go parseUserAuth: blocks of URL lines, an empty line, header lines ("Name: value"), an empty
 * line. Returns prefix (URL without "https://") -> headers, or throws with go's reason.
 */
export function parseUserAuth(data: string): Map<string, Headers> {
  const out = new Map<string, Headers>();
  let rest = data;
  const nextLine = (what: string): string => {
    const i = rest.indexOf('\n');
    if (i < 0) throw new ParseError('goauth.output', `invalid format: missing empty line after ${what}`);
    const line = rest.slice(0, i);
    rest = rest.slice(i + 1);
    return line;
  };
  while (rest !== '') {
    const urls: string[] = [];
    for (let line = nextLine('URLs'); line !== ''; line = nextLine('URLs')) {
      // url.ParseRequestURI: an absolute URL or an absolute path, no fragment.
      if (!/^([a-zA-Z][a-zA-Z0-9+.-]*:|\/)/.test(line) || /\s/.test(line)) throw new ParseError('goauth.output', `could not parse URL ${line}: parse "${line}": invalid URI for request`);
      urls.push(line);
    }
    const headers = new Map<string, string[]>();
    for (let line = nextLine('headers'); line !== ''; line = nextLine('headers')) {
      const sep = line.indexOf(': ');
      const name = sep < 0 ? '' : line.slice(0, sep);
      const value = sep < 0 ? '' : line.slice(sep + 2).trim();
      // eslint-disable-next-line no-control-regex
      if (sep < 0 || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
        throw new ParseError('goauth.output', 'invalid format: invalid header line');
      }
      headers.set(canonicalHeader(name), [...(headers.get(canonicalHeader(name)) ?? []), value]);
    }
    for (const u of urls) out.set(u.replace(/^https:\/\//, ''), headers);
  }
  return out;
}

/** net/http's CanonicalMIMEHeaderKey for the names a credential carries ("authorization" -> "Authorization"). */
function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** How a GOAUTH command or `git credential fill` is run: argv, stdin; stdout, or a one-line error. */
export type AuthCommandRunner = (argv: readonly string[], stdin: string | undefined, opts: { cwd?: string }) => Promise<{ ok: true; stdout: string } | { ok: false; error: string }>;

export interface ClientErrorResponse {
  /** go's res.Status, "401 Unauthorized" (the protocol is put in front, as go does) */
  readonly statusLine: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The credentials of one run, as the modelled go finds them. One per run: GOAUTH commands run once
 * before the first https request (authOnce) whatever the number of requests.
 */
export class GoAuth {
  readonly #rules: GoRules;
  readonly #methods: readonly GoAuthMethod[];
  readonly #netrc: readonly NetrcEntry[];
  readonly #run: AuthCommandRunner;
  readonly #cache = new Map<string, Headers>();
  #once: Promise<void> | undefined;
  /** What went wrong running GOAUTH methods (no secrets: command names and exit statuses). */
  readonly problems: string[] = [];

  constructor(rules: GoRules, methods: readonly GoAuthMethod[], netrc: readonly NetrcEntry[], run: AuthCommandRunner) {
    this.#rules = rules;
    this.#methods = methods;
    this.#netrc = netrc;
    this.#run = run;
  }

  /** Whether a 4xx makes this go run GOAUTH again and resend the request (web/http.go, go 1.24+). */
  get retriesAfterClientError(): boolean {
    return this.#rules.goauth && !this.#methods.some((m) => m.kind === 'off');
  }

  /** Headers for the first request to an https URL (as go writes it). */
  async initial(rawUrl: string): Promise<Record<string, string>> {
    if (!rawUrl.startsWith('https://')) return {};
    if (!this.#rules.goauth) {
      const e = netrcLookup(this.#netrc, rawUrl);
      return e ? { authorization: basic(e.login, e.password) } : {};
    }
    this.#once ??= this.#runMethods(undefined, undefined);
    await this.#once;
    return this.#load(rawUrl);
  }

  /** After a 4xx to an https URL: run GOAUTH again with the URL; the headers to resend with (go 1.24+). */
  async afterClientError(rawUrl: string, res: ClientErrorResponse): Promise<Record<string, string>> {
    if (!this.retriesAfterClientError || !rawUrl.startsWith('https://')) return {};
    this.#once ??= this.#runMethods(undefined, undefined);
    await this.#once;
    await this.#runMethods(rawUrl, res);
    return this.#load(rawUrl);
  }

  async #runMethods(url: string | undefined, res: ClientErrorResponse | undefined): Promise<void> {
    for (const m of this.#methods) {
      switch (m.kind) {
        case 'off':
          return;
        case 'netrc':
          // Reverse, so that the first entry for a machine is the one kept (as before GOAUTH).
          for (const l of [...this.#netrc].reverse()) this.#store(l.machine, new Map([['Authorization', [basic(l.login, l.password)]]]));
          break;
        case 'git': {
          if (url === undefined) break;
          const r = await this.#run(['git', 'credential', 'fill'], `url=${url}\n`, { cwd: m.dir });
          if (!r.ok) {
            this.problems.push(`GOAUTH=git ${m.dir}: 'git credential fill' failed (url=${url}): ${r.error}`);
            break;
          }
          const { prefix, username, password } = parseGitAuth(r.stdout);
          if (prefix === '' || !url.startsWith(prefix)) {
            this.problems.push(`GOAUTH=git ${m.dir}: 'git credential fill' gave no credential for ${url}`);
            break;
          }
          this.#store(prefix, new Map([['Authorization', [basic(username, password)]]]));
          break;
        }
        case 'command': {
          // userauth.go buildCommand: cmd/internal/quoted.Split; a command it cannot split is an error of that method only.
          const split = quotedSplit(m.command);
          if (!split.ok || split.words.length === 0) {
            this.problems.push(`GOAUTH=${m.command}: cannot parse GOAUTH command ${m.command}: ${split.ok ? 'empty command' : split.error}`);
            break;
          }
          const r = await this.#run(url === undefined ? split.words : [...split.words, url], res ? responseText(res) : undefined, {});
          if (!r.ok) {
            this.problems.push(`GOAUTH=${m.command}: could not run command ${m.command}: ${r.error}`);
            break;
          }
          try {
            for (const [prefix, headers] of parseUserAuth(r.stdout)) this.#store(prefix, headers);
          } catch (err) {
            this.problems.push(`GOAUTH=${m.command}: cannot parse output of GOAUTH command ${m.command}: ${(err as Error).message}`);
          }
          break;
        }
      }
    }
  }

  /** storeCredential: keyed by the prefix without "https://" (and without a trailing "/" in 1.27). */
  #store(prefix: string, headers: Headers): void {
    let key = prefix.replace(/^https:\/\//, '');
    if (this.#rules.credentials === 'prefix-path') key = key.replace(/\/$/, '');
    if (headers.size === 0) this.#cache.delete(key);
    else this.#cache.set(key, headers);
  }

  /** loadCredential: the whole URL, then host[:port] (1.24–1.26) or each shorter path prefix (1.27). */
  #load(url: string): Record<string, string> {
    // Nothing stored (no GOAUTH method gave credentials): every prefix would miss.
    if (this.#cache.size === 0) return {};
    let current = url.replace(/^https:\/\//, '');
    if (this.#rules.credentials === 'prefix-path') current = current.replace(/\/$/, '');
    for (;;) {
      const headers = this.#cache.get(current);
      if (headers) return Object.fromEntries([...headers].map(([k, v]) => [k.toLowerCase(), v.join(', ')]));
      const cut = this.#rules.credentials === 'prefix-path' ? current.lastIndexOf('/') : current.indexOf('/');
      if (cut < 0) return {};
      current = current.slice(0, cut);
    }
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** userauth.go writeResponseToStdin: the status line, the headers, an empty line. */
function responseText(res: ClientErrorResponse): string {
  return `HTTP/1.1 ${res.statusLine}\n${Object.entries(res.headers).map(([k, v]) => `${canonicalHeader(k)}: ${v}\n`).join('')}\n`;
}

/** gitauth.go parseGitAuth: protocol/host/path (or url) make the prefix; username and password. */
function parseGitAuth(out: string): { prefix: string; username: string; password: string } {
  let scheme = '';
  let host = '';
  let path = '';
  let url: string | undefined;
  let username = '';
  let password = '';
  for (const line of out.split('\n')) {
    const t = line.trim();
    const i = t.indexOf('=');
    if (i < 0) continue;
    const [k, v] = [t.slice(0, i), t.slice(i + 1)];
    if (k === 'protocol') scheme = v;
    else if (k === 'host') host = v;
    else if (k === 'path') path = v;
    else if (k === 'username') username = v;
    else if (k === 'password') password = v;
    else if (k === 'url' && /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(v)) url = v;
  }
  const prefix = url ?? (scheme || host ? `${scheme}${scheme ? ':' : ''}${host ? `//${host}` : ''}${path ? (path.startsWith('/') ? path : `/${path}`) : ''}` : path);
  return { prefix, username, password };
}

/** Bytes of a GOAUTH command's output kept (a credential block is a few hundred bytes). */
const MAX_AUTH_OUTPUT = 1 << 20;

/**
 * Runs GOAUTH commands for real, in the probe's environment (the one go would give them), bounded in
 * time (go waits without a limit; the probe cannot) and in output. The error says how it ended, never
 * what it printed (a helper's stderr may carry a token).
 */
export function authCommandRunner(timeoutMs: number): AuthCommandRunner {
  return (argv, stdin, opts) => {
    return new Promise((resolve) => {
      const child = execFile(argv[0]!, argv.slice(1), { ...(opts.cwd ? { cwd: opts.cwd } : {}), timeout: timeoutMs, maxBuffer: MAX_AUTH_OUTPUT, encoding: 'utf8', windowsHide: true }, (err, stdout) => {
        if (!err) return resolve({ ok: true, stdout });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (e.code === 'ENOENT') return resolve({ ok: false, error: `exec: "${argv[0]}": executable file not found in $PATH` });
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ ok: false, error: `printed more than ${MAX_AUTH_OUTPUT} bytes` });
        if (e.killed) return resolve({ ok: false, error: `still running after ${timeoutMs} ms (go would wait for it)` });
        return resolve({ ok: false, error: typeof e.code === 'number' ? `exit status ${e.code}` : e.message.split('\n')[0] ?? 'failed' });
      });
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(stdin ?? '');
    });
  };
}
