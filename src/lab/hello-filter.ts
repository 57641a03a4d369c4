// A middlebox in front of a TLS server that acts on the size of the client's first TLS record, as IPS
// signatures and some TLS-inspecting proxies do with go 1.24+'s 1.5 KB post-quantum ClientHello: larger
// hellos are dropped (held, never forwarded: the client times out) or reset; smaller ones are relayed.
// The e2e lab does the same with nftables (`meta length > 1000 … drop`); this is its loopback twin.

import { connect, createServer, type Socket } from 'node:net';
import { recordLength } from '../net/clienthello.js';
import { listen, type Listening } from './serve.js';

export type HelloFilterAction = 'drop' | 'reset';

export interface HelloFilterOptions {
  /** The TLS server behind the box (on loopback). */
  readonly upstreamPort: number;
  readonly action: HelloFilterAction;
  /** First records larger than this many bytes are acted on (default 1000, as the lab's rule). */
  readonly maxBytes?: number;
}

export interface HelloFilter extends Listening {
  /** The size of each first record seen, and whether it passed. */
  readonly seen: readonly { readonly bytes: number; readonly passed: boolean }[];
}

const MAX_RECORD = 5 + 16384 + 2048;

export async function startHelloFilter(opts: HelloFilterOptions): Promise<HelloFilter> {
  const seen: { bytes: number; passed: boolean }[] = [];
  const limit = opts.maxBytes ?? 1000;
  const server = createServer((client: Socket) => {
    let buf = Buffer.alloc(0);
    client.on('error', () => {});
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const need = recordLength(buf);
      if ((need === undefined || buf.length < need) && buf.length <= MAX_RECORD) return;
      client.off('data', onData);
      const bytes = need ?? buf.length;
      if (bytes > limit) {
        seen.push({ bytes, passed: false });
        if (opts.action === 'reset') client.resetAndDestroy();
        else client.pause(); // held: nothing is forwarded or answered until the client gives up
        return;
      }
      seen.push({ bytes, passed: true });
      const upstream = connect({ host: '127.0.0.1', port: opts.upstreamPort });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      upstream.write(buf);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.on('data', onData);
  });
  const listening = await listen(server);
  return { ...listening, seen };
}
