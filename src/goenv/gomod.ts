// go.mod parsing with golang.org/x/mod/modfile's rules (v0.19.0, vendored in Go 1.23): its lexer
// (// comments, ( ) blocks, "…" and `…` strings, identifiers of printable runes) and the strict
// directive checks of modfile.Parse with a nil version fixer, with its error texts and positions.

import { ParseError } from '../errors.js';
import { canonicalVersion, checkPathMajor, invalidVersionText, splitPathVersion } from './module.js';
import { goFields, goQuote, goQuoteRune, isGoPrint, isGoSpace } from './gostrings.js';

export interface GoMod {
  module?: string;
  go?: string;
  toolchain?: string;
  requires: { path: string; version: string; indirect: boolean }[];
  replaces: { oldPath: string; oldVersion?: string; newPath: string; newVersion?: string; local: boolean }[];
  excludes: { path: string; version: string }[];
}

/** codehost.MaxGoMod: go refuses larger go.mod files. */
export const MAX_GO_MOD_BYTES = 16 << 20;

interface Position {
  line: number;
  lineRune: number;
  byte: number;
}

type TokenKind = 'EOF' | 'EOLCOMMENT' | 'IDENT' | 'STRING' | 'COMMENT' | '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',';

interface Token {
  kind: TokenKind;
  pos: Position;
  text: string;
}

function isEOL(k: TokenKind): boolean {
  return k === 'EOF' || k === 'EOLCOMMENT' || k === '\n';
}

interface Line {
  start: Position;
  tokens: string[];
  /** The end-of-line comment that follows the line's last token, if any (its Suffix[0]). */
  suffix?: string;
}

interface LineBlock {
  start: Position;
  tokens: string[];
  lines: Line[];
}

class SyntaxFailure extends Error {}

function posText(filename: string, pos: Position): string {
  if (pos.lineRune > 1) return `${filename}:${pos.line}:${pos.lineRune}: `;
  if (pos.line > 0) return `${filename}:${pos.line}: `;
  return filename !== '' ? `${filename}: ` : '';
}

function utf8Size(r: number): number {
  return r < 0x80 ? 1 : r < 0x800 ? 2 : r < 0x10000 ? 3 : 4;
}

/** modfile's lexer and parser (read.go): statements as lines and blocks of tokens. */
class Input {
  private readonly runes: number[];
  private idx = 0;
  // The position as three numbers: a Position object per rune read was most of parsing a 500-line go.mod.
  private line = 1;
  private lineRune = 1;
  private byte = 0;
  /** Rune index just after the last newline read: where the current line starts. */
  private lineStartIdx = 0;
  private token!: Token;
  readonly stmts: (Line | LineBlock)[] = [];

  constructor(private readonly filename: string, text: string) {
    // Lone surrogates stand for invalid UTF-8, which Go decodes as U+FFFD.
    this.runes = Array.from(text, (ch) => {
      const r = ch.codePointAt(0)!;
      return r >= 0xd800 && r <= 0xdfff ? 0xfffd : r;
    });
  }

  private get pos(): Position {
    return { line: this.line, lineRune: this.lineRune, byte: this.byte };
  }

  private set pos(p: Position) {
    this.line = p.line;
    this.lineRune = p.lineRune;
    this.byte = p.byte;
  }

  private fail(msg: string): never {
    throw new SyntaxFailure(posText(this.filename, this.pos) + msg);
  }

  private eof(): boolean {
    return this.idx >= this.runes.length;
  }

  private peekRune(): number {
    return this.eof() ? 0 : this.runes[this.idx]!;
  }

  private peekPrefix(prefix: string): boolean {
    for (let i = 0; i < prefix.length; i++) {
      if (this.runes[this.idx + i] !== prefix.charCodeAt(i)) return false;
    }
    return true;
  }

  private readRune(): number {
    if (this.eof()) this.fail('internal lexer error: readRune at EOF');
    const r = this.runes[this.idx++]!;
    if (r === 0x0a) {
      this.line++;
      this.lineRune = 1;
      this.byte++;
      this.lineStartIdx = this.idx;
    } else {
      this.lineRune++;
      this.byte += utf8Size(r);
    }
    return r;
  }

  private text(from: number): string {
    let out = '';
    // In chunks: spreading a whole long token into one call could exceed the argument limit.
    for (let i = from; i < this.idx; i += 4096) {
      out += String.fromCodePoint(...this.runes.slice(i, Math.min(i + 4096, this.idx)));
    }
    return out;
  }

  private readToken(): void {
    for (;;) {
      if (this.eof()) break;
      const c = this.peekRune();
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        this.readRune();
        continue;
      }
      if (this.peekPrefix('//')) {
        const start = this.idx;
        const pos = this.pos;
        // A comment with something before it on its line is an end-of-line comment.
        let suffix = false;
        for (let i = this.lineStartIdx; i < this.idx; i++) {
          if (!isGoSpace(this.runes[i]!)) suffix = true;
        }
        this.readRune();
        this.readRune();
        while (!this.eof() && this.readRune() !== 0x0a) {
          // consume to end of line
        }
        let text = this.text(start);
        text = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
        this.token = { kind: suffix ? 'EOLCOMMENT' : 'COMMENT', pos, text };
        return;
      }
      if (this.peekPrefix('/*')) this.fail('mod files must use // comments (not /* */ comments)');
      break;
    }
    const start = this.idx;
    const pos = this.pos;
    if (this.eof()) {
      this.token = { kind: 'EOF', pos, text: '' };
      return;
    }
    const c = this.peekRune();
    const ch = String.fromCodePoint(c);
    if ('\n()[]{},'.includes(ch)) {
      this.readRune();
      this.token = { kind: ch as TokenKind, pos, text: ch };
      return;
    }
    if (c === 0x22 || c === 0x60) {
      this.readRune();
      for (;;) {
        if (this.eof()) {
          this.pos = pos;
          this.fail('unexpected EOF in string');
        }
        if (this.peekRune() === 0x0a) this.fail('unexpected newline in string');
        const r = this.readRune();
        if (r === c) break;
        if (r === 0x5c && c !== 0x60) {
          if (this.eof()) {
            this.pos = pos;
            this.fail('unexpected EOF in string');
          }
          this.readRune();
        }
      }
      this.token = { kind: 'STRING', pos, text: this.text(start) };
      return;
    }
    if (!isIdent(c)) this.fail(`unexpected input character ${goQuoteRune(c)}`);
    while (isIdent(this.peekRune())) {
      if (this.peekPrefix('//')) break;
      if (this.peekPrefix('/*')) this.fail('mod files must use // comments (not /* */ comments)');
      this.readRune();
    }
    this.token = { kind: 'IDENT', pos, text: this.text(start) };
  }

  private peek(): TokenKind {
    return this.token.kind;
  }

  private lex(): Token {
    const tok = this.token;
    this.readToken();
    return tok;
  }

  parseFile(): void {
    this.readToken();
    for (;;) {
      switch (this.peek()) {
        case '\n':
        case 'COMMENT':
          this.lex();
          break;
        case 'EOF':
          return;
        default:
          this.parseStmt();
      }
    }
  }

  private parseStmt(): void {
    const first = this.lex();
    const start = first.pos;
    const tokens = [first.text];
    for (;;) {
      const tok = this.lex();
      if (isEOL(tok.kind)) {
        this.stmts.push({ start, tokens, ...(tok.kind === 'EOLCOMMENT' ? { suffix: tok.text } : {}) });
        return;
      }
      if (tok.kind === '(') {
        const next = this.peek();
        if (isEOL(next)) {
          this.stmts.push(this.parseLineBlock(start, tokens));
          return;
        }
        if (next === ')') {
          const rparen = this.lex();
          if (isEOL(this.peek())) {
            this.lex();
            this.stmts.push({ start, tokens, lines: [] });
            return;
          }
          tokens.push(tok.text, rparen.text);
        } else {
          tokens.push(tok.text);
        }
        continue;
      }
      tokens.push(tok.text);
    }
  }

  private parseLineBlock(start: Position, tokens: string[]): LineBlock {
    const block: LineBlock = { start, tokens, lines: [] };
    for (;;) {
      switch (this.peek()) {
        case 'EOLCOMMENT':
        case '\n':
        case 'COMMENT':
          this.lex();
          break;
        case 'EOF':
          return this.fail(`syntax error (unterminated block started at ${this.filename}:${start.line}:${start.lineRune})`);
        case ')':
          this.lex();
          if (!isEOL(this.peek())) this.fail('syntax error (expected newline after closing paren)');
          this.lex();
          return block;
        default:
          block.lines.push(this.parseLine());
      }
    }
  }

  private parseLine(): Line {
    const first = this.lex();
    if (isEOL(first.kind)) this.fail('internal parse error: parseLine at end of line');
    const tokens = [first.text];
    for (;;) {
      const tok = this.lex();
      if (isEOL(tok.kind)) {
        return { start: first.pos, tokens, ...(tok.kind === 'EOLCOMMENT' ? { suffix: tok.text } : {}) };
      }
      tokens.push(tok.text);
    }
  }
}

/** isIdent: printable, non-space runes other than ( ) [ ] { } , and space. */
function isIdent(c: number): boolean {
  if ('()[]{}, '.includes(String.fromCodePoint(c))) return false;
  return !isGoSpace(c) && isGoPrint(c);
}

/** strconv.Unquote for a "…" string; undefined on a syntax error. */
function unquote(s: string): string | undefined {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"' || s.includes('\n')) return undefined;
  const body = Array.from(s.slice(1, -1));
  const bytes: number[] = [];
  const pushRune = (r: number): void => {
    bytes.push(...Buffer.from(String.fromCodePoint(r), 'utf8'));
  };
  for (let i = 0; i < body.length; ) {
    const ch = body[i]!;
    if (ch === '"') return undefined;
    if (ch !== '\\') {
      pushRune(ch.codePointAt(0)!);
      i++;
      continue;
    }
    const c = body[i + 1];
    if (c === undefined) return undefined;
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c, '"': 0x22 };
    if (c in simple) {
      bytes.push(simple[c]!);
      continue;
    }
    if (c === 'x' || c === 'u' || c === 'U') {
      const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const digits = body.slice(i, i + n).join('');
      if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
      const v = parseInt(digits, 16);
      i += n;
      if (c === 'x') {
        bytes.push(v);
        continue;
      }
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
      pushRune(v);
      continue;
    }
    if (c >= '0' && c <= '7') {
      const digits = c + body.slice(i, i + 2).join('');
      if (!/^[0-7]{3}$/.test(digits)) return undefined;
      const v = parseInt(digits, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 2;
      continue;
    }
    return undefined;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** modfile.parseString: a "…" token is unquoted; other quote characters are reserved. */
function parseString(t: string): { ok: true; value: string } | { ok: false; error: string } {
  if (t.startsWith('"')) {
    const v = unquote(t);
    return v === undefined ? { ok: false, error: 'invalid syntax' } : { ok: true, value: v };
  }
  if (/["'`]/.test(t)) return { ok: false, error: 'unquoted string cannot contain quote' };
  return { ok: true, value: t };
}

/** modfile.IsDirectoryPath: ./ ../ rooted, or a Windows drive path. */
export function isDirectoryPath(ns: string): boolean {
  return ns === '.' || ns.startsWith('./') || ns.startsWith('.\\') || ns === '..' || ns.startsWith('../') ||
    ns.startsWith('..\\') || ns.startsWith('/') || ns.startsWith('\\') || /^[A-Za-z]:/.test(ns);
}

const GO_VERSION_RE = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const TOOLCHAIN_RE = /^default$|^go1($|\.)/;

/** The error texts of modfile.Error around a directive: "<verb> <path>: " or "<verb>: ". */
function directive(verb: string, modPath: string): string {
  return modPath !== '' ? `${verb} ${modPath}: ` : verb !== '' ? `${verb}: ` : '';
}

type VersionResult = { ok: true; version: string } | { ok: false; error: string };

/**
 * modfile.parseVersion. With canonicalize (a nil fixer) the version must canonicalise (v1.2 becomes
 * v1.2.0); without (retract's dontFixRetract) any string is kept.
 */
function parseVersion(verb: string, path: string, token: string, canonicalize: boolean): VersionResult {
  const t = parseString(token);
  if (!t.ok) return { ok: false, error: directive(verb, path) + invalidVersionText(token, t.error) };
  if (!canonicalize) return { ok: true, version: t.value };
  const cv = canonicalVersion(t.value);
  if (cv === '') return { ok: false, error: directive(verb, path) + invalidVersionText(t.value, 'must be of the form v1.2.3') };
  return { ok: true, version: cv };
}

function isIndirect(line: Line): boolean {
  if (line.suffix === undefined) return false;
  const f = goFields(line.suffix.startsWith('//') ? line.suffix.slice(2) : line.suffix);
  return (f.length === 1 && f[0] === 'indirect') || (f.length > 1 && f[0] === 'indirect;');
}

/** modfile.parseVersionInterval for retract: a version or [low, high]. */
function parseVersionInterval(args: string[]): { ok: true; rest: string[] } | { ok: false; error: string } {
  const one = (tok: string): string | undefined => {
    const r = parseVersion('retract', '', tok, false);
    return r.ok ? undefined : r.error;
  };
  let toks = args;
  if (toks.length === 0 || toks[0] === '(') return { ok: false, error: "expected '[' or version" };
  if (toks[0] !== '[') {
    const err = one(toks[0]!);
    return err !== undefined ? { ok: false, error: err } : { ok: true, rest: toks.slice(1) };
  }
  toks = toks.slice(1);
  if (toks.length === 0) return { ok: false, error: "expected version after '['" };
  let err = one(toks[0]!);
  if (err !== undefined) return { ok: false, error: err };
  toks = toks.slice(1);
  if (toks.length === 0 || toks[0] !== ',') return { ok: false, error: "expected ',' after version" };
  toks = toks.slice(1);
  if (toks.length === 0) return { ok: false, error: "expected version after ','" };
  err = one(toks[0]!);
  if (err !== undefined) return { ok: false, error: err };
  toks = toks.slice(1);
  if (toks.length === 0 || toks[0] !== ']') return { ok: false, error: "expected ']' after version" };
  return { ok: true, rest: toks.slice(1) };
}

/**
 * Errors kept per go.mod. modfile reports every one (and go prints them all); a hostile go.mod of
 * 500,000 bad lines made a 56 MB failure detail, so the probe keeps the first few and counts the rest.
 */
export const MAX_GO_MOD_ERRORS = 10;

class FileBuilder {
  readonly mod: GoMod = { requires: [], replaces: [], excludes: [] };
  readonly errors: string[] = [];
  /** Errors past MAX_GO_MOD_ERRORS, counted only. */
  moreErrors = 0;

  error(text: string): void {
    if (this.errors.length < MAX_GO_MOD_ERRORS) this.errors.push(text);
    else this.moreErrors++;
  }
  private sawModule = false;
  private sawGo = false;
  private sawToolchain = false;

  constructor(private readonly filename: string) {}

  /** File.add in strict mode. */
  add(line: Line, verb: string, args: string[]): void {
    const where = posText(this.filename, line.start);
    const errorf = (msg: string): void => {
      this.error(where + msg);
    };
    switch (verb) {
      default:
        errorf(`unknown directive: ${verb}`);
        return;
      case 'go':
        if (this.sawGo) return errorf('repeated go statement');
        if (args.length !== 1) return errorf('go directive expects exactly one argument');
        if (!GO_VERSION_RE.test(args[0]!)) return errorf(`invalid go version '${args[0]}': must match format 1.23.0`);
        this.sawGo = true;
        this.mod.go = args[0]!;
        return;
      case 'toolchain':
        if (this.sawToolchain) return errorf('repeated toolchain statement');
        if (args.length !== 1) return errorf('toolchain directive expects exactly one argument');
        if (!TOOLCHAIN_RE.test(args[0]!)) return errorf(`invalid toolchain version '${args[0]}': must match format go1.23.0 or default`);
        this.sawToolchain = true;
        this.mod.toolchain = args[0]!;
        return;
      case 'module': {
        if (this.sawModule) return errorf('repeated module statement');
        this.sawModule = true;
        if (args.length !== 1) return errorf('usage: module module/path');
        const s = parseString(args[0]!);
        if (!s.ok) return errorf(`invalid quoted string: ${s.error}`);
        this.mod.module = s.value;
        return;
      }
      case 'godebug':
        if (args.length !== 1 || /["`',]/.test(args[0]!) || !args[0]!.includes('=')) return errorf('usage: godebug key=value');
        return;
      case 'require':
      case 'exclude': {
        if (args.length !== 2) return errorf(`usage: ${verb} module/path v1.2.3`);
        const s = parseString(args[0]!);
        if (!s.ok) return errorf(`invalid quoted string: ${s.error}`);
        const v = parseVersion(verb, s.value, args[1]!, true);
        if (!v.ok) return errorf(v.error);
        const [, pathMajor, ok] = splitPathVersion(s.value);
        if (!ok) return errorf('invalid module path');
        const majorErr = checkPathMajor(v.version, pathMajor);
        if (majorErr !== undefined) return errorf(directive(verb, s.value) + majorErr);
        if (verb === 'require') this.mod.requires.push({ path: s.value, version: v.version, indirect: isIndirect(line) });
        else this.mod.excludes.push({ path: s.value, version: v.version });
        return;
      }
      case 'replace':
        return this.addReplace(verb, args, errorf);
      case 'retract': {
        const vi = parseVersionInterval(args);
        if (!vi.ok) return errorf(vi.error);
        if (vi.rest.length > 0) return errorf(`unexpected token after version: ${goQuote(vi.rest[0]!)}`);
        return;
      }
    }
  }

  private addReplace(verb: string, args: string[], errorf: (msg: string) => void): void {
    const arrow = args.length >= 2 && args[1] === '=>' ? 1 : 2;
    if (args.length < arrow + 2 || args.length > arrow + 3 || args[arrow] !== '=>') {
      return errorf(`usage: ${verb} module/path [v1.2.3] => other/module v1.4\n\t or ${verb} module/path [v1.2.3] => ../local/directory`);
    }
    const s = parseString(args[0]!);
    if (!s.ok) return errorf(`invalid quoted string: ${s.error}`);
    const [, pathMajor, ok] = splitPathVersion(s.value);
    if (!ok) return errorf(directive(verb, s.value) + 'invalid module path');
    let oldVersion: string | undefined;
    if (arrow === 2) {
      const v = parseVersion(verb, s.value, args[1]!, true);
      if (!v.ok) return errorf(v.error);
      const majorErr = checkPathMajor(v.version, pathMajor);
      if (majorErr !== undefined) return errorf(directive(verb, s.value) + majorErr);
      oldVersion = v.version;
    }
    const ns = parseString(args[arrow + 1]!);
    if (!ns.ok) return errorf(`invalid quoted string: ${ns.error}`);
    let newVersion: string | undefined;
    if (args.length === arrow + 2) {
      if (!isDirectoryPath(ns.value)) {
        if (ns.value.includes('@')) return errorf("replacement module must match format 'path version', not 'path@version'");
        return errorf('replacement module without version must be directory path (rooted or starting with . or ..)');
      }
      if (ns.value.includes('\\')) return errorf('replacement directory appears to be Windows path (on a non-windows system)');
    }
    if (args.length === arrow + 3) {
      const nv = parseVersion(verb, ns.value, args[arrow + 2]!, true);
      if (!nv.ok) return errorf(nv.error);
      if (isDirectoryPath(ns.value)) return errorf(`replacement module directory path ${goQuote(ns.value)} cannot have version`);
      newVersion = nv.version;
    }
    this.mod.replaces.push({
      oldPath: s.value,
      ...(oldVersion !== undefined ? { oldVersion } : {}),
      newPath: ns.value,
      ...(newVersion !== undefined ? { newVersion } : {}),
      local: newVersion === undefined,
    });
  }
}

const BLOCK_VERBS = new Set(['module', 'godebug', 'require', 'exclude', 'replace', 'retract']);

/**
 * Parse a go.mod as modfile.Parse(filename, text, nil) does. Errors are ParseError('gomod.syntax')
 * with modfile's text: one line per error, e.g. "go.mod:3: unknown directive: foo" (a column is
 * shown when the statement does not start the line: "go.mod:4:2: require …").
 */
export function parseGoMod(text: string, filename: string): GoMod {
  if (Buffer.byteLength(text, 'utf8') > MAX_GO_MOD_BYTES) {
    throw new ParseError('gomod.too_large', `${filename}: go.mod file too large (max ${MAX_GO_MOD_BYTES} bytes)`);
  }
  const input = new Input(filename, text);
  try {
    input.parseFile();
  } catch (err) {
    if (err instanceof SyntaxFailure) throw new ParseError('gomod.syntax', err.message);
    throw err;
  }
  const fb = new FileBuilder(filename);
  for (const stmt of input.stmts) {
    if (!('lines' in stmt)) {
      fb.add(stmt, stmt.tokens[0]!, stmt.tokens.slice(1));
      continue;
    }
    if (stmt.tokens.length > 1 || !BLOCK_VERBS.has(stmt.tokens[0]!)) {
      fb.error(posText(filename, stmt.start) + `unknown block type: ${stmt.tokens.join(' ')}`);
      continue;
    }
    for (const line of stmt.lines) fb.add(line, stmt.tokens[0]!, line.tokens);
  }
  if (fb.errors.length > 0) {
    throw new ParseError('gomod.syntax', fb.errors.join('\n') + (fb.moreErrors > 0 ? `\n(and ${fb.moreErrors} more errors)` : ''));
  }
  return fb.mod;
}
