// A vanity import path whose go-import meta tag has a fourth field (a subdirectory, go 1.25+):
// vanity.lab.test/hello?go-get=1 answers `vanity.lab.test/hello mod https://proxy.lab.test sub`, and the
// lab proxy serves the module. go ≥1.25 reads the tag (a subdirectory means nothing to a proxy) and
// downloads; go ≤1.24 skips a tag without exactly three fields and finds none.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapePath } from '../../../src/goenv/module.js';
import { buildModule } from '../../../src/lab/modzip.js';
import { HOST_NAMES } from './topology.js';

export const VANITY_MODULE = `${HOST_NAMES.vanity}/hello`;
export const VANITY_VERSION = 'v1.1.0';

/** The page the vanity host serves for every ?go-get=1 request. */
export function vanityPage(): string {
  return `<!DOCTYPE html><html><head><meta name="go-import" content="${VANITY_MODULE} mod https://${HOST_NAMES.proxy} sub"></head><body>go get ${VANITY_MODULE}</body></html>`;
}

/** The module's files in the lab proxy's tree. */
export function writeVanityModule(goproxyDir: string): void {
  const built = buildModule(VANITY_MODULE, VANITY_VERSION, {
    'go.mod': `module ${VANITY_MODULE}\n\ngo 1.21\n`,
    'hello.go': '// Package hello is served under a vanity import path.\npackage hello\n',
  });
  const dir = join(goproxyDir, escapePath(VANITY_MODULE), '@v');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, `${VANITY_VERSION}.info`), JSON.stringify({ Version: VANITY_VERSION, Time: '2025-01-15T12:00:00Z' }), { mode: 0o644 });
  writeFileSync(join(dir, `${VANITY_VERSION}.mod`), built.goMod, { mode: 0o644 });
  writeFileSync(join(dir, `${VANITY_VERSION}.zip`), built.zip, { mode: 0o644 });
  writeFileSync(join(dir, 'list'), `${VANITY_VERSION}\n`, { mode: 0o644 });
}
