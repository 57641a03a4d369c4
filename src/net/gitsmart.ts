// git's smart HTTP protocol as `git ls-remote` speaks it (git 2.39: remote-curl.c, connect.c, pkt-line.c;
// Documentation/gitprotocol-http.txt, gitprotocol-v2.txt): GET <repo>/info/refs?service=git-upload-pack
// with `Git-Protocol: version=2`; a v2 server answers with its capabilities and the refs come from a POST
// of the ls-refs command to <repo>/git-upload-pack; an older server answers with the v0 advertisement,
// which holds the refs itself. Every read here is of a body already capped by the HTTP client, and the
// number of refs is capped too: a server that sends endless refs is refused, not followed.

/** LARGE_PACKET_MAX (pkt-line.h): the longest pkt-line, its 4 length digits included. */
export const MAX_PKT_LEN = 65520;
/** The most refs the probe keeps from one repository (go's own repositories rarely hold 10 000). */
export const MAX_REFS = 100_000;

export const UPLOAD_PACK_ADVERTISEMENT = 'application/x-git-upload-pack-advertisement';
export const UPLOAD_PACK_REQUEST = 'application/x-git-upload-pack-request';
export const UPLOAD_PACK_RESULT = 'application/x-git-upload-pack-result';

/** A protocol failure, with the text git prints (after "fatal: "). */
export class GitProtocolError extends Error {
  constructor(readonly gitMessage: string, detail?: string) {
    super(detail ?? gitMessage);
    this.name = 'GitProtocolError';
  }
}

export type Pkt = { readonly type: 'data'; readonly data: Buffer } | { readonly type: 'flush' | 'delim' | 'end' };

/**
 * packet_read: 4 hex digits of length (the digits included), 0000 flush, 0001 delim, 0002 response-end;
 * 0003 and 0004..., past LARGE_PACKET_MAX or not hex are protocol errors; a body that ends inside a pkt
 * is git's "the remote end hung up unexpectedly". At most `maxPkts` pkts are read.
 */
export function readPkts(body: Buffer, maxPkts = MAX_REFS + 64): Pkt[] {
  const pkts: Pkt[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (pkts.length >= maxPkts) throw new GitProtocolError('the remote end hung up unexpectedly', `more than ${maxPkts} pkt-lines: the probe stops reading (a server sending endless refs)`);
    if (pos + 4 > body.length) throw new GitProtocolError('the remote end hung up unexpectedly', 'the body ends inside a pkt-line length');
    const digits = body.toString('latin1', pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw new GitProtocolError(`protocol error: bad line length character: ${digits}`);
    const len = Number.parseInt(digits, 16);
    if (len === 0 || len === 1 || len === 2) {
      pkts.push({ type: len === 0 ? 'flush' : len === 1 ? 'delim' : 'end' });
      pos += 4;
      continue;
    }
    if (len < 4) throw new GitProtocolError(`protocol error: bad line length ${len}`);
    if (len > MAX_PKT_LEN) throw new GitProtocolError(`protocol error: bad line length ${len}`);
    if (pos + len > body.length) throw new GitProtocolError('the remote end hung up unexpectedly', `a pkt-line of ${len} bytes, ${body.length - pos} left in the body`);
    let data = body.subarray(pos + 4, pos + len);
    // packet_read with PACKET_READ_CHOMP_NEWLINE, as the ref readers use it.
    if (data.length > 0 && data[data.length - 1] === 0x0a) data = data.subarray(0, data.length - 1);
    // PACKET_READ_DIE_ON_ERR_PACKET: "ERR <msg>" from the server ends the exchange with its message.
    if (data.subarray(0, 4).toString('latin1') === 'ERR ') throw new GitProtocolError(`remote error: ${data.subarray(4).toString('utf8')}`);
    pkts.push({ type: 'data', data });
    pos += len;
  }
  return pkts;
}

export interface GitRef {
  readonly name: string;
  readonly oid: string;
  /** The object an annotated tag points to (v0 "^{}" line, v2 "peeled:"). */
  readonly peeled?: string;
}

export type InfoRefs =
  | { readonly protocol: 'v0'; readonly refs: readonly GitRef[]; readonly capabilities: readonly string[] }
  | { readonly protocol: 'v2'; readonly capabilities: readonly string[] };

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The answer to GET info/refs?service=git-upload-pack (remote-curl.c discover_refs, check_smart_http):
 * smart only with the advertisement content type (otherwise git falls back to the dumb protocol, which the
 * probe does not speak: undefined); an optional "# service=git-upload-pack" line and flush, then either
 * "version 2" and the capability lines, or the v0 refs (first line: capabilities after a NUL; an empty
 * repository advertises "capabilities^{}").
 */
export function parseInfoRefs(contentType: string | undefined, body: Buffer): InfoRefs | undefined {
  if ((contentType ?? '').split(';')[0]!.trim().toLowerCase() !== UPLOAD_PACK_ADVERTISEMENT) return undefined;
  const pkts = readPkts(body);
  let i = 0;
  const first = pkts[i];
  if (!first || first.type !== 'data') throw new GitProtocolError('invalid server response; expected service, got flush packet');
  if (first.data.toString('utf8') === '# service=git-upload-pack') {
    i++;
    // Metadata lines up to a flush are ignored.
    while (i < pkts.length && pkts[i]!.type === 'data') i++;
    i++;
  } else if (first.data.toString('utf8') !== 'version 2') {
    throw new GitProtocolError(`invalid server response; got '${first.data.toString('utf8')}'`);
  }
  const next = pkts[i];
  if (next?.type === 'data' && next.data.toString('utf8') === 'version 2') {
    const capabilities: string[] = [];
    for (i++; i < pkts.length && pkts[i]!.type === 'data'; i++) capabilities.push((pkts[i] as { data: Buffer }).data.toString('utf8'));
    return { protocol: 'v2', capabilities };
  }
  return { protocol: 'v0', ...parseRefAdvertisement(pkts, i) };
}

/**
 * get_remote_heads (connect.c): "<oid> <name>[\0caps]" lines from pkts[start] up to the flush; "<name>^{}"
 * peels the one before; an empty repository advertises "capabilities^{}". The same lines come over smart
 * HTTP (after the service line) and over ssh (first thing git-upload-pack sends).
 */
export function parseRefAdvertisement(pkts: readonly Pkt[], start: number): { refs: GitRef[]; capabilities: string[] } {
  const refs: GitRef[] = [];
  let capabilities: string[] = [];
  for (let i = start; i < pkts.length; i++) {
    const p = pkts[i]!;
    if (p.type !== 'data') break;
    let line = p.data.toString('utf8');
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      capabilities = line.slice(nul + 1).split(' ').filter((c) => c !== '');
      line = line.slice(0, nul);
    }
    const sp = line.indexOf(' ');
    const oid = line.slice(0, sp);
    const name = line.slice(sp + 1);
    if (sp < 0 || !OID.test(oid) || name === '') throw new GitProtocolError(`protocol error: unexpected '${line}'`);
    if (name === 'capabilities^{}') continue;
    if (name.endsWith('^{}')) {
      const last = refs[refs.length - 1];
      if (last && last.name === name.slice(0, -3)) refs[refs.length - 1] = { ...last, peeled: oid };
      continue;
    }
    refs.push({ name, oid });
  }
  return { refs, capabilities };
}

/**
 * The body of the ls-refs command (gitprotocol-v2.txt; connect.c get_remote_refs): the command, the
 * agent and object format when the server offers them, a delim, then peel and symrefs and a flush.
 * `git ls-remote` without patterns sends no ref-prefix: all refs come back.
 */
export function lsRefsRequest(capabilities: readonly string[], agent = 'git/2.39.5'): Buffer {
  const pkt = (s: string): string => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  let out = pkt('command=ls-refs\n');
  if (capabilities.some((c) => c === 'agent' || c.startsWith('agent='))) out += pkt(`agent=${agent}\n`);
  const format = capabilities.find((c) => c.startsWith('object-format='));
  if (format) out += pkt(`${format}\n`);
  out += '0001';
  out += pkt('peel\n') + pkt('symrefs\n');
  out += '0000';
  return Buffer.from(out, 'utf8');
}

/** The ls-refs answer: "<oid> <name>[ symref-target:<t>][ peeled:<oid>]" lines up to a flush. */
export function parseLsRefs(body: Buffer): GitRef[] {
  const refs: GitRef[] = [];
  for (const p of readPkts(body)) {
    if (p.type !== 'data') break;
    const [oid, name, ...attrs] = p.data.toString('utf8').split(' ');
    // "unborn HEAD" is a HEAD without a commit (an empty repository).
    if (oid === 'unborn') continue;
    if (!oid || !OID.test(oid) || !name) throw new GitProtocolError(`expected a ref, got '${p.data.toString('utf8')}'`);
    const peeled = attrs.find((a) => a.startsWith('peeled:'))?.slice('peeled:'.length);
    refs.push(peeled ? { name, oid, peeled } : { name, oid });
  }
  return refs;
}

export type TagCheck =
  | { readonly check: 'tag'; readonly tag: string }
  | { readonly check: 'not checked'; readonly why: string };

const PSEUDO = /(^|[-.])\d{14}-[0-9a-f]{12}(\+incompatible)?$/;

/**
 * The tag go looks for (modfetch/coderepo.go): the module's directory in the repository (the module path
 * past the repository root, without its /vN major suffix) and "/" before the version; "+incompatible"
 * names the plain tag. A pseudo-version names a commit, which ls-refs cannot list: not checked.
 */
export function tagForVersion(modulePath: string, repoRoot: string, version: string): TagCheck {
  if (PSEUDO.test(version)) return { check: 'not checked', why: `${version} is a pseudo-version: its commit cannot be listed by ls-refs (go fetches it by hash)` };
  if (version === 'latest' || version === 'upgrade' || version === 'patch') return { check: 'not checked', why: `"${version}" is resolved from all the tags` };
  const major = /\/v[2-9]\d*$|\/v[1-9]\d+$/.exec(modulePath);
  const prefixPath = major ? modulePath.slice(0, major.index) : modulePath;
  let dir = prefixPath === repoRoot ? '' : prefixPath.startsWith(`${repoRoot}/`) ? prefixPath.slice(repoRoot.length + 1) : '';
  if (dir !== '') dir += '/';
  return { check: 'tag', tag: `refs/tags/${dir}${version.replace(/\+incompatible$/, '')}` };
}
