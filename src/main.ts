// The entry point (`gomodprobe`, dist/gomodprobe.mjs, the image's ENTRYPOINT): runs the CLI whatever
// this file is called or however it is started (a copy under another name, a symlink, npm's bin shim,
// npx). The only file that reads process.argv/env and decides how the process ends.

import { main } from './cli.js';
import { EXIT } from './causes.js';
import { errorMessage } from './errors.js';
import { firstSourceFrame } from './stack.js';

/** How long the process waits for stdout to drain after the verdict before it exits anyway. */
const EXIT_DRAIN_MS = 100;

// A bug must still end as one line and exit 1, never a bare stack trace: the line names where in src/
// it was thrown (src/stack.ts maps the bundle's frames).
const crash = (err: unknown): void => {
  let at: string | undefined;
  try {
    at = firstSourceFrame(err);
  } catch {
    at = undefined;
  }
  process.stderr.write(`gomodprobe: internal error: ${errorMessage(err)}${at ? ` (at ${at})` : ''}\n`);
  process.exit(EXIT.internal);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain, but never linger on a stray handle (a half-open socket, a keep-alive timer):
    // the run promised to end within its deadline.
    process.stdout.write('', () => process.exit(code));
    setTimeout(() => process.exit(code), EXIT_DRAIN_MS).unref();
  },
  crash,
);
