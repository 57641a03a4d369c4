// Small text helpers shared by the human-facing outputs (TTY view, termination message, JUnit).
// Text from the wire (server bodies, Location headers) reaches these outputs: control characters
// are removed so that a hostile server cannot drive the terminal or break a file format.

// C0 controls except tab/newline, DEL, C1 controls, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_KEEP_NEWLINES = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\x00-\x1F\x7F-\x9F\u2028\u2029]+/g;

// ANSI escape sequences (CSI ... final byte, OSC ... BEL/ST), removed whole rather than leaving
// their printable tails ("[31m") behind.
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]/g;

/** Removes ANSI escape sequences whole. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_SEQUENCE, '');
}

/** Removes ANSI sequences and control characters; keeps '\n' and '\t'. */
export function stripControl(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(/\r\n?/g, '\n').replace(CONTROL_KEEP_NEWLINES, '');
}

/** Removes ANSI sequences and collapses every run of control characters (newlines too) into one space. */
export function singleLine(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(CONTROL_ALL, ' ').trim();
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = '…'): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(ellipsis, 'utf8');
  if (room <= 0) return '';
  const bytes = Buffer.from(text, 'utf8');
  let end = room;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + ellipsis;
}

/** "12 ms" below a second, "5.0 s" above. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
