// An origin whose HTTP/2 is broken while HTTP/1.1 works, as behind some proxies and CDNs: every h2 request
// stream is reset with INTERNAL_ERROR (RST_STREAM); requests over HTTP/1.1 reach the handler. go
// negotiates h2 by ALPN and fails there (`stream error: stream ID 1; INTERNAL_ERROR; received from peer`),
// and with GODEBUG=http2client=0 it speaks HTTP/1.1 and succeeds.

import { constants, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type Listening } from './serve.js';

export interface H2OriginOptions {
  readonly tls: { readonly cert: string; readonly key: string };
  /** Serves the requests that are not reset (e.g. GoproxyFixture.handle). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Reset every h2 stream (default true); false: a healthy origin that speaks h2 and HTTP/1.1. */
  readonly resetStreams?: boolean;
  /**
   * Each h2 connection answers this many streams, then sends GOAWAY (NO_ERROR, the last answered stream)
   * instead of answering the next one, and closes: a graceful shutdown mid-walk, as a CDN's connection
   * age limit does. The unanswered request may be retried on a new connection.
   */
  readonly goawayAfter?: number;
}

export interface H2Origin extends Listening {
  /** Requests seen, by HTTP version ("2.0" or "1.1"). */
  readonly seen: { readonly version: string; readonly path: string }[];
}

export async function startH2Origin(opts: H2OriginOptions): Promise<H2Origin> {
  const seen: { version: string; path: string }[] = [];
  const answeredBy = new WeakMap<object, number>();
  const server = createSecureServer({ allowHTTP1: true, cert: opts.tls.cert, key: opts.tls.key }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    seen.push({ version: req.httpVersion, path: req.url });
    if (req.httpVersion === '2.0' && opts.goawayAfter !== undefined) {
      const session = req.stream.session!;
      const answered = answeredBy.get(session) ?? 0;
      if (answered >= opts.goawayAfter) {
        session.goaway(constants.NGHTTP2_NO_ERROR, Math.max(0, (req.stream.id ?? 1) - 2));
        session.close();
        return;
      }
      answeredBy.set(session, answered + 1);
    } else if (req.httpVersion === '2.0' && opts.resetStreams !== false) {
      req.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    // allowHTTP1 hands HTTP/1.1 requests over as node:http's own objects; h2's compatibility API has the same shape.
    opts.handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
  server.on('sessionError', () => {});
  const listening = await listen(server);
  return { ...listening, seen };
}
