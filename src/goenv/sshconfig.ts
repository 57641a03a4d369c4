// What the OpenSSH client that git runs for an ssh:// or scp-like repository reads before it connects
// (OpenSSH 9.2, Debian bookworm's openssh-client): ~/.ssh/config then /etc/ssh/ssh_config (readconf.c:
// the first value obtained for an option wins; IdentityFile accumulates), the known_hosts files
// (hostfile.c, match.c) and the identities it offers (sshconnect2.c pubkey_prepare).
//
// "~" is the home directory of the passwd entry of the user ssh runs as, never $HOME (ssh.c: pw_dir;
// misc.c tilde_expand): `HOME=/x ssh -G host` still names /root/.ssh/known_hosts for root. The caller
// gives that directory.

import { createHmac } from 'node:crypto';
import { InputFileError, type InputFs } from '../inputfile.js';

/** The options of ssh_config that decide where ssh connects, what it trusts and which keys it offers. */
export interface SshHostConfig {
  /** The host to connect to (HostName, %h expanded), lowercased as ssh does for the known_hosts lookup. */
  readonly hostName: string;
  readonly port: number;
  readonly user?: string;
  /** IdentityFile values in the order ssh offers them, expanded; the defaults when none is configured. */
  readonly identityFiles: readonly string[];
  /** Whether IdentityFile came from the configuration (false: ssh's default list). */
  readonly identitiesConfigured: boolean;
  readonly identitiesOnly: boolean;
  /** IdentityAgent: a socket path, "SSH_AUTH_SOCK" (the default: the variable), or "none". */
  readonly identityAgent: string;
  readonly pubkeyAuthentication: boolean;
  readonly strictHostKeyChecking: 'yes' | 'no' | 'ask' | 'accept-new';
  readonly batchMode: boolean;
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  readonly hostKeyAlias?: string;
  /** Configuration files read, in ssh's order (missing ones left out). */
  readonly files: readonly string[];
  /** What the probe did not evaluate (Match blocks, ProxyCommand, ProxyJump), one line each. */
  readonly notes: readonly string[];
}

/** The default identity files of OpenSSH 9.2, in its order (`ssh -G host` with no IdentityFile). */
export const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'] as const;

const MAX_INCLUDE_DEPTH = 16;
/** readconf.c: at most this many IdentityFile entries (SSH_MAX_IDENTITY_FILES). */
const MAX_IDENTITY_FILES = 100;

/**
 * match_pattern (match.c): `*` any run of characters, `?` one character, everything else literal; the
 * whole string must match. Iterative with backtracking to the last star, so no pattern can blow up.
 */
export function matchPattern(s: string, pattern: string): boolean {
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || pattern[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/**
 * match_pattern_list (match.c): a comma-separated list; a `!pattern` that matches makes the whole list
 * fail (-1), else any plain pattern that matches makes it succeed. Hosts are compared in lower case.
 */
export function matchPatternList(s: string, list: string, lower = true): -1 | 0 | 1 {
  const subject = lower ? s.toLowerCase() : s;
  let got: 0 | 1 = 0;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw);
    if (matchPattern(subject, lower ? pattern.toLowerCase() : pattern)) {
      if (negated) return -1;
      got = 1;
    }
  }
  return got;
}

/** readconf.c argv_split: words separated by whitespace, "double quotes" keep spaces; `keyword=value` too. */
function splitConfigLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  // The keyword may be followed by '=' with optional whitespace around it.
  const keyword = /^\s*([^\s=]+)\s*=?\s*/.exec(line);
  if (!keyword) return words;
  words.push(keyword[1]!);
  i = keyword[0].length;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') word += line[i++];
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) word += line[i++];
    }
    if (word.startsWith('#')) break;
    words.push(word);
  }
  return words;
}

interface ReadState {
  readonly files: string[];
  readonly notes: string[];
  readonly values: Map<string, string[]>;
  readonly identityFiles: string[];
}

export interface SshConfigInput {
  /** The host as git gives it to ssh (from the URL), before HostName. */
  readonly host: string;
  /** The port from the URL, if any (ssh -p, which beats Port in the files). */
  readonly port?: number;
  /** The user from the URL, if any (user@host, which beats User in the files). */
  readonly user?: string;
  /** The passwd home directory of the user ssh runs as. */
  readonly home: string;
  /** The passwd user name (for %u and as ssh's default remote user). */
  readonly localUser: string;
  /** Options given with -o on ssh's command line (go ≤1.24 adds BatchMode=yes): they beat the files. */
  readonly commandLine?: Readonly<Record<string, string>>;
  /** /etc/ssh by default. */
  readonly systemDir?: string;
}

/**
 * Reads ~/.ssh/config then the system ssh_config for one host as ssh does, following Include, applying
 * Host blocks whose pattern list matches the host as given, first value wins. Match blocks are noted and
 * not applied (the probe does not evaluate exec, canonical or final).
 */
export async function readSshConfig(input: SshConfigInput, fs: InputFs): Promise<SshHostConfig> {
  const systemDir = input.systemDir ?? '/etc/ssh';
  const state: ReadState = { files: [], notes: [], values: new Map(), identityFiles: [] };
  for (const [k, v] of Object.entries(input.commandLine ?? {})) state.values.set(k.toLowerCase(), [v]);
  const userDir = `${input.home}/.ssh`;
  await readFileInto(`${userDir}/config`, userDir, input, state, fs, 0);
  await readFileInto(`${systemDir}/ssh_config`, systemDir, input, state, fs, 0);

  const first = (k: string): string | undefined => state.values.get(k)?.[0];
  const hostNameRaw = first('hostname');
  const hostName = (hostNameRaw ? expandTokens(hostNameRaw, input, input.host) : input.host).toLowerCase();
  const port = input.port ?? (first('port') ? Number(first('port')) : 22);
  const user = input.user ?? first('user');
  const remoteUser = user ?? input.localUser;
  const expand = (path: string): string => tildeExpand(expandTokens(path, { ...input, user: remoteUser }, hostName, port), input.home);
  const identitiesConfigured = state.identityFiles.length > 0;
  const identityFiles = identitiesConfigured
    ? state.identityFiles.filter((f) => f.toLowerCase() !== 'none').map(expand)
    : DEFAULT_IDENTITY_FILES.map((f) => `${userDir}/${f}`);
  const yes = (k: string, dflt: boolean): boolean => {
    const v = first(k)?.toLowerCase();
    return v === undefined ? dflt : v === 'yes' || v === 'true';
  };
  const strictRaw = first('stricthostkeychecking')?.toLowerCase();
  const strictHostKeyChecking = strictRaw === 'yes' || strictRaw === 'true' ? 'yes'
    : strictRaw === 'no' || strictRaw === 'off' || strictRaw === 'false' ? 'no'
    : strictRaw === 'accept-new' ? 'accept-new' : 'ask';
  const knownFiles = (k: string, dflt: string[]): string[] => {
    const v = state.values.get(k);
    if (!v) return dflt;
    return v.flatMap((line) => line.split(/\s+/)).filter((f) => f !== '' && f.toLowerCase() !== 'none').map(expand);
  };
  for (const opt of ['proxycommand', 'proxyjump']) {
    const v = first(opt);
    if (v && v.toLowerCase() !== 'none') state.notes.push(`${opt === 'proxycommand' ? 'ProxyCommand' : 'ProxyJump'} ${v} is configured for ${input.host}: ssh connects through it, the probe connects directly`);
  }
  const alias = first('hostkeyalias');
  return {
    hostName,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
    ...(user ? { user } : {}),
    identityFiles: identityFiles.slice(0, MAX_IDENTITY_FILES),
    identitiesConfigured,
    identitiesOnly: yes('identitiesonly', false),
    identityAgent: first('identityagent') ?? 'SSH_AUTH_SOCK',
    pubkeyAuthentication: yes('pubkeyauthentication', true),
    strictHostKeyChecking,
    batchMode: yes('batchmode', false),
    userKnownHostsFiles: knownFiles('userknownhostsfile', [`${userDir}/known_hosts`, `${userDir}/known_hosts2`]),
    globalKnownHostsFiles: knownFiles('globalknownhostsfile', [`${systemDir}/ssh_known_hosts`, `${systemDir}/ssh_known_hosts2`]),
    ...(alias ? { hostKeyAlias: alias.toLowerCase() } : {}),
    files: state.files,
    notes: state.notes,
  };
}

async function readText(path: string, fs: InputFs): Promise<string | undefined> {
  try {
    return (await fs.readFile(path, 'ssh config')).toString('utf8');
  } catch (err) {
    // read_config_file: a file that cannot be opened is skipped (the user's config must also not be
    // writable by others, which the probe does not check).
    if (err instanceof InputFileError && (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EACCES')) return undefined;
    throw err;
  }
}

async function readFileInto(path: string, relativeDir: string, input: SshConfigInput, state: ReadState, fs: InputFs, depth: number): Promise<void> {
  const text = await readText(path, fs);
  if (text === undefined) return;
  state.files.push(path);
  // A file starts as if under "Host *" (options before the first Host apply to every host).
  let active = true;
  for (const [n, rawLine] of text.split('\n').entries()) {
    const line = rawLine.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(line)) continue;
    const words = splitConfigLine(line);
    const keyword = words[0]!.toLowerCase();
    const args = words.slice(1);
    if (keyword === 'host') {
      // Each pattern on the line is its own list (negations count across the line).
      const joined = args.join(',');
      active = args.length > 0 && matchPatternList(input.host, joined) === 1;
      continue;
    }
    if (keyword === 'match') {
      const all = args.length === 1 && args[0]!.toLowerCase() === 'all';
      active = all;
      if (!all) state.notes.push(`${path}:${n + 1}: Match ${args.join(' ')} is not evaluated by the probe: its options are not applied`);
      continue;
    }
    if (!active) continue;
    if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        state.notes.push(`${path}:${n + 1}: Include nested more than ${MAX_INCLUDE_DEPTH} deep: not followed`);
        continue;
      }
      for (const arg of args) {
        const target = arg.startsWith('/') ? arg : arg.startsWith('~') ? tildeExpand(arg, input.home) : `${relativeDir}/${arg}`;
        for (const file of await globFiles(target, fs)) await readFileInto(file, relativeDir, input, state, fs, depth + 1);
      }
      continue;
    }
    if (keyword === 'identityfile') {
      if (args[0] !== undefined) state.identityFiles.push(args[0]);
      continue;
    }
    if (args.length === 0) continue;
    if (!state.values.has(keyword)) state.values.set(keyword, [args.join(' ')]);
  }
}

/** glob(3) for the last path component only (what Include lines use: /etc/ssh/ssh_config.d/*.conf). */
async function globFiles(pattern: string, fs: InputFs): Promise<string[]> {
  const slash = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, slash) || '/';
  const base = pattern.slice(slash + 1);
  if (!/[*?]/.test(base)) return [pattern];
  let names: string[];
  try {
    names = (await fs.readdir(dir)).map((e) => e.name);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.') && matchPattern(n, base)).sort().map((n) => `${dir}/${n}`);
}

function tildeExpand(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return home + path.slice(1);
  return path;
}

/** percent_expand with the tokens that matter for these options (%h %p %r %u %d %%). */
function expandTokens(value: string, input: SshConfigInput, host: string, port?: number): string {
  return value.replace(/%([%hprud])/g, (_, t: string) => {
    switch (t) {
      case '%': return '%';
      case 'h': return host;
      case 'p': return String(port ?? input.port ?? 22);
      case 'r': return input.user ?? input.localUser;
      case 'u': return input.localUser;
      case 'd': return input.home;
      default: return '';
    }
  });
}

export interface KnownHostLine {
  readonly file: string;
  readonly line: number;
  readonly marker?: 'cert-authority' | 'revoked';
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
}

/**
 * hostfile.c: "[@marker] patterns keytype base64 [comment]". Lines that do not parse are skipped, as ssh
 * skips them. Only the fields are kept; comments never leave this function.
 */
export function parseKnownHosts(text: string, file: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/[ \t]+/);
    let marker: KnownHostLine['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@cert-authority') marker = 'cert-authority';
      else if (m === '@revoked') marker = 'revoked';
      else continue;
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    out.push({ file, line: n + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  }
  return out;
}

/** put_host_port (misc.c): the name looked up is "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * match_hostname / host_hash (hostfile.c): a hashed entry "|1|salt|hash" matches when
 * HMAC-SHA1(salt, name) is the hash; otherwise the comma-separated patterns are matched (negation
 * included) against the name in lower case.
 */
export function knownHostMatches(entry: string, name: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return matchPatternList(name, entry) === 1;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyBlobType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.length < 4 + len ? '' : blob.toString('latin1', 4, 4 + len);
}

export type HostKeyVerdict =
  | { readonly status: 'known'; readonly file: string; readonly line: number }
  | { readonly status: 'new'; readonly keyType: string }
  | { readonly status: 'changed'; readonly keyType: string; readonly file: string; readonly line: number }
  | { readonly status: 'revoked'; readonly file: string; readonly line: number }
  /** Only a @cert-authority line names the host: ssh would want a host certificate, which the probe does not request. */
  | { readonly status: 'cert-authority'; readonly file: string; readonly line: number };

/**
 * check_host_key (sshconnect.c) for a plain host key: a @revoked line with the key wins; a line for the
 * name with the same key is known; a line for the name with the same key type but another key is a
 * changed key; otherwise the host is new for this key type.
 */
export function judgeHostKey(lines: readonly KnownHostLine[], name: string, blob: Buffer): HostKeyVerdict {
  const forHost = lines.filter((l) => knownHostMatches(l.hosts, name));
  const type = keyBlobType(blob);
  const revoked = lines.find((l) => l.marker === 'revoked' && l.key.equals(blob));
  if (revoked) return { status: 'revoked', file: revoked.file, line: revoked.line };
  const plain = forHost.filter((l) => l.marker === undefined);
  const known = plain.find((l) => l.key.equals(blob));
  if (known) return { status: 'known', file: known.file, line: known.line };
  const changed = plain.find((l) => l.keyType === type);
  if (changed) return { status: 'changed', keyType: type, file: changed.file, line: changed.line };
  const ca = forHost.find((l) => l.marker === 'cert-authority');
  if (ca && plain.length === 0) return { status: 'cert-authority', file: ca.file, line: ca.line };
  return { status: 'new', keyType: type };
}

/**
 * order_hostkeyalgs (sshconnect2.c): ssh asks first for the host key types it already knows for this
 * host, so a server with several keys is checked against the one in known_hosts.
 */
export function preferredHostKeyTypes(lines: readonly KnownHostLine[], name: string, supported: readonly string[]): string[] {
  const knownTypes = new Set(lines.filter((l) => l.marker === undefined && knownHostMatches(l.hosts, name)).map((l) => l.keyType));
  const algFor = (alg: string): string => (alg === 'rsa-sha2-256' || alg === 'rsa-sha2-512' ? 'ssh-rsa' : alg);
  const first = supported.filter((a) => knownTypes.has(algFor(a)));
  return [...first, ...supported.filter((a) => !first.includes(a))];
}

/** Reads the known_hosts files ssh consults (missing files are skipped as ssh skips them). */
export async function readKnownHosts(files: readonly string[], fs: InputFs): Promise<{ lines: KnownHostLine[]; read: string[] }> {
  const lines: KnownHostLine[] = [];
  const read: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = (await fs.readFile(file, 'known_hosts')).toString('utf8');
    } catch (err) {
      if (err instanceof InputFileError && (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EACCES')) continue;
      throw err;
    }
    read.push(file);
    lines.push(...parseKnownHosts(text, file));
  }
  return { lines, read };
}
