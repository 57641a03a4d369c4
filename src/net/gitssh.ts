// git's ssh transport as `git ls-remote` uses it for an ssh:// or scp-like repository (git 2.39
// connect.c: parse_connect_url, git_connect; OpenSSH 9.2 as the ssh it runs): the host and port after
// ~/.ssh/config, TCP to it, the SSH banner and key exchange, the host key judged against known_hosts,
// public-key authentication with the keys ssh would offer, then `git-upload-pack '<path>'` and its ref
// advertisement, read bounded. The SSH protocol is ssh2's (pure JavaScript); the decisions are OpenSSH's.
//
// go runs git with GIT_TERMINAL_PROMPT=0 and, up to go 1.24, GIT_SSH_COMMAND="ssh -o ControlMaster=no
// -o BatchMode=yes" when neither GIT_SSH nor GIT_SSH_COMMAND is set (cmd/go/internal/modload/init.go;
// go 1.27 no longer sets it). Without BatchMode and without a terminal, as in a pod, ssh cannot ask
// either: measured, the unknown-host, refused-key and passphrase cases print the same texts both ways.
//
// Key material never leaves this module: keys are parsed in memory and only their type, file name and
// SHA256 fingerprint are reported.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type net from 'node:net';
import type { SshCause } from '../causes.js';
import { DnsError, LayerError, TcpError } from './errors.js';
import { InputFileError, type InputFs } from '../inputfile.js';
import {
  judgeHostKey, keyBlobType, knownHostsName, preferredHostKeyTypes, readKnownHosts, readSshConfig,
  type HostKeyVerdict, type SshHostConfig,
} from '../goenv/sshconfig.js';
import { dialHost, DialError, type DialAttempt } from './dialer.js';
import { GitProtocolError, MAX_PKT_LEN, MAX_REFS, parseRefAdvertisement, readPkts, type GitRef } from './gitsmart.js';
import { joinHostPort } from './netip.js';
import { DnsLookupError, type Resolver } from './resolver.js';
import { timeoutSignal } from '../signals.js';

/** What git prints after ssh (or the remote git-upload-pack) failed (connect.c, transport.c). */
export const GIT_COULD_NOT_READ = 'fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.';

/** The most bytes of ref advertisement the probe reads (a server that sends endless refs is cut off). */
export const MAX_SSH_ADVERTISEMENT_BYTES = 32 * 1024 * 1024;

export interface SshRepoUrl {
  readonly user?: string;
  /** As written (an IPv6 literal without brackets). */
  readonly host: string;
  readonly port?: number;
  /** The path git-upload-pack is given. */
  readonly path: string;
  /** 'ssh' for ssh://, git+ssh://, ssh+git://; 'scp' for [user@]host:path. */
  readonly form: 'ssh' | 'scp';
}

/**
 * parse_connect_url / url_is_local_not_ssh (connect.c): "ssh://", "git+ssh://", "ssh+git://" URLs, and
 * the scp-like "[user@]host:path" (a colon before any slash). For ssh:// a path starting "/~" loses its
 * slash (home-relative). Other URLs are not ssh: undefined.
 */
export function parseGitSshUrl(url: string): SshRepoUrl | undefined {
  const scheme = /^(ssh|git\+ssh|ssh\+git):\/\//.exec(url);
  if (scheme) {
    const rest = url.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    const authority = slash >= 0 ? rest.slice(0, slash) : rest;
    let path = slash >= 0 ? rest.slice(slash) : '';
    if (path.startsWith('/~')) path = path.slice(1);
    const at = authority.lastIndexOf('@');
    const user = at >= 0 ? decodeURIComponent(authority.slice(0, at)) : undefined;
    const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
    const m = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostPort) ?? /^([^:]*)(?::(\d*))?$/.exec(hostPort);
    if (!m || !m[1]) return undefined;
    const port = m[2] ? Number(m[2]) : undefined;
    return { ...(user ? { user } : {}), host: m[1], ...(port !== undefined ? { port } : {}), path, form: 'ssh' };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return undefined;
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon <= 0 || (slash >= 0 && slash < colon && !url.startsWith('['))) return undefined;
  // "[host:port]:path" and "user@[host:port]:path" (host_end in connect.c).
  const bracket = /^(?:([^@[\]]*)@)?\[([^\]]+)\]:(.*)$/.exec(url);
  if (bracket) {
    const inner = bracket[2]!;
    const ic = inner.lastIndexOf(':');
    const hasPort = ic > 0 && /^\d+$/.test(inner.slice(ic + 1)) && inner.indexOf(':') === ic;
    return {
      ...(bracket[1] ? { user: bracket[1] } : {}),
      host: hasPort ? inner.slice(0, ic) : inner,
      ...(hasPort ? { port: Number(inner.slice(ic + 1)) } : {}),
      path: bracket[3]!, form: 'scp',
    };
  }
  const authority = url.slice(0, colon);
  const at = authority.lastIndexOf('@');
  return { ...(at >= 0 ? { user: authority.slice(0, at) } : {}), host: authority.slice(at + 1), path: url.slice(colon + 1), form: 'scp' };
}

/** sq_quote_buf (quote.c): in single quotes, each ' and ! closed, escaped and reopened. */
export function gitUploadPackCommand(path: string): string {
  return `git-upload-pack '${path.replace(/['!]/g, (c) => `'\\${c}'`)}'`;
}

/**
 * A failure of the ssh hop past dns and tcp (those are a DnsError or TcpError with ssh's words): the host
 * key, the keys offered, the remote git-upload-pack. `sshError` is what ssh (or, `from` 'remote', the
 * remote command and git) print on stderr before git's own line; goError is git's whole stderr, which go
 * wraps. ssh ends each of its lines with CRLF (log.c do_log), which go keeps in its error text: measured,
 * "Permission denied (publickey).\r\n\tfatal: …".
 */
export class GitSshError extends LayerError {
  readonly layer = 'ssh' as const;
  declare readonly code: SshCause;
  readonly sshError: string;
  readonly from: 'ssh' | 'remote';
  /** The connects that opened the connection ssh then failed on (the host was reached). */
  readonly attempts: readonly DialAttempt[];
  /** The key file the server accepts and ssh ignores for its mode (git_publickey_denied). */
  readonly unprotectedKey?: string;
  constructor(code: SshCause, target: string, message: string, sshError: string, evidence: SshEvidence, from: 'ssh' | 'remote' = 'ssh') {
    super(code, target, message, gitStderrText(sshError, from), evidence);
    this.from = from;
    this.name = 'GitSshError';
    this.sshError = sshError;
    this.attempts = evidence.attempts ?? [];
    if (evidence.unprotectedKey !== undefined) this.unprotectedKey = evidence.unprotectedKey;
  }

  /** git's whole stderr: ssh's words, then git's "Could not read from remote repository". */
  get gitStderr(): string {
    return this.goError;
  }
}

/** What the ssh hop saw, for report.json: the connects, the host key, the keys offered. */
export interface SshEvidence {
  readonly attempts?: readonly DialAttempt[];
  readonly unprotectedKey?: string;
  readonly [field: string]: unknown;
}

/** What lsRemoteSsh throws: the ssh hop failed at dns, tcp or ssh, each with git's whole stderr as its goError. */
export type GitSshFailure = DnsError | TcpError | GitSshError;

/** git's stderr after ssh failed: ssh's lines (CRLF, as ssh writes them) or the remote's, then git's own. */
function gitStderrText(sshError: string, from: 'ssh' | 'remote'): string {
  if (!sshError) return GIT_COULD_NOT_READ;
  const text = from === 'ssh' ? sshError.split('\n').map((l) => `${l}\r`).join('\n') : sshError;
  return `${text}\n${GIT_COULD_NOT_READ}`;
}

export interface GitSshContext {
  readonly resolver: Resolver;
  readonly timeoutMs: number;
  readonly fs: InputFs;
  /** The passwd home directory of the user ssh runs as (not $HOME: ssh does not read it). */
  readonly home: string;
  /** The passwd user name: ssh's remote user when neither the URL nor ssh_config names one. */
  readonly localUser: string;
  /** SSH_AUTH_SOCK from the run's environment. */
  readonly authSock?: string;
  /** go ≤1.24 runs ssh with -o BatchMode=yes. */
  readonly batchMode: boolean;
  /** For tests: the system configuration directory (default /etc/ssh). */
  readonly systemDir?: string;
  /** The uid ssh runs as (sshkey_perm_ok compares a key file's owner with it); default the probe's own. */
  readonly uid?: number;
}

export interface OfferedKey {
  readonly source: string;
  readonly type?: string;
  /** SHA256:… of the public key, as ssh-keygen -l prints it. */
  readonly fingerprint?: string;
  readonly outcome: 'accepted' | 'refused' | 'missing' | 'passphrase' | 'unreadable' | 'unusable' | 'not tried' | 'bad permissions';
  /** The file's mode when ssh refuses to load it (group or other bits set on a key the user owns). */
  readonly mode?: string;
}

export interface GitSshResult {
  readonly target: string;
  readonly user: string;
  readonly hostKey: { readonly type: string; readonly fingerprint: string; readonly knownIn: string };
  readonly keys: readonly OfferedKey[];
  readonly refs: readonly GitRef[];
  readonly serverVersion?: string;
  readonly attempts: readonly DialAttempt[];
  readonly config: SshHostConfig;
  readonly notes: readonly string[];
}

/** "SHA256:<unpadded base64>" of a public key blob (sshkey_fingerprint). */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** getaddrinfo's gai_strerror as ssh prints it after "Could not resolve hostname H: ". */
function gaiText(code: string): string {
  if (code === 'dns.nxdomain' || code === 'dns.hosts_only') return 'Name or service not known';
  if (code === 'dns.nodata') return 'No address associated with hostname';
  return 'Temporary failure in name resolution';
}

/** strerror of connect(2) as ssh prints it after "connect to host H port P: ". */
function connectText(code: string): string {
  switch (code) {
    case 'tcp.refused': return 'Connection refused';
    case 'tcp.timeout': return 'Connection timed out';
    case 'tcp.unreachable': return 'No route to host';
    case 'tcp.permission': return 'Permission denied';
    default: return 'Connection reset by peer';
  }
}

const SUPPORTED_HOST_KEYS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

interface Ssh2 {
  readonly Client: typeof import('ssh2').Client;
  readonly parseKey: typeof import('ssh2').utils.parseKey;
}
let ssh2Module: Promise<Ssh2> | undefined;
/**
 * ssh2's client and key parser, loaded when an ssh repository is checked, not at start-up; its index
 * (server, SFTP, key generation) is never loaded.
 */
function loadSsh2(): Promise<Ssh2> {
  ssh2Module ??= Promise.all([import('ssh2/lib/client.js'), import('ssh2/lib/protocol/keyParser.js')]).then(([client, keys]) => {
    const interop = <T>(m: T | { default: T }): T => ((m as { default?: T }).default ?? (m as T));
    return { Client: interop(client as never), parseKey: interop(keys as never as { parseKey: Ssh2['parseKey'] }).parseKey };
  });
  return ssh2Module;
}

interface LoadedKey {
  readonly offered: OfferedKey;
  /**
   * The key file's bytes, handed to ssh2's client as they are: the client parses them with its own key
   * parser (in the bundle that is another unit than the one the probe parsed them with, whose key objects
   * the client would not recognise). Zeroed when the check ends.
   */
  readonly key?: Buffer;
  /** sshkey_perm_ok (authfile.c) fails: ssh offers the public key, and ignores the key if the server takes it. */
  readonly badPermissions?: boolean;
}

/** The words ssh prints when it loads a private key its owner left readable to others (authfile.c sshkey_perm_ok). */
export function unprotectedKeyText(path: string, mode: string): string {
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `Permissions ${mode} for '${path}' are too open.`,
    'It is required that your private key files are NOT accessible by others.',
    'This private key will be ignored.',
    `Load key "${path}": bad permissions`,
  ].join('\n');
}

/**
 * The identity files ssh would offer (sshconnect2.c pubkey_prepare, load_identity_file): a missing file is
 * skipped silently; an encrypted key cannot be unlocked without a terminal (batch mode, or no tty: ssh
 * cannot ask), so it is offered to no avail. Parsed with ssh2; no byte of a key is kept past this.
 */
async function loadIdentities(ssh2: Ssh2, files: readonly string[], fs: InputFs, uid: number | undefined): Promise<LoadedKey[]> {
  const out: LoadedKey[] = [];
  for (const file of files) {
    // sshkey_perm_ok: a key file owned by ssh's uid with any group/other bit set is refused (a Secret
    // mounted with Kubernetes' default mode 0644, as root, is the common case). One owned by another uid is not judged.
    let mode: string | undefined;
    try {
      const st = await stat(file);
      if (uid !== undefined && st.uid === uid && (st.mode & 0o077) !== 0) mode = `0${(st.mode & 0o777).toString(8)}`;
    } catch {
      // Missing or unreadable: the read below says which.
    }
    let data: Buffer;
    try {
      data = await fs.readFile(file, 'ssh private key');
    } catch (err) {
      if (err instanceof InputFileError) {
        out.push({ offered: { source: file, outcome: err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'missing' : 'unreadable' } });
        continue;
      }
      throw err;
    }
    const parsed = ssh2.parseKey(data);
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!first || first instanceof Error) {
      data.fill(0);
      const encrypted = first instanceof Error && /passphrase|encrypted/i.test(first.message);
      out.push({ offered: { source: file, outcome: encrypted ? 'passphrase' : 'unusable' } });
      continue;
    }
    const pub = first.getPublicSSH();
    out.push({ offered: { source: file, type: first.type, fingerprint: sshFingerprint(pub), outcome: 'not tried', ...(mode ? { mode } : {}) }, key: data, ...(mode ? { badPermissions: true } : {}) });
  }
  return out;
}

/** The hop's name as the report shows it: host:port (the port always). */
function targetOf(config: { hostName: string; port: number }): string {
  return joinHostPort(config.hostName, config.port);
}

/**
 * Runs the ssh side of `git ls-remote` against one repository URL: resolves, connects, verifies the host
 * key, authenticates, runs git-upload-pack and returns its refs. Throws a GitSshFailure with ssh's words.
 */
export async function lsRemoteSsh(ctx: GitSshContext, repo: SshRepoUrl, signal: AbortSignal): Promise<GitSshResult> {
  const config = await readSshConfig({
    host: repo.host,
    ...(repo.port !== undefined ? { port: repo.port } : {}),
    ...(repo.user ? { user: repo.user } : {}),
    home: ctx.home,
    localUser: ctx.localUser,
    ...(ctx.batchMode ? { commandLine: { BatchMode: 'yes', ControlMaster: 'no' } } : {}),
    ...(ctx.systemDir ? { systemDir: ctx.systemDir } : {}),
  }, ctx.fs);
  const target = targetOf(config);
  const user = config.user ?? ctx.localUser;
  const notes = [...config.notes];

  // dns and tcp: ssh_connect_direct (sshconnect.c), with ssh's words.
  let addresses: readonly string[];
  try {
    addresses = (await ctx.resolver.lookup(config.hostName, { signal: timeoutSignal(signal, ctx.timeoutMs) })).addresses;
  } catch (err) {
    if (err instanceof DnsLookupError) {
      throw new DnsError(err.code, target, err.message, gitStderrText(`ssh: Could not resolve hostname ${config.hostName}: ${gaiText(err.code)}`, 'ssh'), err.result);
    }
    throw err;
  }
  let socket: net.Socket;
  let attempts: DialAttempt[];
  try {
    ({ socket, attempts } = await dialHost(addresses, config.port, { signal: timeoutSignal(signal, ctx.timeoutMs), budgetMs: ctx.timeoutMs }));
  } catch (err) {
    if (err instanceof DialError) {
      // A connection the server resets as soon as it is open is ssh's failure to read the banner.
      const text = err.code === 'tcp.reset'
        ? sshProtocolText('reset', err.attempts.at(-1)?.address ?? config.hostName, config.port, false)
        : `ssh: connect to host ${config.hostName} port ${config.port}: ${connectText(err.code)}`;
      throw new TcpError(err.code, target, err.message, gitStderrText(text, 'ssh'), err.attempts);
    }
    throw err;
  }

  const ssh2 = await loadSsh2();
  const known = await readKnownHosts([...config.userKnownHostsFiles, ...config.globalKnownHostsFiles], ctx.fs);
  const lookupName = config.hostKeyAlias ?? knownHostsName(config.hostName, config.port);
  const keys = config.pubkeyAuthentication ? await loadIdentities(ssh2, config.identityFiles, ctx.fs, ctx.uid ?? process.getuid?.()) : [];
  const agentPath = config.identityAgent === 'none' ? undefined
    : config.identityAgent === 'SSH_AUTH_SOCK' ? ctx.authSock : config.identityAgent.replace(/^~(?=\/)/, ctx.home);
  const agent = config.pubkeyAuthentication && agentPath ? agentPath : undefined;
  const offered: OfferedKey[] = keys.map((k) => k.offered);

  const client = new ssh2.Client();
  let hostVerdict: HostKeyVerdict | undefined;
  let hostBlob: Buffer | undefined;
  let methods: string[] | undefined;
  let currentKey = -1;
  let serverVersion: string | undefined;
  const evidence = (): SshEvidence => ({
    attempts, knownHostsFiles: known.read, lookupName,
    ...(hostBlob ? { hostKey: { type: keyBlobType(hostBlob), fingerprint: sshFingerprint(hostBlob) } } : {}),
    ...(serverVersion ? { serverVersion } : {}),
    keys: offered, ...(agent ? { agent } : {}), user, configFiles: config.files,
  });

  const acceptsUnknown = config.strictHostKeyChecking === 'no' || config.strictHostKeyChecking === 'accept-new';
  // ssh names the peer by its address in these lines (ssh_remote_ipaddr).
  const peer = attempts.find((a) => a.chosen)?.address ?? config.hostName;
  const session = new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    const fail = (err: GitSshError): void => {
      settled = true;
      reject(err);
      client.end();
      socket.destroy();
    };
    const onAbort = (): void => fail(new GitSshError('git_ssh_failed', target, 'the ssh check ran out of time', `ssh: connect to host ${config.hostName} port ${config.port}: Connection timed out`, evidence()));
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('close', () => {
      signal.removeEventListener('abort', onAbort);
      // A server that hangs up without an SSH error (after the banner, during the key exchange, …).
      if (!settled) fail(new GitSshError('git_ssh_failed', target, `${target} closed the connection before the ssh session was set up`, sshProtocolText('closed', peer, config.port, serverVersion !== undefined), evidence()));
    });

    // The authentication sequence: "none" (to learn the server's methods, as ssh does), the agent's keys
    // (unless IdentitiesOnly), then each identity file.
    const steps: (() => unknown)[] = [];
    steps.push(() => ({ type: 'none', username: user }));
    if (agent && !config.identitiesOnly) steps.push(() => ({ type: 'agent', username: user, agent }));
    // Keys ssh would refuse to load go last: none of them can log ssh in; one the server takes only adds
    // ssh's warning to the failure (measured: the warning appears only for a key the server accepts).
    for (const bad of [false, true]) {
      keys.forEach((k, i) => {
        if (k.key && !!k.badPermissions === bad) steps.push(() => { currentKey = i; return { type: 'publickey', username: user, key: k.key }; });
      });
    }
    let step = 0;
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'agent') {
        notes.push(`the agent at ${agent} could not be used: ${err.message}`);
        return;
      }
      if (hostVerdict && hostVerdict.status !== 'known' && !(hostVerdict.status === 'new' && acceptsUnknown)) {
        fail(hostKeyError(hostVerdict, config, lookupName, target, hostBlob!, evidence()));
        return;
      }
      if (err.level === 'client-authentication') {
        fail(new GitSshError('git_publickey_denied', target,
          `the server accepted none of the keys offered for ${user}@${config.hostName} (${describeOffered(offered, agent)})`,
          `${user}@${config.hostName}: Permission denied (${(methods ?? ['publickey']).join(',')}).`, evidence()));
        return;
      }
      fail(new GitSshError('git_ssh_failed', target, `ssh handshake with ${target} failed: ${err.message}`,
        sshProtocolText(/timed out/i.test(err.message) ? 'timeout' : /ECONNRESET|reset/i.test(err.message) ? 'reset' : 'closed', peer, config.port, serverVersion !== undefined), evidence()));
    });
    client.on('greeting', () => undefined);
    client.on('handshake', () => undefined);
    client.on('ready', () => {
      if (currentKey >= 0 && keys[currentKey]!.badPermissions) {
        const k = offered[currentKey]!;
        offered[currentKey] = { ...k, outcome: 'bad permissions' };
        fail(new GitSshError('git_publickey_denied', target,
          `the server accepts the key ${k.source} (${k.fingerprint}), but ssh ignores it: its mode ${k.mode} lets others read it`,
          `${unprotectedKeyText(k.source, k.mode!)}\n${user}@${config.hostName}: Permission denied (${(methods ?? ['publickey']).join(',')}).`, { ...evidence(), unprotectedKey: k.source }));
        return;
      }
      if (currentKey >= 0) offered[currentKey] = { ...offered[currentKey]!, outcome: 'accepted' };
      client.exec(gitUploadPackCommand(repo.path), (err, stream) => {
        if (err) {
          fail(new GitSshError('git_ssh_failed', target, `the server refused to run git-upload-pack: ${err.message}`, '', evidence()));
          return;
        }
        let stdout = Buffer.alloc(0);
        let stderr = '';
        let done = false;
        stream.stderr.on('data', (d: Buffer) => {
          if (stderr.length < 64 * 1024) stderr += d.toString('utf8');
        });
        stream.on('data', (d: Buffer) => {
          if (done) return;
          stdout = Buffer.concat([stdout, d]);
          if (stdout.length > MAX_SSH_ADVERTISEMENT_BYTES) {
            done = true;
            fail(new GitSshError('git_ssh_failed', target, `the ref advertisement passed ${MAX_SSH_ADVERTISEMENT_BYTES} bytes: the probe stops reading (a server sending endless refs)`,
              'fatal: the remote end hung up unexpectedly', evidence(), 'remote'));
            return;
          }
          if (advertisementEnd(stdout) >= 0) {
            done = true;
            // A flush tells upload-pack the client wants nothing (git ls-remote does the same).
            stream.end('0000');
            settled = true;
            resolve(stdout.subarray(0, advertisementEnd(stdout)));
            client.end();
          }
        });
        stream.on('close', (code: number | null) => {
          if (done) return;
          done = true;
          const text = stderr.replace(/\s+$/, '');
          if (stdout.length === 0) {
            fail(new GitSshError('git_repo_not_found', target,
              `git-upload-pack '${repo.path}' on ${target} exited ${code ?? 'without a status'} without advertising refs${text ? `: ${text.split('\n')[0]}` : ''}`,
              text, { ...evidence(), exitStatus: code }, 'remote'));
          } else {
            fail(new GitSshError('git_ssh_failed', target, 'the ref advertisement ended before its flush packet',
              text ? `${text}\nfatal: the remote end hung up unexpectedly` : 'fatal: the remote end hung up unexpectedly', evidence(), 'remote'));
          }
        });
      });
    });

    const ordered = preferredHostKeyTypes(known.lines, lookupName, SUPPORTED_HOST_KEYS);
    client.connect({
      sock: socket,
      username: user,
      readyTimeout: ctx.timeoutMs,
      // The server's identification string, for the evidence (ssh2 names it only in its debug lines).
      debug: (line: string) => {
        const m = /^Remote ident: '(.*)'$/.exec(line);
        if (m) serverVersion = m[1]!.slice(0, 200);
      },
      algorithms: { serverHostKey: ordered as never },
      hostVerifier: (blob: Buffer) => {
        hostBlob = Buffer.from(blob);
        hostVerdict = judgeHostKey(known.lines, lookupName, blob);
        // check_host_key (sshconnect.c): a host not found as [host]:port is looked up again without the
        // port, and a matching key there is accepted ("found matching key w/out port"; measured with 9.2).
        if (hostVerdict.status === 'new' && !config.hostKeyAlias && config.port !== 22) {
          const withoutPort = judgeHostKey(known.lines, config.hostName, blob);
          if (withoutPort.status === 'known') hostVerdict = withoutPort;
        }
        if (hostVerdict.status === 'known') return true;
        return hostVerdict.status === 'new' && acceptsUnknown;
      },
      authHandler: (methodsLeft: string[] | null, _partial: boolean | null, next: (a: unknown) => void) => {
        if (methodsLeft) methods = methodsLeft;
        if (currentKey >= 0 && offered[currentKey]!.outcome === 'not tried') offered[currentKey] = { ...offered[currentKey]!, outcome: 'refused' };
        // A server that does not allow publickey gets nothing more from a batch-mode ssh.
        while (step < steps.length) {
          const s = steps[step++]!;
          if (step > 1 && methods && !methods.includes('publickey')) break;
          return s() as never;
        }
        next(false);
        return undefined as never;
      },
    } as never);
  });

  let advertisement: Buffer;
  try {
    advertisement = await session;
  } finally {
    socket.destroy();
    for (const k of keys) k.key?.fill(0);
  }
  const refs = parseSshAdvertisement(advertisement);
  const blob = hostBlob!;
  const verdict = hostVerdict!;
  return {
    target, user, config, notes, attempts, refs, keys: offered,
    hostKey: { type: keyBlobType(blob), fingerprint: sshFingerprint(blob), knownIn: verdict.status === 'known' ? `${verdict.file}:${verdict.line}` : 'accepted as new (StrictHostKeyChecking)' },
    ...(serverVersion ? { serverVersion } : {}),
  };
}

function describeOffered(keys: readonly OfferedKey[], agent: string | undefined): string {
  const tried = keys.filter((k) => k.outcome !== 'missing').map((k) => `${k.source}: ${k.outcome === 'passphrase' ? 'passphrase-protected, cannot be unlocked without a terminal' : k.mode ? `${k.outcome} (mode ${k.mode}: ssh would ignore it)` : k.outcome}${k.fingerprint ? ` ${k.fingerprint}` : ''}`);
  const parts = [...(agent ? [`the agent at ${agent}`] : []), ...tried];
  return parts.length ? parts.join('; ') : 'no key file exists and no agent is set';
}

/** sshkey_type (sshkey.c): the short name ssh prints for a key type. */
function sshKeyTypeName(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (type === 'ssh-rsa') return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  return type;
}

/** ssh's words for a failed host key check (sshconnect.c check_host_key), then "Host key verification failed." */
function hostKeyError(v: HostKeyVerdict, config: SshHostConfig, name: string, target: string, blob: Buffer, evidence: SshEvidence): GitSshError {
  const fp = sshFingerprint(blob);
  const type = keyBlobType(blob);
  if (v.status === 'changed') {
    return new GitSshError('git_host_key_changed', target,
      `the ${type} host key of ${name} (${fp}) differs from the one in ${v.file}:${v.line}`,
      `Host key for ${name} has changed and you have requested strict checking.\nHost key verification failed.`, evidence);
  }
  if (v.status === 'revoked') {
    return new GitSshError('git_host_key_changed', target, `the host key of ${name} (${fp}) is marked @revoked in ${v.file}:${v.line}`,
      `${sshKeyTypeName(type)} host key for ${name} was revoked and you have requested strict checking.\nHost key verification failed.`, evidence);
  }
  if (v.status === 'cert-authority') {
    return new GitSshError('git_not_checked', target,
      `known_hosts names ${name} only through a @cert-authority line (${v.file}:${v.line}): ssh would ask for a host certificate, which the probe does not check`,
      '', evidence);
  }
  const files = [...config.userKnownHostsFiles, ...config.globalKnownHostsFiles].join(', ');
  return new GitSshError('git_host_key_unknown', target,
    `no known_hosts entry for ${name} holds its ${type} host key (${fp}); read: ${files}`,
    'Host key verification failed.', evidence);
}

/**
 * ssh's words when the connection ends before a session (measured with OpenSSH 9.2): before the server's
 * banner, kex_exchange_identification's line then the peer's; after it, the peer's line alone. A banner
 * timeout only happens with ConnectTimeout, which go does not set: ssh would wait, the probe says so.
 */
function sshProtocolText(how: 'timeout' | 'reset' | 'closed', peer: string, port: number, bannerSeen: boolean): string {
  if (how === 'timeout') return `Connection timed out during banner exchange\nConnection to ${peer} port ${port} timed out`;
  const last = how === 'reset' ? `Connection reset by ${peer} port ${port}` : `Connection closed by ${peer} port ${port}`;
  if (bannerSeen) return last;
  return `${how === 'reset' ? 'kex_exchange_identification: read: Connection reset by peer' : 'kex_exchange_identification: Connection closed by remote host'}\n${last}`;
}

/**
 * Where the v0 ref advertisement ends: the byte after its flush pkt, or -1 while it has not arrived. Bad
 * lengths are left to readPkts, which gives git's words: this only scans.
 */
function advertisementEnd(buf: Buffer): number {
  let pos = 0;
  let count = 0;
  while (pos + 4 <= buf.length) {
    const len = Number.parseInt(buf.toString('latin1', pos, pos + 4), 16);
    if (Number.isNaN(len) || (len > 0 && len < 4) || len > MAX_PKT_LEN) return pos + 4;
    if (len === 0) return pos + 4;
    if (++count > MAX_REFS + 64) return pos;
    pos += len;
  }
  return -1;
}

/** The v0 advertisement git-upload-pack sends over ssh (no "# service" line: connect.c get_remote_heads). */
export function parseSshAdvertisement(body: Buffer): GitRef[] {
  const pkts = readPkts(body);
  const first = pkts[0];
  if (first?.type === 'data' && first.data.toString('utf8') === 'version 2') {
    // Only a client that sends GIT_PROTOCOL=version=2 gets this; the probe sends none.
    throw new GitProtocolError('unexpected protocol v2 answer');
  }
  return parseRefAdvertisement(pkts, 0).refs;
}
