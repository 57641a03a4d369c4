// Records the ClientHello of each installed go (and with the GODEBUG settings that change it) and prints
// the fields, as the table in README "go's bytes on the wire" shows them:
//
//   GOMODPROBE_GOS_DIR=/opt/gomodprobe-gos npx tsx test/e2e/lab/record-go-hellos.ts [--json | --readme]

import { parseClientHello } from '../../../src/net/clienthello.js';
import { findLabGos } from './gos.js';
import { captureGoHello, readmeHelloRow } from './gohello.js';

const GODEBUGS = ['', 'tlsmlkem=0', 'tlsmlkem=0,tlssecpmlkem=0'];
const gos = await findLabGos(process.env);
if (gos.missing) console.error(gos.missing);

const rows: Record<string, unknown>[] = [];
const readme: string[] = [];
for (const { minor, bin } of gos.found) {
  for (const godebug of GODEBUGS) {
    try {
      const c = await captureGoHello(bin, godebug);
      const fields = parseClientHello(c.hello);
      rows.push({ go: c.version, minor, godebug, hex: c.hello.toString('hex'), ...fields });
      readme.push(readmeHelloRow(c.version, godebug, fields));
    } catch (err) {
      rows.push({ go: minor, godebug, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
if (process.argv.includes('--readme')) console.log(readme.join('\n'));
else if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 1));
else for (const { hex: _hex, ...r } of rows) console.log(JSON.stringify(r));
