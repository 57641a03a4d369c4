// The node that ran the probe and how the bundle's units were compiled: report.json's `runtime`, for
// "why was start-up slow?". The bundle compiles each unit (the pipeline, undici, ssh2) from a string on
// first use and gives it the V8 code cache the build made beside the bundle (scripts/build.mjs); a
// cache V8 rejects (another node, other V8 flags) or a missing one means the unit was compiled from
// source. The unit loader passes itself to every unit as `__gmpUnit`; run from source (tsx) there is
// no bundle and no `codeCache`.

/** What became of one unit's code cache: `accepted` by V8; `rejected` by V8 (made by another node or with other V8 flags); `stale` (made for another build of the bundle, cut short, or no regular file: not given to V8); `absent` (no file). */
export type CodeCacheState = 'absent' | 'stale' | 'rejected' | 'accepted';

export interface UnitLoad {
  readonly cache: CodeCacheState;
  /** The cache file's size (0 when absent). */
  readonly bytes: number;
  /** Reading the cache, unpacking the unit and compiling it (from the cache or from source), in ms. */
  readonly ms: number;
}

export interface RuntimeInfo {
  readonly node: string;
  readonly v8: string;
  /** Per unit compiled so far, by name (only in the bundle). */
  readonly codeCache?: Readonly<Record<string, UnitLoad>>;
}

declare const __gmpUnit: (((name: string) => unknown) & { readonly codeCache?: () => Record<string, UnitLoad> }) | undefined;

export function runtimeInfo(): RuntimeInfo {
  const units = typeof __gmpUnit === 'function' ? __gmpUnit.codeCache?.() : undefined;
  return { node: process.version, v8: process.versions.v8, ...(units ? { codeCache: units } : {}) };
}
