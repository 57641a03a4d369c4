// Placeholder until the demo target lands.
import type { Options } from './options.js';
export async function runDemo(_options: Options, _deps: { version: string }): Promise<number> {
  process.stderr.write('gomodprobe: demo is not built yet\n');
  return 1;
}
