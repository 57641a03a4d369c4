// GOPRIVATE / GONOPROXY / GONOSUMDB / GOINSECURE matching: module.MatchPrefixPatterns
// (golang.org/x/mod/module) over Go's path.Match (src/path/match.go), ported byte for byte,
// malformed patterns included. Plus path.Clean / path.Join, which cmd/go uses to build proxy URLs.

import { decodeRune, toByteString } from './gostrings.js';

const RUNE_ERROR = 0xfffd;

class BadPattern extends Error {}

/** path.Match, with the outcome Go reports: a malformed pattern is never a match. */
export function pathMatch(pattern: string, name: string): { matched: boolean; malformed: boolean } {
  try {
    return { matched: matchBytes(toByteString(pattern), toByteString(name)), malformed: false };
  } catch (err) {
    if (err instanceof BadPattern) return { matched: false, malformed: true };
    throw err;
  }
}

function matchBytes(pattern: string, name: string): boolean {
  pattern: while (pattern.length > 0) {
    const [star, chunk, rest] = scanChunk(pattern);
    pattern = rest;
    if (star && chunk === '') {
      // Trailing * matches the rest of the name unless it contains a /.
      return !name.includes('/');
    }
    const [t, ok] = matchChunk(chunk, name);
    // A match is only valid if it consumed the whole name or more pattern follows.
    if (ok && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      // Look for a match skipping i+1 bytes; the star cannot skip a /.
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const [t2, ok2] = matchChunk(chunk, name.slice(i + 1));
        if (ok2) {
          if (pattern.length === 0 && t2.length > 0) continue;
          name = t2;
          continue pattern;
        }
      }
    }
    // Before failing, check the rest of the pattern is well formed (Go reports ErrBadPattern).
    while (pattern.length > 0) {
      const [, chunk2, rest2] = scanChunk(pattern);
      pattern = rest2;
      matchChunk(chunk2, '');
    }
    return false;
  }
  return name.length === 0;
}

function scanChunk(pattern: string): [boolean, string, string] {
  let star = false;
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  let i: number;
  scan: for (i = 0; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) break scan;
        break;
    }
  }
  return [star, pattern.slice(0, i), pattern.slice(i)];
}

/** Returns [rest, ok]; throws BadPattern for a malformed chunk, even once the match has failed. */
function matchChunk(chunk: string, s: string): [string, boolean] {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      let r = 0;
      if (!failed) {
        const [rr, n] = decodeRune(s, 0);
        r = rr;
        s = s.slice(n);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        let lo: number;
        [lo, chunk] = getEsc(chunk);
        let hi = lo;
        if (chunk[0] === '-') [hi, chunk] = getEsc(chunk.slice(1));
        if (lo <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true;
        const [, n] = decodeRune(s, 0);
        s = s.slice(n);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw new BadPattern();
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  if (failed) return ['', false];
  return [s, true];
}

function getEsc(chunk: string): [number, string] {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new BadPattern();
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw new BadPattern();
  }
  const [r, n] = decodeRune(chunk, 0);
  if (r === RUNE_ERROR && n === 1) throw new BadPattern();
  const nchunk = chunk.slice(n);
  if (nchunk.length === 0) throw new BadPattern();
  return [r, nchunk];
}

/**
 * module.MatchPrefixPatterns: does any comma-separated glob match a leading prefix of target?
 * Globs are not trimmed (" b.com" never matches), one trailing / is dropped, empty ones skipped,
 * a glob with k slashes is matched against target's first k+1 elements, and malformed globs
 * silently do not match.
 */
export function matchPrefixPatterns(globs: string, target: string): boolean {
  const t = toByteString(target);
  for (const rawGlob of toByteString(globs).split(',')) {
    const glob = rawGlob.endsWith('/') ? rawGlob.slice(0, -1) : rawGlob;
    if (glob === '') continue;
    let n = glob.split('/').length - 1;
    let prefix = t;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === '/') {
        if (n === 0) {
          prefix = t.slice(0, i);
          break;
        }
        n--;
      }
    }
    if (n > 0) continue;
    try {
      if (matchBytes(glob, prefix)) return true;
    } catch (err) {
      if (!(err instanceof BadPattern)) throw err;
    }
  }
  return false;
}

/** Which glob of a list matches (for messages); undefined when none does. */
export function matchingPattern(globs: string, target: string): string | undefined {
  for (const glob of globs.split(',')) {
    if (glob !== '' && matchPrefixPatterns(glob, target)) return glob;
  }
  return undefined;
}

/** path.Clean (src/path/path.go), on JS strings: only '/' and '.' matter, both ASCII. */
export function pathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p[0] === '/';
  const n = p.length;
  let out = rooted ? '/' : '';
  let r = rooted ? 1 : 0;
  let dotdot = rooted ? 1 : 0;
  while (r < n) {
    if (p[r] === '/') {
      r++;
    } else if (p[r] === '.' && (r + 1 === n || p[r + 1] === '/')) {
      r++;
    } else if (p[r] === '.' && p[r + 1] === '.' && (r + 2 === n || p[r + 2] === '/')) {
      r += 2;
      if (out.length > dotdot) {
        let w = out.length - 1;
        while (w > dotdot && out[w] !== '/') w--;
        out = out.slice(0, w);
      } else if (!rooted) {
        if (out.length > 0) out += '/';
        out += '..';
        dotdot = out.length;
      }
    } else {
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out += '/';
      for (; r < n && p[r] !== '/'; r++) out += p[r];
    }
  }
  return out === '' ? '.' : out;
}

/** path.Join: join the non-empty elements with / and Clean; "" when all are empty. */
export function pathJoin(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== '');
  if (nonEmpty.length === 0) return '';
  return pathClean(nonEmpty.join('/'));
}
