// A raw TCP listener that records the first TLS record each client sends (its ClientHello) and then
// closes the connection: how the ClientHello of a real `go mod download`, and the probe's, are captured
// and compared. It never answers, so the client fails its handshake right after sending the hello.

import { createServer, type Socket } from 'node:net';
import { recordLength } from '../net/clienthello.js';
import { listen, type Listening, type ListenOptions } from './serve.js';

/** A TLS record is at most 2^14 bytes of plaintext plus its header (and a little slack for ciphertext). */
const MAX_RECORD = 5 + 16384 + 2048;
/** A client that connects and says nothing is dropped after this long. */
const IDLE_MS = 10_000;

export interface HelloListener extends Listening {
  /** The records captured so far, in arrival order. */
  readonly hellos: readonly Buffer[];
  /** Resolves with the next hello captured (or one already captured and not yet taken). */
  next(signal: AbortSignal): Promise<Buffer>;
}

export async function listenForHellos(opts: ListenOptions = {}): Promise<HelloListener> {
  const hellos: Buffer[] = [];
  let taken = 0;
  const waiters: (() => void)[] = [];
  const server = createServer((socket: Socket) => {
    let buf = Buffer.alloc(0);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const need = recordLength(buf);
      if (need === undefined || buf.length < need) {
        if (buf.length > MAX_RECORD) socket.destroy();
        return;
      }
      hellos.push(buf.subarray(0, need));
      socket.destroy();
      for (const w of waiters.splice(0)) w();
    });
  });
  const listening = await listen(server, opts);
  return {
    ...listening,
    hellos,
    async next(signal: AbortSignal): Promise<Buffer> {
      while (taken >= hellos.length) {
        signal.throwIfAborted();
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(signal.reason);
          waiters.push(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
          signal.addEventListener('abort', onAbort, { once: true });
        });
      }
      return hellos[taken++]!;
    },
  };
}
