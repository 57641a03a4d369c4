// The pino logger: JSON lines, no transports (their worker threads load modules by path, which a
// single-file bundle does not have), synchronous sinks combined with pino.multistream.
// Secrets are removed twice: declared `redact` paths for structured fields, then the scrubber
// over every serialized line (free text such as echoed server bodies).

import pino, { type Logger } from 'pino';
import { LOG_REDACT_PATHS, REDACTED } from './redact.js';
import type { LineSink } from './sinks.js';

export type LogLevel = 'debug' | 'info';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Each sink receives the lines at or above its level (the logger's level applies first). */
  readonly sinks: readonly { readonly level: 'debug' | 'warn'; readonly sink: LineSink }[];
  /** Applied to every serialized line before any sink sees it. */
  readonly scrub: (line: string) => string;
}

export function createLogger(opts: LoggerOptions): Logger {
  const streams = opts.sinks.map(({ level, sink }) => ({ level, stream: sink }));
  return pino(
    {
      name: 'gomodprobe',
      level: opts.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: the lines are read by people through `kubectl logs`.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
      hooks: { streamWrite: opts.scrub },
    },
    pino.multistream(streams),
  );
}
