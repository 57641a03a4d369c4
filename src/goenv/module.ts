// golang.org/x/mod/module (v0.19.0, vendored in Go 1.23): module path checks, case-escaping for
// the proxy protocol, and the error texts go prints for them; plus cmd/go's pathEscape and the
// "path@version" arguments of `go mod download`.

import { ParseError } from '../errors.js';
import { goQuote, goQuoteRune } from './gostrings.js';
import { goPathEscape } from './gourl.js';
import { build, canonical, isPseudoVersion, isValid, major } from './semver.js';

const MODULE_INVALID = 'module.invalid';

type PathKind = 'module' | 'import' | 'file';

function isASCIILetterOrDigit(r: number): boolean {
  return (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
}

function firstPathOK(r: number): boolean {
  return r === 0x2d || r === 0x2e || (r >= 0x30 && r <= 0x39) || (r >= 0x61 && r <= 0x7a);
}

function modPathOK(r: number): boolean {
  return r < 0x80 && (r === 0x2d || r === 0x2e || r === 0x5f || r === 0x7e || isASCIILetterOrDigit(r));
}

function importPathOK(r: number): boolean {
  return modPathOK(r) || r === 0x2b;
}

const LETTER = /^\p{L}$/u;

function fileNameOK(r: number): boolean {
  if (r < 0x80) return isASCIILetterOrDigit(r) || "!#$%&()+,-.=@[]^_{}~ ".includes(String.fromCharCode(r));
  return LETTER.test(String.fromCodePoint(r));
}

/** A JS string holds valid UTF-8 exactly when it has no lone surrogate. */
function isValidUTF8(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

const BAD_WINDOWS_NAMES = ['CON', 'PRN', 'AUX', 'NUL', 'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6',
  'COM7', 'COM8', 'COM9', 'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9'];

function checkElem(elem: string, kind: PathKind): string | undefined {
  if (elem === '') return 'empty path element';
  if (elem.split('.').length - 1 === elem.length) return `invalid path element ${goQuote(elem)}`;
  if (elem[0] === '.' && kind === 'module') return 'leading dot in path element';
  if (elem[elem.length - 1] === '.') return 'trailing dot in path element';
  // By code point, as for...of would (a lone surrogate is one), without an iterator object per character.
  for (let i = 0; i < elem.length; ) {
    const r = elem.codePointAt(i)!;
    i += r > 0xffff ? 2 : 1;
    const ok = kind === 'module' ? modPathOK(r) : kind === 'import' ? importPathOK(r) : fileNameOK(r);
    if (!ok) return `invalid char ${goQuoteRune(r)}`;
  }
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  for (let i = 0; i < BAD_WINDOWS_NAMES.length; i++) {
    const bad = BAD_WINDOWS_NAMES[i]!;
    // strings.EqualFold; the names are ASCII, so only an ASCII short name can equal one.
    if (short.length === bad.length && short.toUpperCase() === bad && /^[\x00-\x7f]*$/.test(short)) {
      return `${goQuote(short)} disallowed as path element component on Windows`;
    }
  }
  if (kind === 'file') return undefined;
  const tilde = short.lastIndexOf('~');
  if (tilde >= 0 && tilde < short.length - 1 && /^[0-9]+$/.test(short.slice(tilde + 1))) {
    return 'trailing tilde and digits in path element';
  }
  return undefined;
}

function checkPathKind(path: string, kind: PathKind): string | undefined {
  if (!isValidUTF8(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path[0] === '-' && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path[path.length - 1] === '/') return 'trailing slash';
  for (const elem of path.split('/')) {
    const err = checkElem(elem, kind);
    if (err !== undefined) return err;
  }
  return undefined;
}

/** module.SplitPathVersion: "x.com/m/v2" -> ["x.com/m", "/v2", true]; gopkg.in's ".v2" too. */
export function splitPathVersion(path: string): [prefix: string, pathMajor: string, ok: boolean] {
  if (path.startsWith('gopkg.in/')) return splitGopkgIn(path);
  let i = path.length;
  let dot = false;
  while (i > 0 && ((path[i - 1]! >= '0' && path[i - 1]! <= '9') || path[i - 1] === '.')) {
    if (path[i - 1] === '.') dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== 'v' || path[i - 2] !== '/') return [path, '', true];
  const prefix = path.slice(0, i - 2);
  const pathMajor = path.slice(i - 2);
  if (dot || pathMajor.length <= 2 || pathMajor[2] === '0' || pathMajor === '/v1') return [path, '', false];
  return [prefix, pathMajor, true];
}

function splitGopkgIn(path: string): [string, string, boolean] {
  let i = path.length;
  if (path.endsWith('-unstable')) i -= '-unstable'.length;
  while (i > 0 && path[i - 1]! >= '0' && path[i - 1]! <= '9') i--;
  if (i <= 1 || path[i - 1] !== 'v' || path[i - 2] !== '.') return [path, '', false];
  const prefix = path.slice(0, i - 2);
  const pathMajor = path.slice(i - 2);
  if (pathMajor.length <= 2 || (pathMajor[2] === '0' && pathMajor !== '.v0')) return [path, '', false];
  return [prefix, pathMajor, true];
}

/**
 * module.CheckPath: undefined when `path` is a valid module path, else go's full error text,
 * e.g. `malformed module path "example": missing dot in first path element`.
 */
export function checkPath(path: string): string | undefined {
  const err = checkPathReason(path);
  return err === undefined ? undefined : `malformed module path ${goQuote(path)}: ${err}`;
}

function checkPathReason(path: string): string | undefined {
  const err = checkPathKind(path, 'module');
  if (err !== undefined) return err;
  let i = path.indexOf('/');
  if (i < 0) i = path.length;
  if (i === 0) return 'leading slash';
  const first = path.slice(0, i);
  if (!first.includes('.')) return 'missing dot in first path element';
  if (path[0] === '-') return 'leading dash in first path element';
  for (const ch of first) {
    const r = ch.codePointAt(0)!;
    if (!firstPathOK(r)) return `invalid char ${goQuoteRune(r)} in first path element`;
  }
  if (!splitPathVersion(path)[2]) return 'invalid version';
  return undefined;
}

/** module.CheckImportPath: undefined, or `malformed import path "…": …`. */
export function checkImportPath(path: string): string | undefined {
  const err = checkPathKind(path, 'import');
  return err === undefined ? undefined : `malformed import path ${goQuote(path)}: ${err}`;
}

/** The text of module.InvalidVersionError: `version "v1" invalid: …` (or `pseudo-version …`). */
export function invalidVersionText(version: string, err: string, pseudo = false): string {
  return `${pseudo ? 'pseudo-version' : 'version'} ${goQuote(version)} invalid: ${err}`;
}

/**
 * module.CheckPathMajor: undefined when version v fits the path's major suffix, else the
 * InvalidVersionError text, e.g. `version "v1.0.0" invalid: should be v2, not v1`.
 */
export function checkPathMajor(v: string, pathMajor: string): string | undefined {
  if (pathMajor.startsWith('.v') && pathMajor.endsWith('-unstable')) pathMajor = pathMajor.slice(0, -'-unstable'.length);
  if (v.startsWith('v0.0.0-') && pathMajor === '.v1') return undefined;
  const m = major(v);
  let want = pathMajor;
  if (pathMajor === '') {
    if (m === 'v0' || m === 'v1' || build(v) === '+incompatible') return undefined;
    want = 'v0 or v1';
  } else if (pathMajor[0] === '/' || pathMajor[0] === '.') {
    if (m === pathMajor.slice(1)) return undefined;
    want = pathMajor.slice(1);
  }
  return invalidVersionText(v, `should be ${want}, not ${major(v)}`);
}

/** module.CanonicalVersion: semver.Canonical, keeping "+incompatible". */
export function canonicalVersion(v: string): string {
  const cv = canonical(v);
  return build(v) === '+incompatible' ? cv + '+incompatible' : cv;
}

function escapeString(s: string): string {
  let haveUpper = false;
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0x21 || r >= 0x80) throw new ParseError(MODULE_INVALID, 'internal error: inconsistency in EscapePath');
    if (r >= 0x41 && r <= 0x5a) haveUpper = true;
  }
  if (!haveUpper) return s;
  return s.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
}

/**
 * Valid module paths already escaped: every URL of a module (.info, .mod, .zip, the GOPROXY walk of
 * each, the sumdb lookup) escapes its path again, and the CheckPath port behind it was ~5% of a
 * 500-module run's CPU. A path that fails is checked (and fails) every time.
 */
const escapedPaths = new Map<string, string>();
const ESCAPED_PATHS_KEPT = 4096;

/** module.EscapePath: "github.com/Azure/x" -> "github.com/!azure/x"; ParseError('module.invalid') with go's text. */
export function escapePath(path: string): string {
  const known = escapedPaths.get(path);
  if (known !== undefined) return known;
  const err = checkPath(path);
  if (err !== undefined) throw new ParseError(MODULE_INVALID, err);
  const escaped = escapeString(path);
  if (escapedPaths.size >= ESCAPED_PATHS_KEPT) escapedPaths.clear();
  escapedPaths.set(path, escaped);
  return escaped;
}

/** Valid versions already escaped, as escapedPaths (every module URL escapes its version again). */
const escapedVersions = new Map<string, string>();

/** module.EscapeVersion: "v1.0.0-RC1" -> "v1.0.0-!r!c1"; ParseError for `version "…" invalid: disallowed version string`. */
export function escapeVersion(v: string): string {
  const known = escapedVersions.get(v);
  if (known !== undefined) return known;
  if (checkElem(v, 'file') !== undefined || v.includes('!')) {
    throw new ParseError(MODULE_INVALID, invalidVersionText(v, 'disallowed version string'));
  }
  const escaped = escapeString(v);
  if (escapedVersions.size >= ESCAPED_PATHS_KEPT) escapedVersions.clear();
  escapedVersions.set(v, escaped);
  return escaped;
}

function unescapeString(escaped: string): string | undefined {
  let buf = '';
  let bang = false;
  for (const ch of escaped) {
    const r = ch.codePointAt(0)!;
    if (r >= 0x80) return undefined;
    if (bang) {
      bang = false;
      if (r < 0x61 || r > 0x7a) return undefined;
      buf += ch.toUpperCase();
      continue;
    }
    if (r === 0x21) {
      bang = true;
      continue;
    }
    if (r >= 0x41 && r <= 0x5a) return undefined;
    buf += ch;
  }
  return bang ? undefined : buf;
}

/** module.UnescapePath: the inverse of escapePath. */
export function unescapePath(escaped: string): string {
  const path = unescapeString(escaped);
  if (path === undefined) throw new ParseError(MODULE_INVALID, `invalid escaped module path ${goQuote(escaped)}`);
  const err = checkPath(path);
  if (err !== undefined) throw new ParseError(MODULE_INVALID, `invalid escaped module path ${goQuote(escaped)}: ${err}`);
  return path;
}

/** module.UnescapeVersion: the inverse of escapeVersion. */
export function unescapeVersion(escaped: string): string {
  const v = unescapeString(escaped);
  if (v === undefined) throw new ParseError(MODULE_INVALID, `invalid escaped version ${goQuote(escaped)}`);
  const err = checkElem(v, 'file');
  if (err !== undefined) throw new ParseError(MODULE_INVALID, `invalid escaped version ${goQuote(v)}: ${err}`);
  return v;
}

/**
 * cmd/go's pathEscape (modfetch/proxy.go): url.PathEscape with "%2F" turned back into "/".
 * So '!' goes out as %21 while A-Za-z0-9 - . _ ~ $ & + : = @ are sent as they are.
 */
export function wirePathEscape(s: string): string {
  return goPathEscape(s).replaceAll('%2F', '/');
}

/**
 * module.ModuleError's text: `path@version: err`, or `module path: err` without a version; a
 * version that is not canonical gets `path@v: invalid version: err` (proxyRepo.versionError).
 */
export function moduleErrorText(path: string, version: string | undefined, err: string): string {
  if (version === undefined || version === '') return `module ${path}: ${err}`;
  if (version !== canonicalVersion(version)) {
    return `${path}@${version}: invalid ${isPseudoVersion(version) ? 'pseudo-version' : 'version'}: ${err}`;
  }
  return `${path}@${version}: ${err}`;
}

export interface ModuleSpec {
  readonly path: string;
  /** undefined = @latest */
  readonly version: string | undefined;
}

/**
 * A `go mod download` argument: "path@version", "path@latest" or "path" (also latest). Throws
 * ParseError('module.invalid') where go refuses the argument before any network lookup, with
 * go's text (without its "go: " prefix):
 * - module paths never use backslash; cannot use relative path ./x to specify module;
 * - `example/m@v1.0.0: malformed module path "example/m": missing dot in first path element`;
 * - a version that cannot go into a proxy URL (module.EscapeVersion, via proxyRepo.versionError):
 *   `example.com/m@a/b: invalid version: version "a/b" invalid: disallowed version string`.
 * Queries such as "master", "v1.2" or "<v1.3" are accepted: go resolves them on the proxy.
 * `toolchain` is accepted as a path (go looks up golang.org/toolchain).
 */
export function parseModuleSpec(spec: string): ModuleSpec {
  if (spec.includes('\\')) throw new ParseError(MODULE_INVALID, 'module paths never use backslash');
  if (spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../')) {
    throw new ParseError(MODULE_INVALID, `cannot use relative path ${spec} to specify module`);
  }
  const at = spec.indexOf('@');
  const path = at < 0 ? spec : spec.slice(0, at);
  const query = at < 0 ? undefined : spec.slice(at + 1);
  const prefix = query === undefined ? '' : `${path}@${query}: `;
  if (path !== 'toolchain') {
    const err = checkPath(path);
    if (err !== undefined) throw new ParseError(MODULE_INVALID, prefix + err);
  }
  if (query === undefined || query === 'latest') return { path, version: undefined };
  if (query === '') throw new ParseError(MODULE_INVALID, `${path}@: invalid version: disallowed version string`);
  try {
    escapeVersion(query);
  } catch (err) {
    if (err instanceof ParseError) throw new ParseError(MODULE_INVALID, moduleErrorText(path, query, err.message));
    throw err;
  }
  return { path, version: query };
}

/** True when `v` is a complete semantic version (not a query like v1.2, latest, or a branch). */
export function isCanonicalVersion(v: string): boolean {
  return isValid(v) && canonicalVersion(v) === v;
}
