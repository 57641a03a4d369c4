// The credentials git finds for an https repository when go runs it (GIT_TERMINAL_PROMPT=0, so no
// prompt): user:password written in the URL, else the credential helpers in config order
// (credential.c credential_fill). The probe reads what `credential.helper=store` reads
// (credential-store.c: ~/.git-credentials, $XDG_CONFIG_HOME/git/credentials, or --file); a helper it
// cannot run (cache, osxkeychain, manager, a custom command or a cloud CLI) is listed as not checked,
// never counted as a credential found or missing. libcurl's ~/.netrc is not modelled here.

import { InputFileError, type InputFs } from '../inputfile.js';
import type { GitConfigEntry } from './gitconfig.js';

export interface GitCredential {
  readonly username: string;
  readonly password: string;
  /** Where it came from: "the URL" or "<file>:<line>" of a credential store. */
  readonly origin: string;
}

export interface GitCredentialLookup {
  readonly credential?: GitCredential;
  /**
   * Helpers in the chain that the probe cannot run, by name only ("cache", "osxkeychain", "!gcloud"):
   * a helper's arguments or a shell helper's body can hold a token, so they never leave this module.
   */
  readonly notChecked: readonly string[];
  /** Files of the store helper that were read. */
  readonly read: readonly string[];
  /** What git prints when nothing answers and it may not prompt (credential.c credential_getpass). */
  readonly promptError: string;
}

interface CredentialURL {
  readonly protocol: string;
  /** Host with its port, as written (credential_from_url keeps case). */
  readonly host: string;
  readonly username?: string;
  readonly password?: string;
  readonly path: string;
}

/** credential_from_url: scheme "://" [user[:pass]@] host[:port] [/path]; user and password percent-decoded. */
function parseCredentialURL(url: string): CredentialURL | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(url);
  if (!m) return undefined;
  let authority = m[2]!;
  let username: string | undefined;
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    username = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (colon >= 0) password = decode(userinfo.slice(colon + 1));
  }
  return { protocol: m[1]!, host: authority, path: m[3]!.replace(/^\/+/, ''), ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/**
 * Whether credential.<url>.* applies to a request (urlmatch.c, as credential.c uses it): same scheme,
 * host (case-insensitive) and port, the config URL's path a prefix of the request's at a "/" boundary,
 * and its user, when it names one, the request's.
 */
function urlMatches(pattern: string, req: CredentialURL): boolean {
  const p = parseCredentialURL(pattern);
  if (!p) return false;
  if (p.protocol.toLowerCase() !== req.protocol.toLowerCase()) return false;
  const defaultPort = (proto: string): string => (proto.toLowerCase() === 'https' ? '443' : proto.toLowerCase() === 'http' ? '80' : '');
  const hostPort = (h: string, proto: string): string => {
    const colon = h.lastIndexOf(':');
    return colon > h.lastIndexOf(']') ? `${h.slice(0, colon).toLowerCase()}:${h.slice(colon + 1)}` : `${h.toLowerCase()}:${defaultPort(proto)}`;
  };
  if (hostPort(p.host, p.protocol) !== hostPort(req.host, req.protocol)) return false;
  if (p.username !== undefined && p.username !== req.username) return false;
  const prefix = p.path.replace(/\/+$/, '');
  return prefix === '' || req.path === prefix || req.path.startsWith(`${prefix}/`);
}

/** The helper chain for a URL: credential.helper and credential.<url>.helper in config order; an empty value clears the chain. */
export function credentialHelpers(entries: readonly GitConfigEntry[], url: string): string[] {
  const req = parseCredentialURL(url);
  const helpers: string[] = [];
  for (const e of entries) {
    if (!e.key.startsWith('credential.') || !e.key.endsWith('.helper') || e.value === null) continue;
    const middle = e.key.slice('credential.'.length, -'.helper'.length);
    if (e.key !== 'credential.helper' && (!req || !urlMatches(middle, req))) continue;
    if (e.value === '') helpers.length = 0;
    else helpers.push(e.value);
  }
  return helpers;
}

/**
 * The files `git credential-store` reads for a helper value, or undefined when the helper is not the
 * store: "store" alone reads ~/.git-credentials then $XDG_CONFIG_HOME/git/credentials; "--file=F" or
 * "--file F" reads F when it is an absolute path.
 */
function storeFiles(helper: string, env: Readonly<Record<string, string | undefined>>): string[] | undefined {
  const words = helper.trim().split(/\s+/);
  const name = words[0];
  if (name !== 'store' && name !== 'git-credential-store' && name !== 'credential-store') return undefined;
  const home = env['HOME'] || '';
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    // git runs the helper through sh, which expands "~/" only at the start of a word: "--file ~/x" is
    // $HOME/x, "--file=~/x" stays literal. A relative path is relative to git's working directory, go's
    // repository in the module cache: the probe cannot know that file (an empty list: nothing checked).
    const path = w.startsWith('--file=') ? w.slice('--file='.length) : w === '--file' && words[i + 1] ? (words[i + 1]!.startsWith('~/') ? home + words[i + 1]!.slice(1) : words[i + 1]!) : undefined;
    if (path !== undefined) return path.startsWith('/') ? [path] : [];
  }
  const xdg = env['XDG_CONFIG_HOME'] ? `${env['XDG_CONFIG_HOME']}/git/credentials` : home ? `${home}/.config/git/credentials` : undefined;
  return [...(home ? [`${home}/.git-credentials`] : []), ...(xdg ? [xdg] : [])];
}

/** The helper's program: its first word ("!" kept for a shell command), never its arguments. */
export function helperName(helper: string): string {
  return helper.trim().split(/\s+/)[0] ?? '';
}

/**
 * credential_fill as go's git meets it: the URL's own user:password; else each helper in turn until one
 * gives both a username and a password. A stored line matches when its protocol and host (port included,
 * case-sensitive) equal the request's and, if the request names a user, its user (credential_match; the
 * path is not part of the request unless credential.useHttpPath).
 */
export async function gitCredentialFill(entries: readonly GitConfigEntry[], env: Readonly<Record<string, string | undefined>>, fs: InputFs, url: string): Promise<GitCredentialLookup> {
  const req = parseCredentialURL(url);
  const promptURL = req ? `${req.protocol}://${req.username !== undefined ? `${encodeURIComponent(req.username)}@` : ''}${req.host}` : url;
  const promptError = req?.username !== undefined
    ? `fatal: could not read Password for '${promptURL}': terminal prompts disabled`
    : `fatal: could not read Username for '${promptURL}': terminal prompts disabled`;
  const notChecked: string[] = [];
  const read: string[] = [];
  if (!req) return { notChecked, read, promptError };
  if (req.username !== undefined && req.password !== undefined) {
    return { credential: { username: req.username, password: req.password, origin: 'the URL' }, notChecked, read, promptError };
  }
  for (const helper of credentialHelpers(entries, url)) {
    const files = storeFiles(helper, env);
    if (!files || files.length === 0) {
      notChecked.push(helperName(helper));
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = (await fs.readFile(file, 'git credentials')).toString('utf8');
      } catch (err) {
        // credential-store skips a file it cannot open.
        if (err instanceof InputFileError) continue;
        throw err;
      }
      read.push(file);
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const entry = parseCredentialURL(lines[i]!.replace(/\r$/, ''));
        if (!entry || entry.username === undefined || entry.password === undefined) continue;
        if (entry.protocol !== req.protocol || entry.host !== req.host) continue;
        if (req.username !== undefined && entry.username !== req.username) continue;
        return { credential: { username: entry.username, password: entry.password, origin: `${file}:${i + 1}` }, notChecked, read, promptError };
      }
    }
  }
  return { notChecked, read, promptError };
}
