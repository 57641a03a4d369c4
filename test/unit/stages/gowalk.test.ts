// The stages' TryProxies walk (cmd/go modfetch/proxy.go) with scripted entry answers: which entries are
// asked, in what order, with which base URL, and which error go reports (direct > proxy > not-exist).
import { describe, expect, it } from 'vitest';
import { parseProxyList } from '../../../src/goenv/proxylist.js';
import type { Plan } from '../../../src/plan.js';
import { goModuleError, tryProxies, type EntryResult, type WalkFailure } from '../../../src/stages/gowalk.js';

type Answer = 'ok' | 404 | 410 | 500 | 'refused';

/** The two fields of a plan the walk reads; the rest of a Plan plays no part in it. */
function plan(goproxy: string, gonoproxy = ''): Plan {
  const list = parseProxyList(goproxy, gonoproxy);
  if (!list.ok) throw new Error(list.error);
  return { proxyList: list.entries, gonoproxy } as unknown as Plan;
}

function failure(answer: Exclude<Answer, 'ok'>, where: string): WalkFailure {
  const notExist = answer === 404 || answer === 410;
  const cause = answer === 404 ? 'proxy.not_found' : answer === 410 ? 'proxy.gone' : answer === 500 ? 'proxy.server_error' : 'proxy.tcp.refused';
  return { cause, target: where, detail: `${where}: ${answer}`, goError: `${where}: ${answer}`, hint: '', notExist, ...(typeof answer === 'number' ? { status: answer } : {}) };
}

async function walk(p: Plan, path: string, answers: Record<string, Answer>) {
  const asked: string[] = [];
  const bases: string[] = [];
  const result = await tryProxies<string>(p, path, {
    proxy: async (base, entryURL): Promise<EntryResult<string>> => {
      asked.push(entryURL);
      bases.push(base);
      const a = answers[entryURL] ?? 404;
      return a === 'ok' ? { ok: true, value: entryURL } : { ok: false, failure: failure(a, entryURL) };
    },
    direct: async (): Promise<EntryResult<string>> => {
      asked.push('direct');
      const a = answers['direct'] ?? 'refused';
      return a === 'ok' ? { ok: true, value: 'direct' } : { ok: false, failure: failure(a, 'direct') };
    },
  });
  return { result, asked, bases };
}

const A = 'https://a.example';
const B = 'https://b.example';
const M = 'example.com/m';

describe('comma entries', () => {
  it('fall through on 404 and 410, and the first success serves', async () => {
    const { result, asked } = await walk(plan(`${A},${B},direct`), M, { [A]: 404, [B]: 'ok' });
    expect(asked).toEqual([A, B]);
    expect(result).toMatchObject({ ok: true, value: B, servedBy: B });
    expect(result.attempts.map((a) => [a.entry, a.separator, a.outcome, a.status])).toEqual([
      [A, ',', 'not-exist', 404],
      [B, ',', 'ok', undefined],
    ]);
  });

  it('stop on any other error: the next entry is never asked', async () => {
    for (const answer of [500, 'refused'] as const) {
      const { result, asked } = await walk(plan(`${A},${B}`), M, { [A]: answer, [B]: 'ok' });
      expect(asked).toEqual([A]);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.failure.target).toBe(A);
    }
  });

  it('all not-exist: the last not-exist error is reported', async () => {
    const { result } = await walk(plan(`${A},${B}`), M, { [A]: 404, [B]: 410 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.failure).toMatchObject({ target: B, cause: 'proxy.gone' });
  });

  it('a 404 then direct: the direct error wins over the proxy\'s not-exist', async () => {
    const { result, asked } = await walk(plan(`${A},direct`), M, { [A]: 404, direct: 'refused' });
    expect(asked).toEqual([A, 'direct']);
    if (!result.ok) expect(result.failure.target).toBe('direct');
    else throw new Error('expected a failure');
  });

  it('a 404 then off: go reports "module lookup disabled by GOPROXY=off"', async () => {
    const { result } = await walk(plan(`${A},off`), M, { [A]: 404 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.failure).toMatchObject({ cause: 'proxy.off', goError: 'module lookup disabled by GOPROXY=off', notExist: true });
  });
});

describe('pipe entries', () => {
  it('fall through on any error', async () => {
    const { result, asked } = await walk(plan(`${A}|${B}`), M, { [A]: 'refused', [B]: 'ok' });
    expect(asked).toEqual([A, B]);
    expect(result).toMatchObject({ ok: true, servedBy: B });
    expect(result.attempts[0]).toMatchObject({ separator: '|', outcome: 'error', cause: 'proxy.tcp.refused' });
  });

  it('A:500 | B:410 reports the 500 (a proxy error outranks not-exist; observed with go 1.19)', async () => {
    const { result } = await walk(plan(`${A}|${B}`), M, { [A]: 500, [B]: 410 });
    if (!result.ok) expect(result.failure).toMatchObject({ target: A, status: 500 });
    else throw new Error('expected a failure');
  });

  it('two proxy errors: the later one is reported', async () => {
    const { result } = await walk(plan(`${A}|${B}`), M, { [A]: 500, [B]: 'refused' });
    if (!result.ok) expect(result.failure.target).toBe(B);
    else throw new Error('expected a failure');
  });

  it('the separator after an entry is its own: "A|B,C" falls through A on errors, B only on 404', async () => {
    const C = 'https://c.example';
    const { asked } = await walk(plan(`${A}|${B},${C}`), M, { [A]: 500, [B]: 500, [C]: 'ok' });
    expect(asked).toEqual([A, B]);
  });
});

describe('GONOPROXY and noproxy', () => {
  it('a matching path goes direct from the noproxy entry; proxy entries are never asked', async () => {
    const { result, asked } = await walk(plan(A, 'example.com'), M, { direct: 'ok' });
    expect(asked).toEqual(['direct']);
    expect(result).toMatchObject({ ok: true, servedBy: 'noproxy' });
  });

  it('a matching path whose direct fetch fails: the direct error, not "disabled by GOPRIVATE/GONOPROXY"', async () => {
    const { result } = await walk(plan(A, 'example.com'), M, { direct: 'refused' });
    if (!result.ok) expect(result.failure.target).toBe('direct');
    else throw new Error('expected a failure');
  });

  it('GOPROXY=off with GONOPROXY: private modules still go direct', async () => {
    const { result, asked } = await walk(plan('off', 'example.com'), M, { direct: 'ok' });
    expect(asked).toEqual(['direct']);
    expect(result.ok).toBe(true);
  });

  it('a path outside GONOPROXY: noproxy is skipped and its "does not match" error never reported', async () => {
    const { result, asked } = await walk(plan(A, 'corp.example'), M, { [A]: 404 });
    expect(asked).toEqual([A]);
    expect(result.attempts.map((a) => [a.entry, a.outcome])).toEqual([['noproxy', 'not-exist'], [A, 'not-exist']]);
    if (!result.ok) expect(result.failure.target).toBe(A);
    else throw new Error('expected a failure');
  });

  it('GOPROXY=direct exactly gets no noproxy entry', () => {
    expect(plan('direct', 'corp.example').proxyList.map((e) => e.kind)).toEqual(['direct']);
  });
});

describe('the base URL each proxy entry gets', () => {
  it('entry without its trailing slash, then the case-escaped path with "!" as %21', async () => {
    const { bases } = await walk(plan(`${A}/prefix/|${B}`), 'github.com/Azure/go-Thing', {});
    expect(bases).toEqual([`${A}/prefix/github.com/%21azure/go-%21thing`, `${B}/github.com/%21azure/go-%21thing`]);
  });

  it('a bare host entry gets https://', async () => {
    const { asked } = await walk(plan('proxy.example:8443'), M, {});
    expect(asked).toEqual(['https://proxy.example:8443']);
  });
});

describe("go's module wrapping of the walk's error (modload/list.go modinfoError)", () => {
  it('wraps with path@version, or "module <path>" without a version', () => {
    expect(goModuleError('x.test/m', 'v1.0.0', 'invalid version: unknown revision v1.0.0')).toBe('x.test/m@v1.0.0: invalid version: unknown revision v1.0.0');
    expect(goModuleError('x.test/m', undefined, 'reading …: 404 Not Found')).toBe('module x.test/m: reading …: 404 Not Found');
  });
  it("does not wrap again what is already the module's error without a version (a failed Versions, as @latest over git)", () => {
    const err = 'module x.test/m: git ls-remote -q origin in /c: exit status 128:\n\tfatal: …';
    expect(goModuleError('x.test/m', 'latest', err)).toBe(err);
    // Another module's error is still wrapped.
    expect(goModuleError('x.test/other', 'latest', err)).toBe(`x.test/other@latest: ${err}`);
  });
});
