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
