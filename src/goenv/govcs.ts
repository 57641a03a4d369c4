// GOVCS as cmd/go reads it (cmd/go/internal/vcs/vcs.go parseGOVCS, govcsConfig.allow, checkGOVCS): a
// comma list of pattern:vcs|vcs rules, first matching rule decides, then the defaults private:all and
// public:git|hg; "private" means the repository root matches GOPRIVATE. A direct `mod` fetch is always
// allowed.

import { matchPrefixPatterns } from './patterns.js';

interface GovcsRule {
  readonly pattern: string;
  readonly allowed: readonly string[];
}

const DEFAULT_GOVCS: readonly GovcsRule[] = [
  { pattern: 'private', allowed: ['all'] },
  { pattern: 'public', allowed: ['git', 'hg'] },
];

/** parseGOVCS: go's error text for a value it refuses (every direct VCS fetch fails with it). */
export function parseGovcs(value: string): { rules: GovcsRule[] } | { error: string } {
  const s = value.trim();
  if (s === '') return { rules: [...DEFAULT_GOVCS] };
  const rules: GovcsRule[] = [];
  const have = new Map<string, string>();
  for (const raw of s.split(',')) {
    const item = raw.trim();
    if (item === '') return { error: 'empty entry in GOVCS' };
    const colon = item.indexOf(':');
    if (colon < 0) return { error: `malformed entry in GOVCS (missing colon): "${item}"` };
    const pattern = item.slice(0, colon).trim();
    const list = item.slice(colon + 1).trim();
    if (pattern === '') return { error: `empty pattern in GOVCS: "${item}"` };
    if (list === '') return { error: `empty VCS list in GOVCS: "${item}"` };
    if (pattern === '.' || pattern === '..' || pattern.startsWith('./') || pattern.startsWith('../')) return { error: `relative pattern not allowed in GOVCS: "${pattern}"` };
    const old = have.get(pattern);
    if (old !== undefined) return { error: `unreachable pattern in GOVCS: "${item}" after "${old}"` };
    have.set(pattern, item);
    const allowed = list.split('|').map((a) => a.trim());
    if (allowed.some((a) => a === '')) return { error: `empty VCS name in GOVCS: "${item}"` };
    rules.push({ pattern, allowed });
  }
  return { rules: [...rules, ...DEFAULT_GOVCS] };
}

/** checkGOVCS: undefined when allowed, else go's error text. */
export function checkGovcs(govcs: string, goprivate: string, vcs: string, root: string): string | undefined {
  if (vcs === 'mod') return undefined;
  const parsed = parseGovcs(govcs);
  if ('error' in parsed) return parsed.error;
  const isPrivate = matchPrefixPatterns(goprivate, root);
  for (const rule of parsed.rules) {
    const match = rule.pattern === 'private' ? isPrivate : rule.pattern === 'public' ? !isPrivate : matchPrefixPatterns(rule.pattern, root);
    if (!match) continue;
    if (rule.allowed.some((a) => a === vcs || a === 'all')) return undefined;
    break;
  }
  return `GOVCS disallows using ${vcs} for ${isPrivate ? 'private' : 'public'} ${root}; see 'go help vcs'`;
}
