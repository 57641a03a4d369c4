// No import circles in src: each module's imports, type-only ones included (a type circle is still two
// files that cannot be read, moved or split apart), form a graph without cycles. Two circles lived here
// (net: clienthello/gohello/hop/tls/errors; stages/state/net/report/egress/verdict) until the types moved
// to the module below both sides; this keeps new ones out.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

type Graph = ReadonlyMap<string, readonly string[]>;

/** Every relative specifier a file names: import/export ... from, side-effect imports, import(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\bfrom\s*'(\.{1,2}\/[^']+)'|\bimport\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) found.push((m[1] ?? m[2])!);
  return found;
}

/** src's modules and what each imports (paths relative to root, `.ts`); an import that names no file is an error. */
function importGraph(root: string): { graph: Graph; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const deps = new Set<string>();
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) {
        if (!spec.endsWith('.json')) unresolved.push(`${relative(root, file)} -> ${spec}`);
        continue;
      }
      deps.add(relative(root, target));
    }
    graph.set(relative(root, file), [...deps].sort());
  }
  return { graph, unresolved };
}

/** The strongly connected components with more than one module, or a module importing itself (Tarjan). */
function circles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

describe('import graph of src', () => {
  it('the cycle finder finds a circle through a type import, and none in a chain', () => {
    const graph = importGraphOf({
      'a.ts': "import type { B } from './b.js';",
      'b.ts': "import { c } from './sub/c.js';\nexport type B = 1;",
      'sub/c.ts': "import type {\n  A,\n} from '../a.js';\nexport const c = 1;",
      'd.ts': "import './a.js';",
    });
    expect(circles(graph)).toEqual([['a.ts', 'b.ts', 'sub/c.ts']]);
    expect(circles(importGraphOf({ 'a.ts': "import { b } from './b.js';", 'b.ts': "export const b = await import('./c.js');", 'c.ts': '' }))).toEqual([]);
  });

  it('every relative import in src names a file', () => {
    expect(importGraph('src').unresolved).toEqual([]);
  });

  it('has no circles, type-only imports included', () => {
    const { graph } = importGraph('src');
    expect(graph.size).toBeGreaterThan(100);
    expect(circles(graph)).toEqual([]);
  });
});

/** A graph from file texts (paths relative to a virtual root), resolved the way importGraph resolves. */
function importGraphOf(files: Readonly<Record<string, string>>): Graph {
  const graph = new Map<string, string[]>();
  for (const [file, text] of Object.entries(files)) {
    const deps = specifiers(text).map((spec) => relative('/v', resolve(dirname(join('/v', file)), spec.replace(/\.js$/, '.ts'))));
    graph.set(file, deps.filter((d) => d in files));
  }
  return graph;
}
