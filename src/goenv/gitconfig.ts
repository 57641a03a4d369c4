// git's configuration as the git that go runs for a direct fetch reads it (git 2.39, config.c), and the
// one thing of it that decides where git goes: url.<base>.insteadOf (remote.c alias_url). go runs git
// with its own environment, so the files and variables that count are the pod's: /etc/gitconfig (unless
// GIT_CONFIG_NOSYSTEM; GIT_CONFIG_SYSTEM names another), then GIT_CONFIG_GLOBAL alone or else
// $XDG_CONFIG_HOME/git/config and ~/.gitconfig, then GIT_CONFIG_COUNT/KEY_n/VALUE_n. go's own bare
// repository in the module cache adds only remote.origin.url, which is no rewrite.

import { InputFileError, type InputFs } from '../inputfile.js';

export interface GitConfigEntry {
  /** Canonical name: section and variable lowercased, the subsection as written ("url.https://x/.insteadof"). */
  readonly key: string;
  /** null for a bare `key` line (git's implicit true). */
  readonly value: string | null;
  /** "FILE:LINE" or "GIT_CONFIG_KEY_n": where the entry came from, for findings. */
  readonly origin: string;
}

export interface GitConfig {
  readonly entries: readonly GitConfigEntry[];
  /** Files read, in git's order (missing ones are left out, as git skips them). */
  readonly files: readonly string[];
  /** What the probe did not evaluate (includeIf), each one line. */
  readonly notes: readonly string[];
  /** git's own text when git would die reading this configuration (every git command fails with it). */
  readonly error?: string;
}

/** git_config_parse_key's error and git's die() text for a bad line. */
class ConfigError extends Error {}

/** sane_ctype isspace (git-compat-util.h): no vertical tab or form feed. */
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isAlpha = (c: string): boolean => /^[A-Za-z]$/.test(c);
/** iskeychar: alphanumerics and '-'. */
const isKeyChar = (c: string): boolean => /^[A-Za-z0-9-]$/.test(c);

interface Parsed {
  entries: GitConfigEntry[];
  /** "bad config line N in file F" when the file stops being parsed; entries before it stand (they were seen). */
  error?: string;
}

/**
 * git_parse_source: sections `[name]`, `[name "subsection"]` (quoted, \\ and \" escapes) and the old
 * `[name.sub]` (lowercased); `key = value` or a bare `key`; values trimmed, inner whitespace kept one
 * space per character, quotes, \n \t \b \\ \" escapes, a trailing \ continues the line, # and ; start a
 * comment outside quotes. CRLF reads as LF; a UTF-8 BOM at the start is skipped.
 */
export function parseGitConfig(text: string, file: string): Parsed {
  const entries: GitConfigEntry[] = [];
  let pos = text.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  let eof = false;
  // get_next_char: \r\n reads as \n; the end of the text reads as a final \n.
  const next = (): string => {
    if (pos >= text.length) {
      // git counts the end of the file as a line too (its error for "[x" at the end names the next line).
      eof = true;
      line++;
      return '\n';
    }
    let c = text[pos++]!;
    if (c === '\r' && text[pos] === '\n') c = text[pos++]!;
    if (c === '\n') line++;
    return c;
  };
  const bad = (at: number): Parsed => ({ entries, error: `fatal: bad config line ${at} in file ${file}` });

  let section = '';
  let comment = false;
  for (;;) {
    const c = next();
    if (c === '\n') {
      if (eof) return { entries };
      comment = false;
      continue;
    }
    if (comment || isSpace(c)) continue;
    if (c === '#' || c === ';') {
      comment = true;
      continue;
    }
    if (c === '[') {
      const name = baseVar();
      if (name === undefined || name === '') return bad(line);
      section = `${name}.`;
      continue;
    }
    if (!isAlpha(c)) return bad(line);
    const keyLine = line;
    let key = section + c.toLowerCase();
    let d = next();
    while (!eof && isKeyChar(d)) {
      key += d.toLowerCase();
      d = next();
    }
    while (d === ' ' || d === '\t') d = next();
    let value: string | null = null;
    if (d !== '\n') {
      if (d !== '=') return bad(line);
      const v = parseValue();
      if (v === undefined) return bad(line);
      value = v;
    }
    entries.push({ key, value, origin: `${file}:${keyLine}` });
  }

  function baseVar(): string | undefined {
    let name = '';
    for (;;) {
      const c = next();
      if (eof) return undefined;
      if (c === ']') return name;
      if (isSpace(c)) return extendedBaseVar(name, c);
      if (!isKeyChar(c) && c !== '.') return undefined;
      name += c.toLowerCase();
    }
  }

  function extendedBaseVar(name: string, first: string): string | undefined {
    let c = first;
    do {
      if (c === '\n') return incomplete();
      c = next();
    } while (isSpace(c));
    if (c !== '"') return undefined;
    name += '.';
    for (;;) {
      let d = next();
      if (d === '\n') return incomplete();
      if (d === '"') break;
      if (d === '\\') {
        d = next();
        if (d === '\n') return incomplete();
      }
      name += d;
    }
    return next() === ']' ? name : undefined;
  }

  /** error_incomplete_line: the error names the line the newline ended. */
  function incomplete(): undefined {
    line--;
    return undefined;
  }

  function parseValue(): string | undefined {
    let quote = false;
    let inComment = false;
    let spaces = 0;
    let value = '';
    for (;;) {
      let c = next();
      if (c === '\n') return quote ? incomplete() : value;
      if (inComment) continue;
      if (isSpace(c) && !quote) {
        if (value.length > 0) spaces++;
        continue;
      }
      if (!quote && (c === ';' || c === '#')) {
        inComment = true;
        continue;
      }
      value += ' '.repeat(spaces);
      spaces = 0;
      if (c === '\\') {
        c = next();
        if (c === '\n') continue;
        const escaped = ({ t: '\t', b: '\b', n: '\n', '\\': '\\', '"': '"' } as Record<string, string>)[c];
        if (escaped === undefined) return undefined;
        value += escaped;
        continue;
      }
      if (c === '"') {
        quote = !quote;
        continue;
      }
      value += c;
    }
  }
}

/**
 * git_config_parse_key, for GIT_CONFIG_KEY_n: "section[.subsection].variable", section and variable
 * lowercased; the variable must start with a letter and hold only key characters.
 */
export function canonicalGitKey(key: string): string {
  const last = key.lastIndexOf('.');
  if (last <= 0) throw new ConfigError(`error: key does not contain a section: ${key}`);
  if (last === key.length - 1) throw new ConfigError(`error: key does not contain variable name: ${key}`);
  const first = key.indexOf('.');
  const section = key.slice(0, first);
  const variable = key.slice(last + 1);
  if (!/^[A-Za-z0-9-]+$/.test(section) || !/^[A-Za-z][A-Za-z0-9-]*$/.test(variable)) throw new ConfigError(`error: invalid key: ${key}`);
  return `${section.toLowerCase()}${key.slice(first, last + 1)}${variable.toLowerCase()}`;
}

/** git_parse_maybe_bool: true/yes/on, false/no/off, "" (false) or an integer; anything else is fatal. */
function envBool(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  const v = env[name];
  if (v === undefined) return false;
  const lower = v.toLowerCase();
  if (lower === '' || lower === 'false' || lower === 'no' || lower === 'off') return false;
  if (lower === 'true' || lower === 'yes' || lower === 'on') return true;
  if (/^[+-]?\d+[kmg]?$/i.test(v)) return Number.parseInt(v, 10) !== 0;
  throw new ConfigError(`fatal: bad boolean config value '${v}' for '${name}'`);
}

/** MAX_INCLUDE_DEPTH in config.c. */
const MAX_INCLUDE_DEPTH = 10;

/** The directory part of a path (git's relative includes are relative to the including file). */
function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

/**
 * Every configuration entry git sees, in git's order, with include.path followed where it stands
 * (git_config_include, handle_path_include: "~/" is $HOME, a relative path is relative to the including
 * file, a missing file is skipped, more than 10 levels is fatal). includeIf.<cond>.path depends on the
 * repository (gitdir:, onbranch:, hasconfig:) and is not evaluated: each one is a note.
 */
export async function readGitConfig(env: Readonly<Record<string, string | undefined>>, fs: InputFs): Promise<GitConfig> {
  const entries: GitConfigEntry[] = [];
  const files: string[] = [];
  const notes: string[] = [];
  const home = env['HOME'] || undefined;

  const readFile = async (path: string): Promise<string | undefined> => {
    try {
      return (await fs.readFile(path, 'git config')).toString('utf8');
    } catch (err) {
      // access_or_die(..., ACCESS_EACCES_OK): a missing or unreadable file is skipped.
      if (err instanceof InputFileError && (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EACCES')) return undefined;
      if (err instanceof InputFileError) throw new ConfigError(`fatal: the probe cannot read git's config file ${err.message}`);
      throw err;
    }
  };

  const include = async (value: string | null, from: string | undefined, depth: number, origin: string): Promise<void> => {
    if (value === null) throw new ConfigError(`error: missing value for 'include.path'\nfatal: bad config line ${origin.slice(origin.lastIndexOf(':') + 1)} in file ${from ?? 'command line'}`);
    let path = value;
    if (path.startsWith('~/')) {
      if (!home) throw new ConfigError(`fatal: could not expand include path '${value}'`);
      path = home + path.slice(1);
    } else if (!path.startsWith('/')) {
      if (from === undefined) throw new ConfigError('fatal: relative config includes must come from files');
      path = `${dirOf(from)}/${path}`;
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw new ConfigError(`fatal: exceeded maximum include depth (${MAX_INCLUDE_DEPTH}) while including\n\t${path}\nfrom\n\t${from ?? 'command line'}\nThis might be due to circular includes.`);
    }
    await readInto(path, depth + 1);
  };

  const add = async (entry: GitConfigEntry, from: string | undefined, depth: number): Promise<void> => {
    entries.push(entry);
    if (entry.key === 'include.path') await include(entry.value, from, depth, entry.origin);
    else if (entry.key.startsWith('includeif.') && entry.key.endsWith('.path')) {
      notes.push(`${entry.origin}: includeIf "${entry.key.slice('includeif.'.length, -'.path'.length)}" not evaluated (it depends on the repository go creates); its file ${entry.value ?? ''} is not read`);
    }
  };

  const readInto = async (path: string, depth: number): Promise<boolean> => {
    const text = await readFile(path);
    if (text === undefined) return false;
    files.push(path);
    const parsed = parseGitConfig(text, path);
    for (const e of parsed.entries) await add(e, path, depth);
    if (parsed.error) throw new ConfigError(parsed.error);
    return true;
  };

  try {
    // do_git_config_sequence: system, global (XDG then ~/.gitconfig, or GIT_CONFIG_GLOBAL alone), command line.
    if (!envBool(env, 'GIT_CONFIG_NOSYSTEM')) await readInto(env['GIT_CONFIG_SYSTEM'] ?? '/etc/gitconfig', 0);
    const global = env['GIT_CONFIG_GLOBAL'];
    if (global !== undefined) {
      if (global !== '') await readInto(global, 0);
    } else {
      const xdg = env['XDG_CONFIG_HOME'] ? `${env['XDG_CONFIG_HOME']}/git/config` : home ? `${home}/.config/git/config` : undefined;
      if (xdg) await readInto(xdg, 0);
      if (home) await readInto(`${home}/.gitconfig`, 0);
    }
    const count = env['GIT_CONFIG_COUNT'];
    if (count !== undefined) {
      const cmdline = (msg: string): ConfigError => new ConfigError(`${msg}\nfatal: unable to parse command-line config`);
      if (!/^\d*$/.test(count)) throw cmdline('error: bogus count in GIT_CONFIG_COUNT');
      const n = count === '' ? 0 : Number(count);
      if (n > 2147483647) throw cmdline('error: too many entries in GIT_CONFIG_COUNT');
      for (let i = 0; i < n; i++) {
        const key = env[`GIT_CONFIG_KEY_${i}`];
        if (key === undefined) throw cmdline(`error: missing config key GIT_CONFIG_KEY_${i}`);
        const value = env[`GIT_CONFIG_VALUE_${i}`];
        if (value === undefined) throw cmdline(`error: missing config value GIT_CONFIG_VALUE_${i}`);
        let canonical: string;
        try {
          canonical = canonicalGitKey(key);
        } catch (err) {
          if (err instanceof ConfigError) throw cmdline(err.message);
          throw err;
        }
        await add({ key: canonical, value, origin: `GIT_CONFIG_KEY_${i}` }, undefined, 0);
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) return { entries, files, notes, error: err.message };
    throw err;
  }
  return { entries, files, notes };
}

export interface GitRewrite {
  /** The URL git dials. */
  readonly url: string;
  /** The rule that applied, if any. */
  readonly rule?: { readonly base: string; readonly insteadOf: string; readonly origin: string };
  /** git's text when it dies reading the rewrites (an insteadOf without a value): ls-remote exits 128 with it. */
  readonly error?: string;
}

/**
 * alias_url (remote.c): of every url.<base>.insteadOf value that the URL starts with (case-sensitive,
 * byte prefix), the longest wins; on a tie the first base git met (rewrites are kept per base, in the
 * order bases first appear). pushInsteadOf only applies to pushes and never here. A bare `insteadOf`
 * (no value) makes remote.c's handle_config die (config_error_nonbool) before any URL is looked at.
 */
export function gitRewrite(entries: readonly GitConfigEntry[], url: string): GitRewrite {
  const bases = new Map<string, { insteadOf: string; origin: string }[]>();
  for (const e of entries) {
    // parse_config_key: "url.<base>.insteadof", the base being everything between the first and last dot.
    if (!e.key.startsWith('url.') || !e.key.endsWith('.insteadof') || e.key === 'url.insteadof') continue;
    if (e.value === null) {
      const at = e.origin.lastIndexOf(':');
      return { url, error: `error: missing value for '${e.key}'\nfatal: bad config variable '${e.key}' in file '${e.origin.slice(0, at)}' at line ${e.origin.slice(at + 1)}` };
    }
    const base = e.key.slice('url.'.length, -'.insteadof'.length);
    const list = bases.get(base) ?? [];
    list.push({ insteadOf: e.value, origin: e.origin });
    bases.set(base, list);
  }
  let best: { base: string; insteadOf: string; origin: string } | undefined;
  for (const [base, list] of bases) {
    for (const r of list) {
      if (url.startsWith(r.insteadOf) && (!best || best.insteadOf.length < r.insteadOf.length)) best = { base, ...r };
    }
  }
  return best ? { url: best.base + url.slice(best.insteadOf.length), rule: best } : { url };
}
