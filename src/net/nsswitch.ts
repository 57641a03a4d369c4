// The `hosts:` line of /etc/nsswitch.conf, reduced to the lookup order Go's pure resolver uses
// (parseNSSConf in src/net/nss.go, conf.lookupOrder in src/net/conf.go, with cgo unavailable as
// in the static cmd/go since Go 1.21).

import { goLines } from './hosts.js';

export type HostLookupOrder = 'files,dns' | 'dns,files' | 'files' | 'dns';

/** trimSpace (parse.go): ASCII space, \t, \n, \r only. */
function trimSpace(s: string): string {
  return s.replace(/^[ \t\n\r]+/, '').replace(/[ \t\n\r]+$/, '');
}

/** parseCriteria: "[!]status=action" fields; Go only checks their shape. */
function criteriaValid(x: string): boolean {
  for (const raw of trimSpace(x).split(' ')) {
    let f = trimSpace(raw);
    if (f.length === 0) continue;
    if (f[0] === '!') f = f.slice(1);
    if (f.length < 3 || !f.includes('=')) return false;
  }
  return true;
}

interface NssParse {
  hosts: string[];
  criteria: number;
  error?: string;
}

function parseSources(text: string): NssParse {
  const out: NssParse = { hosts: [], criteria: 0 };
  for (const rawLine of goLines(text)) {
    const hash = rawLine.indexOf('#');
    const line = trimSpace(hash >= 0 ? rawLine.slice(0, hash) : rawLine);
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    if (colon === -1) return { ...out, error: 'no colon on line' };
    const db = trimSpace(line.slice(0, colon));
    let srcs = line.slice(colon + 1);
    // Each pass consumes at least one character, so this ends within the line's length.
    for (;;) {
      srcs = trimSpace(srcs);
      if (srcs.length === 0) break;
      // Go splits sources at spaces only: a tab inside the list is part of a source name.
      const sp = srcs.indexOf(' ');
      let src: string;
      if (sp === -1) {
        src = srcs;
        srcs = '';
      } else {
        src = srcs.slice(0, sp);
        srcs = trimSpace(srcs.slice(sp + 1));
      }
      if (srcs.length > 0 && srcs[0] === '[') {
        const bclose = srcs.indexOf(']');
        if (bclose === -1) return { ...out, error: 'unclosed criterion bracket' };
        const crit = srcs.slice(1, bclose);
        if (!criteriaValid(crit)) return { ...out, error: `invalid criteria: ${crit}` };
        if (db === 'hosts') out.criteria++;
        srcs = srcs.slice(bclose + 1);
      }
      if (db === 'hosts') out.hosts.push(src);
    }
  }
  return out;
}

/**
 * The order Go's resolver uses for host names. `text` undefined means the file is missing,
 * which Go (like a missing or empty `hosts:` line) treats as files then dns.
 */
export function parseNsswitch(text: string | undefined): { order: HostLookupOrder; note?: string } {
  if (text === undefined) {
    return { order: 'files,dns', note: 'no nsswitch.conf: go uses files,dns' };
  }
  const parsed = parseSources(text);
  if (parsed.error !== undefined) {
    return { order: 'files,dns', note: `go cannot parse nsswitch.conf (${parsed.error}): it falls back to files,dns` };
  }
  const srcs = parsed.hosts;
  if (srcs.length === 0) {
    return { order: 'files,dns', note: 'nsswitch.conf has no hosts sources: go uses files,dns' };
  }

  let filesSource = false;
  let dnsSource = false;
  let hasDNSSource = false;
  let hasDNSSourceChecked = false;
  let first = '';
  const ignored: string[] = [];
  const asDns: string[] = [];
  for (let i = 0; i < srcs.length; i++) {
    const src = srcs[i]!;
    if (src === 'files' || src === 'dns') {
      if (src === 'files') filesSource = true;
      else {
        hasDNSSource = true;
        hasDNSSourceChecked = true;
        dnsSource = true;
      }
      if (first === '') first = src;
      continue;
    }
    if (!hasDNSSourceChecked) {
      hasDNSSourceChecked = true;
      hasDNSSource = srcs.slice(i + 1).includes('dns');
    }
    // An unknown source counts as dns, but only when dns is listed nowhere else.
    if (!hasDNSSource) {
      dnsSource = true;
      if (first === '') first = 'dns';
      asDns.push(src);
    } else {
      ignored.push(src);
    }
  }

  let order: HostLookupOrder = 'files,dns';
  if (filesSource && dnsSource) order = first === 'files' ? 'files,dns' : 'dns,files';
  else if (filesSource) order = 'files';
  else if (dnsSource) order = 'dns';

  const notes: string[] = [];
  if (ignored.length > 0) notes.push(`go's resolver skips hosts sources ${ignored.join(', ')}`);
  if (asDns.length > 0) notes.push(`go's resolver treats hosts sources ${asDns.join(', ')} as dns`);
  if (parsed.criteria > 0) notes.push('go\'s resolver ignores [status=action] criteria');
  if (order === 'files') notes.push('files only: go never queries DNS for host names');
  return notes.length > 0 ? { order, note: notes.join('; ') } : { order };
}
