// The module zip, fetched once per module through the GOPROXY walk with Go's redirect policy, and shared:
// the sumdb stage hashes it, the redirect stage judges the chain of hops it took.

import { redactURL } from '../goenv/redact.js';
import { TOOLCHAIN_MODULE } from '../goenv/toolchain.js';
import { isZipPrefix } from '../sumdb/zip.js';
import { hashModuleZip } from '../sumdb/dirhash.js';
import type { ModuleFetch, ZipBody, ZipFetch } from '../state.js';
import { checkDirect } from './direct.js';
import { proxyGet, tryProxies, versionPath } from './gowalk.js';
import type { WorkContext } from './stage.js';

/**
 * Bytes of a zip the probe downloads to hash it (go itself allows 500 MiB). Past it the zip is judged
 * (status, redirect chain, zip header) but not hashed. 64 MiB keeps the probe's peak memory near 200 MB
 * even against an endless body: an initContainer with a tight memory limit must not be OOM-killed.
 */
export const ZIP_HASH_CAP = 64 * 1024 * 1024;

/**
 * Bytes of a toolchain zip the probe reads (golang.org/toolchain, ~70 MB): enough for the status, the
 * redirect chain and the zip header; go downloads it whole, the probe only needs to know it is there.
 */
export const TOOLCHAIN_ZIP_PREFIX = 64 * 1024;

/**
 * Bytes of a toolchain zip the probe reads with --hash-toolchain, to hash it as go does (go's own limit
 * is 500 MiB, modfetch codehost.MaxZipFile; a linux-amd64 toolchain is ~70-100 MB).
 */
export const TOOLCHAIN_ZIP_HASH_CAP = 256 * 1024 * 1024;

/** How much of a zip the probe reads: a toolchain's prefix (or all of it with --hash-toolchain), a module's up to the cap. */
export function zipReadCap(ctx: WorkContext, path: string): number {
  if (path !== TOOLCHAIN_MODULE) return ZIP_HASH_CAP;
  return ctx.options.hashToolchain ? TOOLCHAIN_ZIP_HASH_CAP : TOOLCHAIN_ZIP_PREFIX;
}

export function fetchZip(ctx: WorkContext, m: ModuleFetch): Promise<ZipFetch> {
  return ctx.state.zips.get(`${m.path}@${m.version}`, ctx.waits, () => walkZip(ctx, m));
}

async function walkZip(ctx: WorkContext, m: ModuleFetch): Promise<ZipFetch> {
  const planned = ctx.plan.modules.find((p) => p.path === m.path);
  return tryProxies<ZipBody>(ctx.plan, m.path, {
    proxy: async (base) => {
      const url = `${base}/${versionPath(m.version, '.zip')}`;
      // A zip past the cap is still judged (served, redirect chain, zip header), just not hashed.
      const maxBytes = zipReadCap(ctx, m.path);
      const r = await proxyGet(ctx.net, ctx.plan, url, { signal: ctx.signal, maxBytes, allowTruncated: true });
      if (!r.ok) return r;
      const { body, ...response } = r.res;
      let hash: string | undefined;
      let hashError: string | undefined;
      const isZip = isZipPrefix(body);
      if (isZip && !r.res.truncated) {
        try {
          hash = hashModuleZip(body);
        } catch (err) {
          hashError = (err as Error).message;
        }
      }
      return {
        ok: true,
        value: { url: redactURL(url), status: r.res.status, size: body.length, truncated: r.res.truncated, isZip, ...(hash ? { hash } : {}), ...(hashError ? { hashError } : {}), response },
      };
    },
    direct: async () => {
      const d = planned ? await checkDirect(ctx, planned, []) : undefined;
      if (d && !d.ok) return d;
      return { ok: true, value: { url: 'direct', status: 200, size: 0, truncated: false, isZip: true, response: { url: 'direct', status: 200, statusLine: '200 OK', headers: {}, truncated: false, timeMs: 0, hops: [] } } };
    },
  });
}
