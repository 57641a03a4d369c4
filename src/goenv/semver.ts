// golang.org/x/mod/semver (Go's "v"-prefixed semantic versions, where v1 and v1.2 are shorthands),
// plus module.IsPseudoVersion. Ported from x/mod v0.19.0 as vendored in Go 1.23. Every check is on
// ASCII, so JS strings behave as Go's byte strings here.

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  short: string;
  prerelease: string;
  build: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentChar(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '-';
}

function isBadNum(v: string): boolean {
  let i = 0;
  while (i < v.length && isDigit(v[i])) i++;
  return i === v.length && i > 1 && v[0] === '0';
}

function isNum(v: string): boolean {
  let i = 0;
  while (i < v.length && isDigit(v[i])) i++;
  return i === v.length;
}

function parseInt_(v: string): [string, string] | undefined {
  if (v === '' || !isDigit(v[0])) return undefined;
  let i = 1;
  while (i < v.length && isDigit(v[i])) i++;
  if (v[0] === '0' && i !== 1) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parsePrerelease(v: string): [string, string] | undefined {
  if (v === '' || v[0] !== '-') return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length && v[i] !== '+') {
    const c = v[i]!;
    if (!isIdentChar(c) && c !== '.') return undefined;
    if (c === '.') {
      if (start === i || isBadNum(v.slice(start, i))) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i || isBadNum(v.slice(start, i))) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parseBuild(v: string): [string, string] | undefined {
  if (v === '' || v[0] !== '+') return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length) {
    const c = v[i]!;
    if (!isIdentChar(c) && c !== '.') return undefined;
    if (c === '.') {
      if (start === i) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parse(v: string): Parsed | undefined {
  if (v === '' || v[0] !== 'v') return undefined;
  const p: Parsed = { major: '', minor: '', patch: '', short: '', prerelease: '', build: '' };
  let r = parseInt_(v.slice(1));
  if (!r) return undefined;
  [p.major, v] = r;
  if (v === '') {
    p.minor = '0';
    p.patch = '0';
    p.short = '.0.0';
    return p;
  }
  if (v[0] !== '.') return undefined;
  r = parseInt_(v.slice(1));
  if (!r) return undefined;
  [p.minor, v] = r;
  if (v === '') {
    p.patch = '0';
    p.short = '.0';
    return p;
  }
  if (v[0] !== '.') return undefined;
  r = parseInt_(v.slice(1));
  if (!r) return undefined;
  [p.patch, v] = r;
  if (v.length > 0 && v[0] === '-') {
    const pr = parsePrerelease(v);
    if (!pr) return undefined;
    [p.prerelease, v] = pr;
  }
  if (v.length > 0 && v[0] === '+') {
    const b = parseBuild(v);
    if (!b) return undefined;
    [p.build, v] = b;
  }
  if (v !== '') return undefined;
  return p;
}

/** semver.IsValid */
export function isValid(v: string): boolean {
  return parse(v) !== undefined;
}

/** semver.Canonical: "v1.2" -> "v1.2.0"; build metadata dropped; "" when invalid. */
export function canonical(v: string): string {
  const p = parse(v);
  if (!p) return '';
  if (p.build !== '') return v.slice(0, v.length - p.build.length);
  if (p.short !== '') return v + p.short;
  return v;
}

/** semver.Major: "v2.1.0" -> "v2"; "" when invalid. */
export function major(v: string): string {
  const p = parse(v);
  if (!p) return '';
  return v.slice(0, 1 + p.major.length);
}

/** semver.MajorMinor: "v2.1.0" -> "v2.1"; "" when invalid. */
export function majorMinor(v: string): string {
  const p = parse(v);
  if (!p) return '';
  const i = 1 + p.major.length;
  const j = i + 1 + p.minor.length;
  if (j <= v.length && v[i] === '.' && v.slice(i + 1, j) === p.minor) return v.slice(0, j);
  return v.slice(0, i) + '.' + p.minor;
}

/** semver.Prerelease: "v1.0.0-rc.1+x" -> "-rc.1". */
export function prerelease(v: string): string {
  return parse(v)?.prerelease ?? '';
}

/** semver.Build: "v1.0.0+incompatible" -> "+incompatible". */
export function build(v: string): string {
  return parse(v)?.build ?? '';
}

function compareInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length < y.length) return -1;
  if (x.length > y.length) return 1;
  return x < y ? -1 : 1;
}

function nextIdent(x: string): [string, string] {
  let i = 0;
  while (i < x.length && x[i] !== '.') i++;
  return [x.slice(0, i), x.slice(i)];
}

function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  while (x !== '' && y !== '') {
    x = x.slice(1);
    y = y.slice(1);
    let dx: string;
    let dy: string;
    [dx, x] = nextIdent(x);
    [dy, y] = nextIdent(y);
    if (dx !== dy) {
      const ix = isNum(dx);
      const iy = isNum(dy);
      if (ix !== iy) return ix ? -1 : 1;
      if (ix) {
        if (dx.length < dy.length) return -1;
        if (dx.length > dy.length) return 1;
      }
      return dx < dy ? -1 : 1;
    }
  }
  return x === '' ? -1 : 1;
}

/** semver.Compare: -1, 0 or +1; an invalid version is below every valid one, and equal to another invalid one. */
export function compare(v: string, w: string): number {
  const pv = parse(v);
  const pw = parse(w);
  if (!pv && !pw) return 0;
  if (!pv) return -1;
  if (!pw) return 1;
  return compareInt(pv.major, pw.major) || compareInt(pv.minor, pw.minor) ||
    compareInt(pv.patch, pw.patch) || comparePrerelease(pv.prerelease, pw.prerelease);
}

/** semver.Max of two versions (canonicalised). */
export function max(v: string, w: string): string {
  const cv = canonical(v);
  const cw = canonical(w);
  return compare(cv, cw) > 0 ? cv : cw;
}

/** semver.Sort: ascending, ties broken by string order, as `@v/list` results are sorted. */
export function sortVersions(list: readonly string[]): string[] {
  return [...list].sort((a, b) => compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
}

const PSEUDO_VERSION_RE =
  /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** module.IsPseudoVersion: v0.0.0-20191109021931-daa7c04131f5 and its two other forms. */
export function isPseudoVersion(v: string): boolean {
  return (v.split('-').length - 1) >= 2 && isValid(v) && PSEUDO_VERSION_RE.test(v);
}
