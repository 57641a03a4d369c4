// How Go prints and splits strings, ported so our messages match go's byte for byte:
// strconv.Quote / QuoteRune, unicode.IsPrint / IsSpace, utf8.DecodeRuneInString, strings.Fields and
// strings.TrimSpace (Go 1.23). Go strings are bytes; here a "byte string" holds one UTF-16 unit per
// byte (latin1), so ports of Go's byte-level loops (net/url, module paths) can follow them exactly.

/** Text that is all ASCII: its UTF-8 bytes are its characters. */
const ASCII = /^[\x00-\x7f]*$/;

/** UTF-8 encode a JS string into a byte string (one char per byte). */
export function toByteString(s: string): string {
  // ASCII is its own UTF-8: no buffer for the usual URL or module path.
  if (ASCII.test(s)) return s;
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Decode a byte string back to a JS string (invalid UTF-8 becomes U+FFFD, as Go prints it). */
export function fromByteString(b: string): string {
  // Bytes below 0x80 decode to themselves.
  if (ASCII.test(b)) return b;
  return Buffer.from(b, 'latin1').toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// unicode/utf8 and strconv.Quote

const RUNE_ERROR = 0xfffd;

/** utf8.DecodeRuneInString over a byte string: [rune, size]; invalid input gives [RuneError, 1]. */
export function decodeRune(b: string, i: number): [number, number] {
  const n = b.length - i;
  if (n <= 0) return [RUNE_ERROR, 0];
  const c0 = b.charCodeAt(i);
  if (c0 < 0x80) return [c0, 1];
  const cont = (k: number): number => {
    if (k >= n) return -1;
    const c = b.charCodeAt(i + k);
    return c >= 0x80 && c <= 0xbf ? c & 0x3f : -1;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [RUNE_ERROR, 1] : [((c0 & 0x1f) << 6) | c1, 2];
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    const raw1 = i + 1 < b.length ? b.charCodeAt(i + 1) : -1;
    // Reject overlong forms (E0 80..9F) and surrogates (ED A0..BF), as Go does.
    if (c0 === 0xe0 && (raw1 < 0xa0 || raw1 > 0xbf)) return [RUNE_ERROR, 1];
    if (c0 === 0xed && (raw1 < 0x80 || raw1 > 0x9f)) return [RUNE_ERROR, 1];
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return [RUNE_ERROR, 1];
    return [((c0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    const raw1 = i + 1 < b.length ? b.charCodeAt(i + 1) : -1;
    if (c0 === 0xf0 && (raw1 < 0x90 || raw1 > 0xbf)) return [RUNE_ERROR, 1];
    if (c0 === 0xf4 && (raw1 < 0x80 || raw1 > 0x8f)) return [RUNE_ERROR, 1];
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return [RUNE_ERROR, 1];
    return [((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
  }
  return [RUNE_ERROR, 1];
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint / strconv.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space. */
export function isGoPrint(r: number): boolean {
  if (r === 0x20) return true;
  if (r < 0x20 || r === 0x7f) return false;
  if (r < 0x7f) return true;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return PRINTABLE.test(String.fromCodePoint(r));
}

const WHITE_SPACE = /^\p{White_Space}$/u;

/** unicode.IsSpace (the White_Space property; U+0085 and U+00A0 included, U+FEFF not). */
export function isGoSpace(r: number): boolean {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return WHITE_SPACE.test(String.fromCodePoint(r));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function appendEscapedRune(r: number, quote: number): string {
  if (r === quote || r === 0x5c) return '\\' + String.fromCodePoint(r);
  if (isGoPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote of a byte string (so invalid UTF-8 shows as \xNN exactly as go prints it). */
export function goQuoteBytes(b: string): string {
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const [r, size] = decodeRune(b, i);
    if (size === 1 && r === RUNE_ERROR) {
      out += '\\x' + hex(b.charCodeAt(i), 2);
      i += 1;
      continue;
    }
    out += appendEscapedRune(r, 0x22);
    i += size;
  }
  return out + '"';
}

/** strconv.Quote (the `%q` verb on a string). */
export function goQuote(s: string): string {
  return goQuoteBytes(toByteString(s));
}

/** strconv.QuoteRune (the `%q` verb on a rune). */
export function goQuoteRune(r: number): string {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = RUNE_ERROR;
  return "'" + appendEscapedRune(r, 0x27) + "'";
}

/** strings.Fields: split around runs of unicode.IsSpace. */
export function goFields(s: string): string[] {
  return s.split(/\p{White_Space}+/u).filter((f) => f !== '');
}

/** strings.TrimSpace (Unicode white space, not just ASCII). */
export function goTrimSpace(s: string): string {
  return s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
}

/** Lower-cases A-Z only, as Go's net (lowerASCII) and crypto/x509 (toLowerCaseASCII) do: never Unicode case folding. */
export function lowerASCII(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
