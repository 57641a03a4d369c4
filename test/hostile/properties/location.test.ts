// Location resolution (net/goweb.ts resolveLocation): the request a redirect leads to must be the one go
// 1.23 sends. Checked against a table recorded from Go's url.Parse + ResolveReference + RequestURI
// (location-go123.json: base, Location and result as hex bytes; its results are what test/vectors/record.ts
// records for go 1.23, which go-versions.test.ts checks, with go 1.24 and 1.27 resolving alike), and by properties: never a throw, and
// a path's bytes always reach the wire as Go escapes them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveLocation } from '../../../src/net/goweb.js';

interface Row {
  readonly base: string;
  /** Hex of the Location's bytes, Go's "scheme://host" + RequestURI, or the error text. */
  readonly loc: string;
  readonly want?: string;
  readonly err?: string;
}

const ROWS = JSON.parse(readFileSync(join(import.meta.dirname, 'location-go123.json'), 'utf8')) as Row[];
const bytes = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1');
const escapeByte = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Known, documented divergences where both still fail or the server sees the same resource:
 * a port above 65535 and an opaque https: reference (go fails later, at dial / "no Host"), and
 * "%2e%2e" segments (a WHATWG URL removes them; go keeps them as they are).
 */
function divergent(loc: string): boolean {
  return /:99999/.test(loc) || /^https?:[^/]/i.test(loc) || /^mailto:/.test(loc) || /(^|\/)(%2e|\.)(%2e|\.)?(\/|$)/i.test(loc.replace(/(^|\/)\.\.?(?=\/|$)/g, ''));
}

/** Go's result as the probe renders it: lower-case scheme and host, punycode, no default or empty port,
 * and a query's raw bytes as %XX (go sends them raw; a server decodes both alike). */
function normalize(goHref: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)(.*)$/s.exec(goHref);
  if (!m) return goHref;
  const scheme = m[1]!.toLowerCase();
  const hostPort = /^(.*?)(?::(\d*))?$/.exec(m[2]!)!;
  const host = hostPort[1]!.startsWith('[') ? hostPort[1]!.toLowerCase() : domainToASCII(Buffer.from(hostPort[1]!, 'latin1').toString('utf8'));
  const port = hostPort[2] === undefined || hostPort[2] === '' || Number(hostPort[2]) === (scheme === 'https' ? 443 : 80) ? '' : `:${Number(hostPort[2])}`;
  const uri = m[3]!.replace(/[\u0000-\u0020\u007f-\u00ff"<>`#]/g, escapeByte);
  return `${scheme}://${host}${port}${uri}`;
}

function rendered(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search}${url.href.endsWith('?') && url.search === '' ? '?' : ''}`;
}

describe('Location resolution agrees with go 1.23', () => {
  const rows = ROWS.filter((r) => !divergent(bytes(r.loc)));

  it(`matches go on ${rows.length} recorded Locations (of ${ROWS.length}; the rest are documented divergences)`, () => {
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      const loc = bytes(r.loc);
      const got = resolveLocation(loc, new URL(r.base));
      const label = `${r.base} + ${JSON.stringify(loc)}`;
      if (r.err !== undefined) {
        expect(got.ok, label).toBe(false);
        // url.Parse's own text, which go prints after "failed to parse Location header".
        if (!got.ok) expect(got.error, label).toBe(bytes(r.err));
      } else {
        expect(got.ok, `${label}: ${got.ok ? '' : got.error}`).toBe(true);
        if (got.ok) expect(rendered(got.url), label).toBe(normalize(bytes(r.want!)));
      }
    }
  });

  it('has exactly the documented divergences', () => {
    const skipped = new Set(ROWS.filter((r) => divergent(bytes(r.loc))).map((r) => bytes(r.loc)));
    expect([...skipped].sort()).toEqual(['/x/%2e%2e/y', '/x/.%2e/y', 'https://h:99999/x', 'https:opaque', 'mailto:a@b']);
  });
});

describe('Location resolution properties', () => {
  const base = new URL('https://proxy.example:8443/mod/@v/v1.0.0.zip');
  const anyByte = fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b));

  it('never throws on arbitrary bytes, and an error is url.Parse text', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyByte, maxLength: 80 }), (loc) => {
        const r = resolveLocation(loc, base);
        if (!r.ok) expect(r.error.startsWith('parse "')).toBe(true);
        else expect(['https:', 'http:'].includes(r.url.protocol) || !/^https?:\/\//i.test(loc)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('sends every byte of a path segment as go does: unreserved as is, anything else as %XX of the byte', () => {
    // A segment of any bytes but CTLs, '/', '?', '#' and '%' (which url.Parse treats specially).
    const segmentByte = fc.integer({ min: 0x20, max: 0xff }).filter((b) => b !== 0x7f && !'/?#%'.includes(String.fromCharCode(b))).map((b) => String.fromCharCode(b));
    const segment = fc.string({ unit: segmentByte, minLength: 1, maxLength: 30 }).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(segment, (seg) => {
        const r = resolveLocation(`/bucket/${seg}`, base);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const path = r.url.pathname;
        expect(path.startsWith('/bucket/')).toBe(true);
        const sent = path.slice('/bucket/'.length);
        // Decoding what goes on the wire gives back the Location's bytes exactly.
        expect(Buffer.from(decodeURIComponentBytes(sent), 'latin1').toString('latin1')).toBe(seg);
        // Only what go's shouldEscape(encodePath) keeps may stay unescaped.
        expect(sent).toMatch(/^(?:[A-Za-z0-9\-_.~$&+,;=:@!'()*[\]]|%[0-9A-F]{2})*$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('an absolute Location replaces the host; a relative one keeps it', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(label, label, fc.boolean(), (a, b, absolute) => {
        const host = `${a}.${b}.example`;
        const r = resolveLocation(absolute ? `https://${host}/x` : `/${a}/${b}`, base);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.url.host).toBe(absolute ? host : base.host);
      }),
    );
  });
});

/** Percent-decoding into a byte string (decodeURIComponent would insist on UTF-8). */
function decodeURIComponentBytes(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
