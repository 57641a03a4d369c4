// ~/.netrc as the libcurl under git reads it (curl 7.88 lib/netrc.c), which is not go's reading
// (goenv/netrc.ts): tokens may span lines, `default` is a machine that matches any host (go stops at it),
// the machine is compared with the host name without its port, case-insensitively, and when the URL
// names a user only that user's entry counts.

export interface CurlNetrcEntry {
  /** undefined for `default`. */
  readonly machine: string | undefined;
  readonly login: string;
  readonly password: string;
}

/** Whitespace-separated tokens; a double-quoted token may hold spaces and \" escapes (curl 7.84+). */
function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

export function parseCurlNetrc(text: string): CurlNetrcEntry[] {
  const entries: CurlNetrcEntry[] = [];
  const t = tokens(text.replace(/^\s*#.*$/gm, ''));
  let cur: { machine: string | undefined; login: string; password: string } | undefined;
  const flush = (): void => {
    if (cur && (cur.login !== '' || cur.password !== '')) entries.push(cur);
    cur = undefined;
  };
  for (let i = 0; i < t.length; i++) {
    const k = t[i]!;
    if (k === 'machine') {
      flush();
      cur = { machine: t[++i] ?? '', login: '', password: '' };
    } else if (k === 'default') {
      flush();
      cur = { machine: undefined, login: '', password: '' };
    } else if (k === 'login' && cur) cur.login = t[++i] ?? '';
    else if (k === 'password' && cur) cur.password = t[++i] ?? '';
    else if (k === 'macdef') {
      // A macro runs to the next empty line; the probe skips the token after its name and stops the entry.
      flush();
      i++;
    }
  }
  flush();
  return entries;
}

/** The first entry for the host (or `default`), and for `user` when the URL names one. */
export function netrcGitLookup(entries: readonly CurlNetrcEntry[], host: string, user: string | undefined): CurlNetrcEntry | undefined {
  const h = host.toLowerCase();
  const fits = (e: CurlNetrcEntry): boolean => user === undefined || e.login === user;
  return entries.find((e) => e.machine !== undefined && e.machine.toLowerCase() === h && fits(e)) ?? entries.find((e) => e.machine === undefined && fits(e));
}
