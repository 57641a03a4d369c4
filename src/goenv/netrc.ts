// .netrc as cmd/go 1.23 reads it (src/cmd/go/internal/auth/netrc.go, auth.go). Go 1.24+ reads the same
// file through GOAUTH=netrc (its default) but matches credentials by URL prefix instead.

import { goFields } from './gostrings.js';
import { parseGoURL } from './gourl.js';

export interface NetrcEntry {
  machine: string;
  login: string;
  password: string;
}

/**
 * parseNetrc: tokens are read in pairs per line; `machine` starts an entry, which is kept once it
 * has machine, login and password; `macdef` skips the following lines up to an empty one; a line
 * whose odd last token is `default` ends the file. Go never fails on a .netrc, nor does this (the
 * reader, src/inputfile.ts, caps its size).
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  let l: NetrcEntry = { machine: '', login: '', password: '' };
  let inMacro = false;
  for (const line of text.split('\n')) {
    if (inMacro) {
      if (line === '') inMacro = false;
      continue;
    }
    const f = goFields(line);
    let i = 0;
    for (; i < f.length - 1; i += 2) {
      const key = f[i]!;
      const value = f[i + 1]!;
      // "default" only breaks out of Go's switch, so as a pair it is skipped.
      if (key === 'machine') l = { machine: value, login: '', password: '' };
      else if (key === 'login') l.login = value;
      else if (key === 'password') l.password = value;
      else if (key === 'macdef') inMacro = true;
      if (l.machine !== '' && l.login !== '' && l.password !== '') {
        entries.push(l);
        l = { machine: '', login: '', password: '' };
      }
    }
    if (i < f.length && f[i] === 'default') break;
  }
  return entries;
}

/**
 * The entry go 1.23 sends as Basic auth for an https URL (auth.AddCredentials): the first whose
 * machine equals the request's Host exactly as written in the URL, so an explicit port stays
 * ("host:8443", even "host:443") and case is not folded; only a bare trailing ":" is dropped
 * (removeEmptyPort). Go sends none for http URLs. Takes the URL text, because WHATWG URLs
 * lowercase hosts and drop default ports.
 */
export function netrcLookup(entries: readonly NetrcEntry[], rawURL: string): NetrcEntry | undefined {
  const parsed = parseGoURL(rawURL);
  if (!parsed.ok || parsed.url.schemeText !== 'https') return undefined;
  let host = parsed.url.hostText;
  if (host.lastIndexOf(':') > host.lastIndexOf(']')) host = host.replace(/:$/, '');
  return entries.find((e) => e.machine === host);
}
