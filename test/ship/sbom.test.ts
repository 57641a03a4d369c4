// dist/gomodprobe.cdx.json, the CycloneDX SBOM scripts/build.mjs has @cyclonedx/cyclonedx-esbuild make
// from esbuild's metafiles: it must list exactly the npm packages whose code is in the bundle, at the
// versions package-lock.json installed. "In the bundle" is read independently of the SBOM tool, from the
// source maps esbuild writes beside the bundle. `npm test` builds dist/ first.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from './image-plan.js';

const DIST = join(REPO_DIR, 'dist');
/** Every source map the build wrote: the entry's and one per lazily compiled unit (scripts/build.mjs UNITS). */
const MAPS = readdirSync(DIST).filter((f) => /^gomodprobe\.(mjs|[a-z0-9]+\.js)\.map$/.test(f));

interface Component {
  type: string;
  group?: string;
  name: string;
  version: string;
  purl: string;
}
const sbom = JSON.parse(readFileSync(join(DIST, 'gomodprobe.cdx.json'), 'utf8')) as {
  bomFormat: string;
  specVersion: string;
  metadata: { component: { name: string; version: string }; tools: { components: { name: string }[] } };
  components: Component[];
};
const lock = JSON.parse(readFileSync(join(REPO_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean }> };
const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };

/** node_modules/<name> (or a nested node_modules/a/node_modules/<name>) of every bundled source file. */
function bundledPackageDirs(): Set<string> {
  const dirs = new Set<string>();
  for (const map of MAPS) {
    const { sources } = JSON.parse(readFileSync(join(DIST, map), 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const m = /^\.\.\/((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(s);
      if (m) dirs.add(m[1]!.replace(/\/$/, ''));
    }
  }
  return dirs;
}

function nameOf(dir: string): string {
  return dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

describe('the SBOM beside the bundle', () => {
  it('is CycloneDX 1.6 about gomodprobe at package.json version, made by cyclonedx-esbuild', () => {
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.specVersion).toBe('1.6');
    expect(sbom.metadata.component).toMatchObject({ name: pkg.name, version: pkg.version });
    expect(sbom.metadata.tools.components.map((t) => t.name)).toContain('cyclonedx-esbuild');
  });

  it("lists exactly the bundled npm packages, at package-lock.json's versions, with their purls", () => {
    expect(MAPS).toEqual(expect.arrayContaining(['gomodprobe.mjs.map', 'gomodprobe.pipeline.js.map', 'gomodprobe.undici.js.map']));
    const dirs = bundledPackageDirs();
    // Every runtime dependency of package.json is bundled (the check of the check: the maps are read right).
    for (const dep of Object.keys(pkg.dependencies)) expect([...dirs].map(nameOf), dep).toContain(dep);
    const expected = [...dirs].map((dir) => {
      const entry = lock.packages[dir];
      expect(entry?.version, `${dir} in package-lock.json`).toBeDefined();
      // Nothing only a developer installs is in the bundle.
      expect(entry?.dev ?? false, `${dir} is a devDependency`).toBe(false);
      return `${nameOf(dir)}@${entry!.version}`;
    });
    const listed = sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`);
    expect(listed.sort()).toEqual([...new Set(expected)].sort());
    for (const c of sbom.components) {
      const full = `${c.group ? `${c.group}/` : ''}${c.name}`;
      expect(c.type).toBe('library');
      expect(c.purl.split('?')[0]).toBe(`pkg:npm/${full.replace('@', '%40')}@${c.version}`);
    }
  });
});
