// go.sum as cmd/go reads it: readGoSum in src/cmd/go/internal/modfetch/fetch.go (Go 1.23).

import { ParseError } from '../errors.js';
import { goFields } from './gostrings.js';

/** A bug in old go versions wrote this hash for non-modules; go drops such lines. */
export const EMPTY_GO_MOD_HASH = 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=';

/**
 * Each non-blank line is "path version hash" ("version/go.mod" for the go.mod hash). Any other
 * field count is fatal for every command but `go mod tidy`: ParseError('gosum.malformed') with go's
 * text ("malformed go.sum:\n<file>:<line>: wrong number of fields N\n").
 *
 * Keys are "path version" or "path version/go.mod". Go keeps every hash of a key and checks them in
 * file order: the first h1: hash decides (a different one is a mismatch), so that is the value here;
 * hashes of unknown algorithms never decide and are left out.
 */
export function parseGoSum(text: string, filename: string): Map<string, string> {
  const sums = new Map<string, string>();
  const lines = text.split('\n');
  // A final "\n" ends the last line rather than starting another (bytes.IndexByte loop).
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const f = goFields(line);
    if (f.length === 0) continue;
    if (f.length !== 3) {
      throw new ParseError('gosum.malformed', `malformed go.sum:\n${filename}:${i + 1}: wrong number of fields ${f.length}\n`);
    }
    const [path, version, hash] = f as [string, string, string];
    if (hash === EMPTY_GO_MOD_HASH) continue;
    const key = `${path} ${version}`;
    if (!sums.has(key) && hash.startsWith('h1:')) sums.set(key, hash);
  }
  return sums;
}
