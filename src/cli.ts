// argv + env -> Options -> the command (help, version, demo, serve, a probe run) -> exit code. Importing
// it starts nothing: src/main.ts is the entry that calls main() and ends the process.

import { existsSync } from 'node:fs';
import { STAGE_EXIT_CODES, EXIT } from './causes.js';
import { InputError } from './errors.js';
import { helpText, parseOptions, type Options } from './options.js';
import { VERSION } from './version.js';

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: Options;
  try {
    options = parseOptions({
      argv,
      env,
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      terminationLogExists: existsSync('/dev/termination-log'),
    });
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`gomodprobe: ${err.message}\n`);
      return STAGE_EXIT_CODES.config;
    }
    throw err;
  }

  if (options.command === 'help') {
    process.stdout.write(helpText(VERSION));
    return EXIT.ok;
  }
  if (options.command === 'version') {
    process.stdout.write(`gomodprobe ${VERSION}\n`);
    return EXIT.ok;
  }
  if (options.command === 'demo') {
    const { runDemo } = await import('./demo.js');
    return runDemo(options, { version: VERSION });
  }
  if (options.command === 'serve') {
    const { runServe } = await import('./serve/serve.js');
    return runServe(options, { version: VERSION });
  }
  const { probeOnce } = await import('./run.js');
  return probeOnce(options);
}
