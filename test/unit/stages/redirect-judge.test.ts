// How the redirect stage names a failed zip fetch from go's error and the hops it saw: loops, limits,
// the https -> http rule, a new host failing at a layer, a Location cut down to its path, bad statuses.
import { describe, expect, it } from 'vitest';
import type { RedirectHop } from '../../../src/net/goweb.js';
import { DnsError, HttpError, TcpError, TlsError, type LayerError } from '../../../src/net/errors.js';
import { layerFailure } from '../../../src/stages/failure.js';
import { statusFailure, type WalkFailure } from '../../../src/stages/gowalk.js';
import { chainFailure, hasLoop } from '../../../src/stages/redirect.js';
import type { StageContext } from '../../../src/stages/stage.js';

const AT = 'example.com/m@v1.0.0';
const ZIP = 'https://proxy.example/example.com/m/@v/v1.0.0.zip';
const STORE = 'https://store.example/bucket/m.zip?sig=1';
/** chainFailure judges from the failure and the hops alone. */
const ctx = {} as StageContext;

function hop(url: string, status: number, location?: string, resolved?: string): RedirectHop {
  if (location === undefined) return { url, status, timeMs: 1 };
  const a = new URL(url);
  const b = new URL(resolved ?? location, url);
  return {
    url,
    status,
    location,
    resolved: resolved ?? b.href,
    scheme: a.protocol === b.protocol ? 'kept' : 'changed',
    host: a.hostname === b.hostname ? 'kept' : 'changed',
    port: a.port === b.port ? 'kept' : 'changed',
    timeMs: 1,
  };
}

function failure(over: Partial<WalkFailure>): WalkFailure {
  return { cause: 'proxy.not_found', target: ZIP, detail: 'detail', goError: 'go error', hint: 'the hint', notExist: false, ...over };
}

/** A layer failure met while the proxy stage fetched the zip ahead (the walk names it proxy.<layer cause>). */
function layerWalkFailure(err: LayerError): WalkFailure {
  const layer = layerFailure(err, { stage: 'proxy', facts: { host: 'store.example' } });
  return { cause: layer.cause, target: layer.target, detail: layer.detail, goError: layer.goError, hint: layer.hint, notExist: false, layer };
}

/** A status go treats as an error at the end of the chain, as the walk makes it (a module protocol error underneath). */
function statusWalkFailure(status: number, hops: readonly RedirectHop[]): WalkFailure {
  const statusLine = `${status} ${{ 403: 'Forbidden', 404: 'Not Found', 410: 'Gone' }[status] ?? 'Error'}`;
  return statusFailure({ url: hops.at(-1)?.url ?? ZIP, status, statusLine, headers: {}, body: Buffer.alloc(0), truncated: false, timeMs: 1, hops }, ZIP);
}

const NO_LOOKUP = { host: 'store.example', source: 'dns' as const, namesTried: ['store.example.'], queries: [] };

describe('hasLoop', () => {
  it('a straight chain is no loop, however long', () => {
    const chain = Array.from({ length: 10 }, (_, i) => hop(`https://s.example/hop/${10 - i}`, 302, `/hop/${9 - i}`));
    expect(hasLoop(chain)).toBe(false);
  });

  it('a URL that comes back is a loop, also when it is the one go refused to ask', () => {
    expect(hasLoop([hop(ZIP, 302, STORE), hop(STORE, 302, '/bucket/m.zip?sig=1')])).toBe(true);
    expect(hasLoop([hop(ZIP, 302, STORE), hop(STORE, 302, ZIP)])).toBe(true);
    expect(hasLoop([hop(STORE, 302, STORE)])).toBe(true);
  });

  it('the same path with another presigned query is no loop', () => {
    expect(hasLoop([hop(ZIP, 302, STORE), hop(STORE, 302, '/bucket/m.zip?sig=2')])).toBe(false);
  });
});

describe('chainFailure', () => {
  it('too many redirects through a loop: redirect.loop', () => {
    const hops = [hop(ZIP, 302, STORE), hop(STORE, 302, STORE)];
    const f = chainFailure(ctx, AT, failure({ cause: 'redirect.too_many', goError: 'Get "x": stopped after 10 redirects', hops }), hops);
    expect(f).toMatchObject({ stage: 'redirect', cause: 'redirect.loop', goError: `${AT}: Get "x": stopped after 10 redirects` });
    expect(f.detail).toContain('loops');
  });

  it('too many redirects without a loop stays redirect.too_many', () => {
    const hops = Array.from({ length: 10 }, (_, i) => hop(`https://s.example/hop/${10 - i}`, 302, `/hop/${9 - i}`));
    expect(chainFailure(ctx, AT, failure({ cause: 'redirect.too_many', hops }), hops).cause).toBe('redirect.too_many');
  });

  it('https -> http and an unparsable Location keep their causes and go\'s hint', () => {
    const hops = [hop(ZIP, 302, 'http://store.example/m.zip')];
    expect(chainFailure(ctx, AT, failure({ cause: 'redirect.insecure', hint: 'stay on https' }), hops)).toMatchObject({ cause: 'redirect.insecure', hint: 'stay on https' });
    expect(chainFailure(ctx, AT, failure({ cause: 'redirect.bad_location' }), [hop(ZIP, 302)]).cause).toBe('redirect.bad_location');
  });

  it('a new host failing at a layer: redirect.<layer cause>, naming the redirect and asking for egress to that host', () => {
    const hops = [hop(ZIP, 302, STORE)];
    const errors = [
      new DnsError('dns.nxdomain', 'store.example:443', 'no such host', 'lookup store.example: no such host', NO_LOOKUP),
      new TcpError('tcp.timeout', 'store.example:443', 'timed out', 'dial tcp 198.18.0.9:443: i/o timeout', []),
      new TlsError('tls.unknown_authority', 'store.example:443', 'unknown authority', 'x509: certificate signed by unknown authority', {}),
      new TcpError('tcp.refused', 'store.example:443', 'refused', 'dial tcp 198.18.0.9:443: connect: connection refused', []),
    ];
    for (const err of errors) {
      const walked = layerWalkFailure(err);
      expect(walked.cause).toBe(`proxy.${err.code}`);
      const f = chainFailure(ctx, AT, walked, hops);
      const layerCause = err.code;
      expect(f.cause).toBe(`redirect.${layerCause}`);
      expect(f.target).toBe('store.example:443');
      expect(f.detail).toContain(`the redirect to ${STORE}`);
      expect(f.detail).toContain(`[redirect.target_${layerCause.split('.')[0]}]`);
      expect(f.hint).toContain('allow egress to that host too');
    }
  });

  it('a layer failure before any redirect keeps the plain hint', () => {
    const walked = layerWalkFailure(new TcpError('tcp.refused', 'store.example:443', 'refused', 'dial tcp 198.18.0.9:443: connect: connection refused', []));
    const f = chainFailure(ctx, AT, walked, []);
    expect(f).toMatchObject({ cause: 'redirect.tcp.refused', hint: walked.hint });
    expect(f.hint).toMatch(/refuses connections/);
  });

  it('404 after a bare-path Location on the original host: location_truncated', () => {
    const hops = [hop(ZIP, 302, '/bucket/m.zip?sig=1'), hop('https://proxy.example/bucket/m.zip?sig=1', 404)];
    const f = chainFailure(ctx, AT, statusWalkFailure(404, hops), hops);
    expect(f.cause).toBe('redirect.location_truncated');
    expect(f.detail).toContain('"/bucket/m.zip?sig=1"');
    expect(f.detail).toContain('proxy.example');
  });

  it('410 after a bare path is truncated too; 403 after it is a bad status', () => {
    const hops = [hop(ZIP, 302, '/bucket/m.zip'), hop('https://proxy.example/bucket/m.zip', 410)];
    expect(chainFailure(ctx, AT, statusWalkFailure(410, hops), hops).cause).toBe('redirect.location_truncated');
    expect(chainFailure(ctx, AT, statusWalkFailure(403, hops), hops).cause).toBe('redirect.bad_status');
  });

  it('404 after an absolute or protocol-relative Location: the object store\'s bad status, not a truncation', () => {
    for (const location of [STORE, '//store.example/bucket/m.zip']) {
      const hops = [hop(ZIP, 302, location), hop(new URL(location, ZIP).href, 404)];
      const f = chainFailure(ctx, AT, statusWalkFailure(404, hops), hops);
      expect(f.cause).toBe('redirect.bad_status');
      expect(f.detail).toContain('after 1 redirect');
    }
  });

  it('an HTTP-layer failure is the redirect stage\'s own', () => {
    for (const code of ['http.protocol', 'http.timeout'] as const) {
      const walked = layerWalkFailure(new HttpError(code, ZIP, 'detail', `Get "${ZIP}": EOF`));
      expect(walked.cause).toBe(`proxy.${code}`);
      expect(chainFailure(ctx, AT, walked, []).cause).toBe(`redirect.${code}`);
    }
  });
});
