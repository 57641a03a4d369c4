// Module zips for the lab: what a GOPROXY serves at @v/<version>.zip and .mod, with the go.sum hashes
// that `go` computes for them (dirhash.HashZip over the zip, Hash1 over go.mod).

import { escapePath, escapeVersion } from '../goenv/module.js';
import { hashGoMod, hashModuleZip } from '../sumdb/dirhash.js';
import { writeZip } from '../sumdb/zip.js';

export interface BuiltModule {
  zip: Buffer;
  /** The .mod file: files["go.mod"], or "module <path>\n" when none is given. */
  goMod: string;
  /** "h1:..." of the zip: the `<path> <version>` go.sum line. */
  zipHash: string;
  /** "h1:..." of go.mod: the `<path> <version>/go.mod` go.sum line. */
  goModHash: string;
}

/**
 * Builds a valid module zip: every entry is "<path>@<version>/<file>" (unescaped, as cmd/go checks),
 * with go.mod always present. File names are relative, slash-separated, without "." or ".." elements.
 */
export function buildModule(path: string, version: string, files: Record<string, string | Uint8Array>): BuiltModule {
  // Throw ParseError('module.invalid') on a path or version go would refuse.
  escapePath(path);
  escapeVersion(version);
  const given = files['go.mod'];
  const goMod = given === undefined ? `module ${path}\n` : typeof given === 'string' ? given : Buffer.from(given).toString('utf8');
  const all: Record<string, string | Uint8Array> = { ...files, 'go.mod': goMod };
  const prefix = `${path}@${version}/`;
  const entries = Object.keys(all)
    .sort()
    .map((name) => {
      const elems = name.split('/');
      if (name === '' || name.includes('\\') || elems.some((e) => e === '' || e === '.' || e === '..')) {
        throw new TypeError(`buildModule: invalid file name ${JSON.stringify(name)}`);
      }
      const data = all[name]!;
      return { name: prefix + name, data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data };
    });
  const zip = writeZip(entries);
  return { zip, goMod, zipHash: hashModuleZip(zip), goModHash: hashGoMod(Buffer.from(goMod, 'utf8')) };
}
