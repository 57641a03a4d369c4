// Where log lines and the human view go. Both sinks are synchronous and never throw: a closed
// stdout (EPIPE: `gomodprobe | head`) or a full volume must not crash the probe or lose the
// other outputs.

import { appendFileSync, closeSync, ftruncateSync, openSync, truncateSync } from 'node:fs';
import { errorMessage, sysCode } from '../errors.js';
import { writeAllSync } from './files.js';

/** What pino.multistream and the human view need from a destination. */
export interface LineSink {
  write(chunk: string): void;
}

type MaybeClosedStream = NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };

/** Codes that mean "the reader went away": expected, silently stop writing. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ECONNRESET']);

/** A writable stream (stdout) that stops quietly once its reader is gone. */
export class StreamSink implements LineSink {
  #closed = false;
  readonly #stream: MaybeClosedStream;
  readonly #onError: (reason: string) => void;

  /** `onError` hears about failures other than the reader going away. */
  constructor(stream: NodeJS.WritableStream, onError: (reason: string) => void) {
    this.#stream = stream as MaybeClosedStream;
    this.#onError = onError;
    // Without a listener, an asynchronous EPIPE is an uncaught exception.
    this.#stream.on('error', (err: unknown) => this.#fail(err));
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(chunk: string): void {
    if (this.#closed) return;
    if (this.#stream.destroyed || this.#stream.writableEnded) {
      this.#closed = true;
      return;
    }
    try {
      this.#stream.write(chunk);
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    const code = sysCode(err);
    if (code !== undefined && READER_GONE.has(code)) return;
    const reason = errorMessage(err);
    // Deferred: the error may surface inside a log call, and reporting it logs again.
    queueMicrotask(() => this.#onError(reason));
  }
}

/**
 * The ndjson log file: written with writeSync so nothing is lost on exit. After close(), later
 * lines are appended one by one (rare: the run is over) rather than dropped.
 */
export class FileSink implements LineSink {
  #fd: number | null;
  #failed = false;
  /** Bytes of whole lines written so far. */
  #size = 0;
  readonly #path: string;
  readonly #onError: (reason: string) => void;

  private constructor(path: string, fd: number, onError: (reason: string) => void) {
    this.#path = path;
    this.#fd = fd;
    this.#onError = onError;
  }

  /** Opens (truncating) `path`; returns the reason when it cannot. */
  static open(path: string, onError: (reason: string) => void): FileSink | { reason: string } {
    try {
      return new FileSink(path, openSync(path, 'w', 0o644), onError);
    } catch (err) {
      return { reason: `${path}: ${errorMessage(err)}` };
    }
  }

  get failed(): boolean {
    return this.#failed;
  }

  write(chunk: string): void {
    if (this.#failed) return;
    const data = Buffer.from(chunk, 'utf8');
    try {
      if (this.#fd === null) appendFileSync(this.#path, data);
      else writeAllSync(this.#fd, data);
      this.#size += data.length;
    } catch (err) {
      this.#failed = true;
      // A full disk can take half a line: cut the file back to its last whole line, so that a reader
      // never meets a truncated JSON object as the last entry.
      try {
        if (this.#fd !== null) ftruncateSync(this.#fd, this.#size);
        else truncateSync(this.#path, this.#size);
      } catch {
        // Nothing more to do: the error below is reported either way.
      }
      this.close();
      const reason = `${this.#path}: ${errorMessage(err)}`;
      queueMicrotask(() => this.#onError(reason));
    }
  }

  close(): void {
    if (this.#fd === null) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Closing a descriptor that failed to write: nothing more to do.
    }
    this.#fd = null;
  }
}

/**
 * Container runtimes split a stdout line longer than 16 KiB into partial records, and log pipelines
 * that do not reassemble them (a common default) receive broken JSON. Every stdout line stays within
 * this; the whole line is in gomodprobe.ndjson (and report.json).
 */
export const MAX_STDOUT_LINE_BYTES = 16 * 1024;

/**
 * The largest fields of an over-long JSON log line are replaced, biggest first, by a note pointing at
 * where the whole line is (`omitted` lists them) until the line fits; the fields that say what happened
 * (event, stage, status, verdict, exitCode, cause, msg) are kept whole whenever they fit.
 */
export function capLogLine(line: string, maxBytes: number, whereWhole: string): string {
  // maxBytes counts the newline the sink adds.
  if (Buffer.byteLength(line, 'utf8') < maxBytes) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return JSON.stringify({ level: 'warn', msg: 'log line too long for stdout', omitted: ['line'], whole: whereWhole });
  }
  const omitted: string[] = [];
  // Each field's size, serialized once: a 500-module stage result is a ~1 MB field, and sorting by sizes
  // computed in the comparator serialized it again at every comparison.
  const sizes = new Map(Object.keys(entry).map((k) => [k, Buffer.byteLength(JSON.stringify(entry[k]) ?? '', 'utf8')]));
  const render = (): string => JSON.stringify({ ...entry, ...(omitted.length > 0 ? { omitted, whole: whereWhole } : {}) });
  let out = render();
  while (Buffer.byteLength(out, 'utf8') >= maxBytes) {
    const biggest = Object.keys(entry)
      .filter((k) => !omitted.includes(k))
      .sort((a, b) => sizes.get(b)! - sizes.get(a)!)[0];
    if (biggest === undefined) break;
    const bytes = sizes.get(biggest)!;
    entry[biggest] = `(${bytes} bytes, omitted here)`;
    omitted.push(biggest);
    out = render();
  }
  return out;
}

/** A LineSink whose lines never exceed `maxBytes` (see capLogLine). */
export class CappedLineSink implements LineSink {
  readonly #inner: LineSink;
  readonly #maxBytes: number;
  readonly #whereWhole: string;

  constructor(inner: LineSink, maxBytes: number, whereWhole: string) {
    this.#inner = inner;
    this.#maxBytes = maxBytes;
    this.#whereWhole = whereWhole;
  }

  write(chunk: string): void {
    // pino writes one line (with its newline) per call.
    this.#inner.write(`${capLogLine(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk, this.#maxBytes, this.#whereWhole)}\n`);
  }
}
