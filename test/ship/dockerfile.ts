// A reader for the subset of Dockerfile syntax our Dockerfile uses (BuildKit rules): line
// continuations, comments, parser directives, ARG defaults substituted into FROM and stage
// instructions, exec-form ENTRYPOINT/CMD, COPY flags. Enough to derive, from the Dockerfile itself,
// what the runtime stage contains and how it starts, so the tests cannot drift from it.
// Also a .dockerignore matcher (moby/patternmatcher semantics: last match wins, '!' re-includes,
// a pattern matching a parent directory matches everything under it).

export interface Instruction {
  readonly keyword: string;
  /** The text after the keyword, ARGs substituted. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface CopyInstruction {
  readonly from: string | undefined;
  readonly chown: string | undefined;
  readonly chmod: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

export interface ParsedDockerfile {
  readonly directives: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

/** Joins continuation lines, drops comments and blank lines; keeps the first line number of each instruction. */
function logicalLines(text: string): { directives: Record<string, string>; lines: { text: string; line: number }[] } {
  const directives: Record<string, string> = {};
  const lines: { text: string; line: number }[] = [];
  const raw = text.split(/\r?\n/);
  let inDirectives = true;
  let current: { text: string; line: number } | undefined;
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    if (inDirectives) {
      const m = /^#\s*([a-z]+)\s*=\s*(.*?)\s*$/i.exec(line);
      if (m) {
        directives[m[1]!.toLowerCase()] = m[2]!;
        continue;
      }
      inDirectives = false;
    }
    if (/^\s*#/.test(line)) continue; // comments, also inside a continuation
    if (current === undefined && line.trim() === '') continue;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    if (current === undefined) current = { text: body, line: i + 1 };
    else current.text += ` ${body.trim()}`;
    if (!continued) {
      if (current.text.trim() !== '') lines.push({ text: current.text.trim(), line: current.line });
      current = undefined;
    }
  }
  if (current && current.text.trim() !== '') lines.push({ text: current.text.trim(), line: current.line });
  return { directives, lines };
}

function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced, fallback, bare) => {
    const name = (braced ?? bare) as string;
    const value = vars.get(name);
    return value !== undefined && value !== '' ? value : ((fallback as string | undefined) ?? value ?? '');
  });
}

function argDefault(args: string): [string, string | undefined] {
  const eq = args.indexOf('=');
  if (eq < 0) return [args.trim(), undefined];
  return [args.slice(0, eq).trim(), unquote(args.slice(eq + 1).trim())];
}

function unquote(s: string): string {
  return /^"(.*)"$/.test(s) || /^'(.*)'$/.test(s) ? s.slice(1, -1) : s;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const { directives, lines } = logicalLines(text);
  const globalArgs = new Map<string, string>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[]; args: Map<string, string> }[] = [];
  for (const { text: lineText, line } of lines) {
    const m = /^(\S+)\s*(.*)$/s.exec(lineText)!;
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!;
    const stage = stages[stages.length - 1];
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(substitute(rest, globalArgs));
      if (!f) throw new Error(`line ${line}: cannot read FROM ${rest}`);
      stages.push({ name: f[2], from: f[1]!, instructions: [], args: new Map() });
      continue;
    }
    if (keyword === 'ARG') {
      const [name, def] = argDefault(rest);
      if (!stage) {
        if (def !== undefined) globalArgs.set(name, def);
        else globalArgs.set(name, '');
      } else {
        // Inside a stage, an ARG without a default takes the global one.
        stage.args.set(name, def ?? globalArgs.get(name) ?? '');
      }
      if (stage) stage.instructions.push({ keyword, args: rest, line });
      continue;
    }
    if (!stage) throw new Error(`line ${line}: ${keyword} before the first FROM`);
    const args = keyword === 'RUN' ? rest : substitute(rest, stage.args);
    stage.instructions.push({ keyword, args, line });
  }
  return { directives, stages: stages.map(({ name, from, instructions }) => ({ name, from, instructions })) };
}

/** Splits shell-form words (COPY, USER); exec form (JSON array) is parsed as JSON. */
function words(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return trimmed.split(/\s+/).filter((w) => w.length > 0);
}

export function parseCopy(ins: Instruction): CopyInstruction {
  if (ins.keyword !== 'COPY') throw new Error(`line ${ins.line}: not a COPY`);
  const flags = new Map<string, string>();
  let rest = ins.args.trim();
  for (let m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest); m; m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)) {
    flags.set(m[1]!, m[2] ?? 'true');
    rest = rest.slice(m[0].length);
  }
  const parts = words(rest);
  if (parts.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  return {
    from: flags.get('from'),
    chown: flags.get('chown'),
    chmod: flags.get('chmod'),
    sources: parts.slice(0, -1),
    dest: parts[parts.length - 1]!,
  };
}

/** ENTRYPOINT/CMD in exec form; shell form (which needs /bin/sh) is refused. */
export function execForm(ins: Instruction): string[] {
  const t = ins.args.trim();
  if (!t.startsWith('[')) throw new Error(`line ${ins.line}: ${ins.keyword} is in shell form, which needs a shell`);
  const parsed = JSON.parse(t) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new Error(`line ${ins.line}: not a JSON string array`);
  return parsed;
}

/** LABEL k=v k2="v 2" ... (also over several LABEL instructions). */
export function labels(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'LABEL')) {
    for (const m of ins.args.matchAll(/([A-Za-z0-9._-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) out[m[1]!] = unquote(m[2]!);
  }
  return out;
}

/** The stage's ENV, in order (k=v form). */
export function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S+)/g)) out[m[1]!] = unquote(m[2]!);
  }
  return out;
}

/** The last value of a one-argument instruction (USER, WORKDIR) in a stage, or undefined. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return [...stage.instructions].reverse().find((i) => i.keyword === keyword);
}

/** WORKDIR in effect at each instruction of a stage (relative WORKDIRs join the previous one). */
export function workdirAt(stage: Stage, ins: Instruction): string {
  let wd = '/';
  for (const i of stage.instructions) {
    if (i === ins) break;
    if (i.keyword === 'WORKDIR') wd = i.args.trim().startsWith('/') ? i.args.trim() : `${wd.replace(/\/$/, '')}/${i.args.trim()}`;
  }
  return wd;
}

// ---------------------------------------------------------------- .dockerignore

interface IgnoreRule {
  readonly negate: boolean;
  readonly re: RegExp;
}

function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const body = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: patternToRegExp(body) };
    });
}

/** Whether a context path (relative, '/'-separated) is left out of the build context. */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    // A pattern matches the path itself or any directory above it.
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
  }
  return ignored;
}
