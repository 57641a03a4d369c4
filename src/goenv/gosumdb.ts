// GOSUMDB as cmd/go reads it (dbDial in src/cmd/go/internal/modfetch/sumdb.go, knownGOSUMDB in key.go).
// The value given is the effective one: the caller applies the go.env default ("sum.golang.org") first.

import { NoteError, parseVerifierKey } from '../sumdb/note.js';
import { goFields } from './gostrings.js';
import { parseGoURL, type UrlParseRules } from './gourl.js';

export const SUM_GOLANG_ORG_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

const KNOWN_GOSUMDB: ReadonlyMap<string, string> = new Map([['sum.golang.org', SUM_GOLANG_ORG_KEY]]);

export type GoSumDB =
  | { kind: 'off' }
  | {
      kind: 'db';
      /** The database name, from the key ("sum.golang.org"). */
      name: string;
      /** The full verifier key (a known name replaced by its key). */
      verifierKey: string;
      /** The explicit URL after the key, as written; it bypasses the GOPROXY walk. */
      url: string | undefined;
      /** "https://<name>": where go connects when no proxy serves the database. */
      directUrl: string;
    };

export type GoSumDBResult = { ok: true; db: GoSumDB } | { ok: false; error: string };

/** dbDial: parse a GOSUMDB value; errors carry go's exact text. */
export function parseGoSumDB(value: string, rules: UrlParseRules = {}): GoSumDBResult {
  let gosumdb = value;
  if (gosumdb === 'sum.golang.google.cn') gosumdb = 'sum.golang.org https://sum.golang.google.cn';
  if (gosumdb === 'off') return { ok: true, db: { kind: 'off' } };

  const key = goFields(gosumdb);
  if (key.length >= 1) key[0] = KNOWN_GOSUMDB.get(key[0]!) ?? key[0]!;
  if (key.length === 0) return { ok: false, error: 'missing GOSUMDB' };
  if (key.length > 2) return { ok: false, error: 'invalid GOSUMDB: too many fields' };
  let name: string;
  try {
    name = parseVerifierKey(key[0]!).name;
  } catch (err) {
    if (err instanceof NoteError) return { ok: false, error: `invalid GOSUMDB: ${err.message}` };
    throw err;
  }

  // "No funny business in the database name": https://<name> must parse to exactly host[/path].
  const direct = parseGoURL(`https://${name}`, rules);
  if (!direct.ok) {
    // Go formats *direct here, which is nil after a parse error: cmd/go 1.23 crashes on such a name.
    return {
      ok: false,
      error: `invalid sumdb name (must be host[/path]): ${name} (go crashes on this name: ${direct.error})`,
    };
  }
  const u = direct.url;
  const clean =
    u.opaque === '' &&
    u.user === undefined &&
    !u.omitHost &&
    !u.forceQuery &&
    u.rawQuery === '' &&
    u.fragment === '' &&
    u.rawFragment === '';
  if (name.endsWith('/') || !clean || u.rawPath !== '' || u.host === '') {
    return { ok: false, error: `invalid sumdb name (must be host[/path]): ${name} ${u.formatPlusV(rules)}` };
  }

  let url: string | undefined;
  if (key.length >= 2) {
    const parsed = parseGoURL(key[1]!, rules);
    if (!parsed.ok) return { ok: false, error: `invalid GOSUMDB URL: ${parsed.error}` };
    url = key[1];
  }
  return { ok: true, db: { kind: 'db', name, verifierKey: key[0]!, url, directUrl: `https://${name}` } };
}
