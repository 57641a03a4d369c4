// The one failure path: a layer error becomes a stage's failure in stages/failure.ts and nowhere else.
// Properties of the conversion (the prefix applied once, nothing lost), and that every cause of the
// table is reachable: a layer cause through the conversion, a stage cause from the file that emits it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOP_STAGES,
  isCause,
  isLayerCause,
  isStageCause,
  LAYER_CAUSES,
  layerCauseOf,
  MODULE_CAUSES,
  POLICY_CAUSES,
  policyStageCause,
  SSH_CAUSES,
  sshStageCause,
  STAGE_CAUSES,
  stagedLayerCause,
  stagedModuleCause,
  type DnsCause,
  type HttpCause,
  type LayerCause,
  type TcpCause,
  type TlsCause,
} from '../../../src/causes.js';
import { goWouldWaitFor, hintFor } from '../../../src/hints.js';
import { DnsError, HttpError, isHopError, PolicyError, ProtocolError, TcpError, TlsError, type LayerError } from '../../../src/net/errors.js';
import type { DialAttempt } from '../../../src/net/dialer.js';
import { goGet, GoWebError, type GoResponse, type GoWeb } from '../../../src/net/goweb.js';
import type { Plan } from '../../../src/plan.js';
import { layerFailure, restaged, stageFailure } from '../../../src/stages/failure.js';
import { GitSshError } from '../../../src/net/gitssh.js';
import { statusFailure, webFailure } from '../../../src/stages/gowalk.js';

const layerCauses = Object.keys(LAYER_CAUSES).filter(isLayerCause);

const isDns = (c: LayerCause): c is DnsCause => c.startsWith('dns.');
const isTcp = (c: LayerCause): c is TcpCause => c.startsWith('tcp.');
const isTls = (c: LayerCause): c is TlsCause => c.startsWith('tls.');
const isHttp = (c: LayerCause): c is HttpCause => c.startsWith('http.');

/** The error class that carries a layer cause: its layer is the cause's first word. */
function errorFor(code: LayerCause, target: string, detail: string, goError: string, attempts: readonly DialAttempt[] = []): LayerError {
  const lookup = { host: target, source: 'dns' as const, namesTried: [target], queries: [] };
  if (isDns(code)) return new DnsError(code, target, detail, goError, lookup);
  if (isTcp(code)) return new TcpError(code, target, detail, goError, attempts);
  if (isTls(code)) return new TlsError(code, target, detail, goError, {});
  if (isHttp(code)) return new HttpError(code, target, detail, goError);
  throw new Error(`${code}: a layer cause of no layer`);
}

const FACTS = { host: 'proxy.example', port: 443, dialed: 'proxy.example:443', nameservers: ['198.18.0.53'], variable: 'GOPROXY' };

describe('causes: a stage prefix only where it is legal', () => {
  it('every layer cause, staged by each later stage, is a cause that names its layer cause again', () => {
    for (const code of layerCauses) {
      expect(layerCauseOf(code)).toBe(code);
      for (const stage of HOP_STAGES) {
        const staged = stagedLayerCause(stage, code);
        expect(staged).toBe(`${stage}.${code}`);
        expect(isCause(staged)).toBe(true);
        expect(layerCauseOf(staged)).toBe(code);
      }
    }
  });

  it('illegal spellings are not causes: a first-hop stage as prefix, a prefix twice, a stage cause prefixed', () => {
    for (const bad of ['dns.tls.expired', 'tcp.dns.timeout', 'config.dns.timeout', 'proxy.proxy.dns.timeout', 'sumdb.proxy.not_found', 'redirect.redirect.loop', 'proxy.dns', 'dns', '', '.dns.timeout', 'proxy.', 'sumdb.unreachable']) {
      expect(isCause(bad), bad).toBe(false);
      expect(layerCauseOf(bad), bad).toBeUndefined();
    }
  });

  it('stage causes are causes with no layer cause inside', () => {
    for (const code of Object.keys(STAGE_CAUSES)) {
      expect(isCause(code)).toBe(true);
      expect(layerCauseOf(code)).toBeUndefined();
    }
  });
});

describe('layerFailure: the one conversion', () => {
  const arbitraryFailure = fc.record({
    code: fc.constantFrom(...layerCauses),
    stage: fc.option(fc.constantFrom(...HOP_STAGES), { nil: undefined }),
    target: fc.string({ minLength: 1, maxLength: 40 }),
    detail: fc.string({ maxLength: 80 }),
    goError: fc.string({ maxLength: 80 }),
    targetOverride: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
    goErrorOverride: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
  });

  it('applies the stage prefix exactly once and loses nothing the error carries', () => {
    fc.assert(
      fc.property(arbitraryFailure, (a) => {
        const err = errorFor(a.code, a.target, a.detail, a.goError);
        const f = layerFailure(err, {
          ...(a.stage ? { stage: a.stage } : {}),
          facts: FACTS,
          ...(a.targetOverride !== undefined ? { target: a.targetOverride } : {}),
          ...(a.goErrorOverride !== undefined ? { goError: a.goErrorOverride } : {}),
        });
        expect(f.cause).toBe(a.stage ? `${a.stage}.${a.code}` : a.code);
        expect(isCause(f.cause)).toBe(true);
        expect(layerCauseOf(f.cause)).toBe(a.code);
        expect(f.target).toBe(a.targetOverride ?? a.target);
        expect(f.detail).toBe(a.detail);
        expect(f.goError).toBe(a.goErrorOverride ?? a.goError);
        expect(f.hint).toBe(hintFor(a.code, FACTS));
        expect(f.goWouldWait).toBe(goWouldWaitFor(a.code));
        expect(f.layerError).toBe(err);
      }),
      { numRuns: 300 },
    );
  });

  it('a failure named again by another stage carries that stage\'s prefix alone, with the same hint', () => {
    fc.assert(
      fc.property(fc.constantFrom(...layerCauses), fc.constantFrom(...HOP_STAGES), fc.constantFrom(...HOP_STAGES), (code, first, second) => {
        const f = layerFailure(errorFor(code, 'store.example:443', 'd', 'g'), { stage: first, facts: FACTS, goError: 'Get "x": g' });
        const again = restaged(f, second);
        expect(again.cause).toBe(`${second}.${code}`);
        expect(again.hint).toBe(f.hint);
        expect(again.goError).toBe('Get "x": g');
        expect(again.target).toBe(f.target);
      }),
    );
  });

  it('stages 1-3 report the layer cause itself, as a Failure of their own', () => {
    const f = stageFailure('tcp', layerFailure(errorFor('tcp.refused', '198.18.0.9:443', 'refused', 'dial tcp 198.18.0.9:443: connect: connection refused'), { facts: FACTS }));
    expect(f).toEqual({
      stage: 'tcp',
      cause: 'tcp.refused',
      target: '198.18.0.9:443',
      detail: 'refused',
      hint: hintFor('tcp.refused', FACTS),
      goError: 'dial tcp 198.18.0.9:443: connect: connection refused',
    });
  });

  it('every layer cause has a hint', () => {
    for (const code of layerCauses) expect(hintFor(code, FACTS), code).not.toBe('');
  });

  it('the facts an error carries reach the hint: the TLS diagnosis, the IPv6 addresses dialed', () => {
    const tls = new TlsError('tls.unknown_authority', 'proxy.example:443', 'd', 'x509: certificate signed by unknown authority', {}, 'intercepting_proxy');
    expect(layerFailure(tls, { stage: 'sumdb', facts: FACTS }).hint).toMatch(/TLS-inspecting proxy/);
    const v6: DialAttempt = { address: '2001:db8::50', port: 443, family: 6, ok: false, latencyMs: 1, cause: 'tcp.timeout' } as DialAttempt;
    const tcp = errorFor('tcp.timeout', 'proxy.example:443', 'd', 'g', [v6]);
    expect(layerFailure(tcp, { stage: 'redirect', facts: FACTS }).hint).toMatch(/over IPv6 \(2001:db8::50\).*\/128/);
    expect(layerFailure(errorFor('tcp.timeout', 'proxy.example:443', 'd', 'g'), { facts: FACTS }).hint).not.toMatch(/IPv6/);
  });

  it('the hop errors are the three layers under HTTP', () => {
    for (const code of layerCauses) {
      const err = errorFor(code, 't', 'd', 'g');
      expect(err.code).toBe(code);
      expect(err.layer).toBe(code.slice(0, code.indexOf('.')));
      expect(isHopError(err)).toBe(err.layer !== 'http');
    }
  });
});

/** Every source file under src but the tables themselves (causes.ts names every cause, hints.ts hints it). */
function emitters(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    if (path === join('src', 'causes.ts') || path === join('src', 'hints.ts')) continue;
    files.set(path, readFileSync(path, 'utf8'));
  }
  return files;
}

/** The stage causes the one conversion makes: each module protocol failure as each later stage names it, each ssh failure, each of go's refusals. */
const CONVERTED: ReadonlySet<string> = new Set([
  ...HOP_STAGES.flatMap((stage) => MODULE_CAUSES.map((code) => stagedModuleCause(stage, code))),
  ...SSH_CAUSES.map((code) => sshStageCause(code)),
  ...POLICY_CAUSES.map((code) => policyStageCause(code)),
]);

/**
 * Every other stage cause, and the files that write it: a stage's own judgement (a checksum mismatch, a
 * redirect loop), go refusing by itself (GOPROXY=off, its redirect policy), the git hop's causes, the
 * pipeline's. A cause neither converted nor listed here is one nobody emits.
 */
const EMITTED_ELSEWHERE: Readonly<Record<string, readonly string[]>> = {
  'config.invalid': ['src/stages/config.ts', 'src/stages/gowalk.ts'],
  'config.bad_flag': ['src/errors.ts', 'src/stages/config.ts'],
  'config.bad_file': ['src/stages/config.ts'],
  'config.unsupported_url': ['src/stages/config.ts'],
  'config.toolchain_too_old': ['src/stages/config.ts'],
  'config.gowork_too_old': ['src/stages/config.ts'],
  'config.toolchain_invalid': ['src/stages/config.ts'],
  'proxy.toolchain_not_available': ['src/stages/proxy.ts'],
  'proxy.direct_failed': ['src/stages/direct.ts', 'src/stages/githop.ts', 'src/stages/githttps.ts'],
  'proxy.git_auth_required': ['src/stages/githttps.ts'],
  'proxy.git_auth_failed': ['src/stages/githttps.ts'],
  // Over https (over ssh the conversion names it).
  'proxy.git_repo_not_found': ['src/stages/githttps.ts'],
  'proxy.git_revision_not_found': ['src/stages/githttps.ts', 'src/stages/direct.ts'],
  'proxy.git_meta_mismatch': ['src/stages/direct.ts'],
  'proxy.git_vcs_disallowed': ['src/stages/direct.ts'],
  'proxy.git_protocol': ['src/stages/githttps.ts', 'src/stages/gitssh.ts'],
  'sumdb.toolchain_unverified': ['src/stages/sumdb.ts'],
  'sumdb.unavailable_via_proxy': ['src/stages/sumdb.ts'],
  // The checksum database's answers that do not verify (sumdb/client.ts's SumdbError).
  'sumdb.bad_signature': ['src/sumdb/client.ts'],
  'sumdb.bad_proof': ['src/sumdb/client.ts'],
  'sumdb.bad_response': ['src/sumdb/client.ts'],
  'sumdb.checksum_mismatch': ['src/stages/sumdb.ts'],
  'redirect.location_truncated': ['src/stages/redirect.ts'],
  'redirect.location_rewritten': ['src/stages/redirect.ts'],
  'redirect.loop': ['src/stages/redirect.ts'],
  // Named in the redirect stage's detail beside the layer cause (redirect.tls.expired [redirect.target_tls]).
  'redirect.target_dns': ['src/stages/redirect.ts'],
  'redirect.target_tcp': ['src/stages/redirect.ts'],
  'redirect.target_tls': ['src/stages/redirect.ts'],
  'redirect.not_zip': ['src/stages/redirect.ts'],
  'must_block.reachable': ['src/report/junit.ts'],
  'deadline.exceeded': ['src/probe.ts'],
  interrupted: ['src/probe.ts'],
  'strict.warning': ['src/strict.ts'],
};

describe('every cause of the table is emitted', () => {
  it('each layer cause has the error class of its layer, so the conversion can make it (and each staged form)', () => {
    const byLayer = { dns: DnsError, tcp: TcpError, tls: TlsError, http: HttpError } as const;
    for (const code of layerCauses) {
      const layer = code.slice(0, code.indexOf('.'));
      expect(Object.keys(byLayer), code).toContain(layer);
    }
  });

  it('each of go\'s refusals is raised somewhere under src (as a literal its PolicyError takes)', () => {
    const src = [...emitters()].map(([, text]) => text).join('\n');
    expect(POLICY_CAUSES.filter((code) => !src.includes(`'${code}'`))).toEqual([]);
    for (const code of POLICY_CAUSES) {
      const f = layerFailure(new PolicyError(code, 't', 'd', 'g'), { stage: 'sumdb', facts: {} });
      // The rule is the cause, whichever stage met it.
      expect(f.cause).toBe(policyStageCause(code));
      expect(isStageCause(f.cause)).toBe(true);
    }
  });

  it('each layer cause is raised somewhere under src/net (as a literal the error takes)', () => {
    const net = [...emitters()].filter(([path]) => path.startsWith(join('src', 'net'))).map(([, text]) => text).join('\n');
    const silent = layerCauses.filter((code) => !net.includes(`'${code}'`));
    expect(silent).toEqual([]);
  });

  it('each stage cause is made by the conversion or listed as emitted elsewhere', () => {
    const nobody = Object.keys(STAGE_CAUSES).filter((code) => !CONVERTED.has(code) && !Object.hasOwn(EMITTED_ELSEWHERE, code));
    expect(nobody).toEqual([]);
    for (const code of CONVERTED) expect(isStageCause(code), code).toBe(true);
    for (const code of Object.keys(EMITTED_ELSEWHERE)) expect(isStageCause(code), code).toBe(true);
  });

  it('each cause listed as emitted elsewhere is written as a literal by one of the files the list names', () => {
    const files = emitters();
    const silent = Object.entries(EMITTED_ELSEWHERE).filter(([code, paths]) => !paths.some((path) => files.get(join(...path.split('/')))?.includes(`'${code}'`)));
    expect(silent.map(([code]) => code)).toEqual([]);
  });

  it('each module protocol failure, met by each later stage, becomes that stage\'s cause through layerFailure', () => {
    for (const stage of HOP_STAGES) {
      for (const code of MODULE_CAUSES) {
        const answer = code === 'module.bad_response' ? undefined : { status: 503, statusLine: '503 Service Unavailable' };
        const err = new ProtocolError(code, 'https://proxy.example/m/@v/v1.0.0.info', 'd', 'reading ...: 503', answer);
        const f = layerFailure(err, { stage, facts: { host: 'proxy.example' } });
        expect(f.cause).toBe(stagedModuleCause(stage, code));
        expect(f.cause.startsWith(`${stage}.`)).toBe(true);
        expect(isCause(f.cause)).toBe(true);
        expect(f.hint).toBe(hintFor(f.cause, { host: 'proxy.example', ...(answer ?? {}) }));
        expect(f.layerError).toBe(err);
        // A later stage names it again with its own cause, from the same error.
        for (const other of HOP_STAGES) expect(restaged(f, other).cause).toBe(stagedModuleCause(other, code));
      }
    }
  });
});

/** What forcing or rewriting a cause looks like in source: a cast to a cause or failure type, a regex over a cause. */
const FORCED = [
  /\bas\s+(?:Failure|Cause|LayerCause|StageCause|StagedLayerCause|ModuleCause|PolicyCause|SshCause|HopStage|StageName)\b/,
  /\b(?:cause|code)\)?\??\.replace\(/,
  /\.replace\(\/\^\(?(?:dns|tcp|tls|http|module|config|proxy|sumdb|redirect|go)(?:\\\.|\|)/,
];

/** A stage cutting a prefix off an error's text with a regex: the error carries that part as a field (SumdbError.reason). */
const MESSAGE_CUT = /\b(?:message|detail|goError|gitStderr|hint)\)?\??\.replace\(\/\^/;

/** A hint written in a stage: `hint:` followed by a string literal or template, also as a branch of a condition. */
const HINT_LITERAL = [/\bhint:\s*['"`]/, /\bhint:\s*[^(\n]*?\?\s*['"`]/, /\bhint:\s*[^(\n]*?\?[^:\n]*:\s*['"`]/];

describe('the git hop over ssh: its failures through the one conversion', () => {
  const facts = { host: 'git.example', port: 2222, dialed: 'git.example:2222', sshRepo: 'ssh://git@git.example:2222/team/repo.git', rewrite: '' };

  it('each ssh failure is its proxy.git_* cause, with a hint of its own (naming the host, but for the keys to mount)', () => {
    for (const code of SSH_CAUSES) {
      const err = new GitSshError(code, 'git.example:2222', 'm', 'Host key verification failed.', {});
      const f = layerFailure(err, { stage: 'proxy', facts });
      expect(f.cause).toBe(sshStageCause(code));
      expect(f.cause).toMatch(/^proxy\.git_/);
      expect(f.hint, code).not.toBe('');
      if (code !== 'git_publickey_denied') expect(f.hint, code).toContain('git.example');
      // git's whole stderr is the error's text: ssh's line (CRLF), then git's.
      expect(f.goError).toBe('Host key verification failed.\r\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.');
    }
  });

  it('dns and tcp failures of the ssh hop keep their layer, prefixed by the proxy stage, with the layer\'s hint', () => {
    const tcp = new TcpError('tcp.refused', 'git.example:2222', 'refused', 'ssh: connect to host git.example port 2222: Connection refused', []);
    const f = layerFailure(tcp, { stage: 'proxy', facts });
    expect(f.cause).toBe('proxy.tcp.refused');
    expect(f.hint).toBe(hintFor('tcp.refused', facts));
  });

  it('a key ssh ignores for its mode is named in the hint', () => {
    const err = new GitSshError('git_publickey_denied', 'git.example:2222', 'm', 'x', { unprotectedKey: '/root/.ssh/id_ed25519' });
    expect(layerFailure(err, { stage: 'proxy', facts: { ...facts, unprotectedKey: '/root/.ssh/id_ed25519' } }).hint).toMatch(/ssh ignores \/root\/\.ssh\/id_ed25519.*defaultMode: 0400/);
  });
});

describe('causes in src are typed, never forced or rewritten', () => {
  it('no cast to a cause or failure type, no regex rewriting a cause', () => {
    const forced: string[] = [];
    for (const [path, text] of emitters()) {
      text.split('\n').forEach((line, i) => {
        if (FORCED.some((re) => re.test(line))) forced.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(forced).toEqual([]);
  });

  it('the scan finds what it looks for, and not a URL rewritten by regex', () => {
    const found = ['const c = x as Cause;', "return { ...f } as Failure;", "f.cause.replace(/^proxy\\./, 'sumdb.')", "code.replace(/x/, '')", "s.replace(/^(sumdb|proxy)\\./, '')", "c.replace(/^redirect\\./, '')"];
    expect(found.filter((l) => FORCED.some((re) => re.test(l)))).toEqual(found);
    const fine = ["path = url.href.replace(/^(http:\\/\\/)[^@/]*@/, '$1');", "const host = target.replace(/:\\d+$/, '');", 'const s: Cause = code;'];
    expect(fine.filter((l) => FORCED.some((re) => re.test(l)))).toEqual([]);
    // A message's prefix cut off by regex (what sumdb.ts once did with Client.Lookup's text).
    const cut = ["goError: goPrefix + err.message.replace(/^.*?: /, ''),", "f.detail.replace(/^[^:]*: /, '')"];
    expect(cut.filter((l) => MESSAGE_CUT.test(l))).toEqual(cut);
    expect(fine.filter((l) => MESSAGE_CUT.test(l))).toEqual([]);
  });

  it('no stage cuts a prefix off an error\'s text with a regex', () => {
    const cut: string[] = [];
    for (const [path, text] of emitters()) {
      if (!path.startsWith(join('src', 'stages'))) continue;
      text.split('\n').forEach((line, i) => {
        if (MESSAGE_CUT.test(line)) cut.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(cut).toEqual([]);
  });
});

describe('hints come from hints.ts', () => {
  /** Every file of src/stages: a stage passes facts, hints.ts writes the text. */
  function stageFiles(): [string, string][] {
    return [...emitters()].filter(([path]) => path.startsWith(join('src', 'stages')));
  }

  it('no file but hints.ts writes a hint as a literal (a stage, a finding\'s maker, a report)', () => {
    const written: string[] = [];
    for (const [path, text] of emitters()) {
      text.split('\n').forEach((line, i) => {
        if (HINT_LITERAL.some((re) => re.test(line))) written.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(written).toEqual([]);
  });

  it('the scan finds a literal hint, also in a condition, and not a builder given literal facts', () => {
    const found = ["hint: 'fix it' }", 'hint: `check ${host}`,', "hint: ok ? 'a' : hintFor(c),", "hint: ok ? hintFor(c) : 'b',", "      hint: 'give every url.<base>.insteadOf a value' }"];
    expect(found.filter((l) => HINT_LITERAL.some((re) => re.test(l)))).toEqual(found);
    const fine = ["hint: findingHints.familyFallback(name, v6 ? 'AAAA' : 'A'),", 'hint: f.hint,', "hint: loop ? hintFor('redirect.loop') : f.hint,", 'hint: configHints.regularFile(\'go.mod\')', 'readonly hint: string;'];
    expect(fine.filter((l) => HINT_LITERAL.some((re) => re.test(l)))).toEqual([]);
  });

  it('no stage imports hints.ts for anything but its builders (hintFor and the named ones)', () => {
    for (const [path, text] of stageFiles()) {
      for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'\.\.\/hints\.js'/g)) {
        for (const name of m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean)) {
          expect(name, path).toMatch(/^(?:hintFor|goWouldWaitFor|gitWouldWaitFor|HintFacts|[a-z]\w*Hints?)$/);
        }
      }
    }
  });
});

describe('module protocol failures: cause and hint from one table', () => {
  const URL_ = 'https://proxy.example:8443/example.com/m/@v/v1.0.0.info';
  const answer = (status: number, statusLine: string): GoResponse => ({ url: URL_, status, statusLine, headers: {}, body: Buffer.alloc(0), truncated: false, timeMs: 1, hops: [] });

  it('each status go treats as an error has its cause, and a hint naming the proxy (401/403 also .netrc and GOAUTH)', () => {
    const cases: [number, string, string, RegExp][] = [
      [404, '404 Not Found', 'proxy.not_found', /does not have this module or version/],
      [410, '410 Gone', 'proxy.gone', /does not have this module or version/],
      [401, '401 Unauthorized', 'proxy.auth_required', /\.netrc \(machine proxy\.example:8443\).*GOAUTH/],
      [403, '403 Forbidden', 'proxy.auth_required', /wants credentials/],
      [502, '502 Bad Gateway', 'proxy.server_error', /is failing \(502 Bad Gateway\)/],
      [418, "418 I'm a teapot", 'proxy.bad_status', /answered 418 I'm a teapot, which go treats as an error/],
    ];
    for (const [status, line, cause, hint] of cases) {
      const f = statusFailure(answer(status, line), URL_);
      expect(f.cause).toBe(cause);
      expect(f.hint).toMatch(hint);
      expect(f.hint).toContain('proxy.example:8443');
      expect(f.hint).toBe(hintFor(f.cause, { host: 'proxy.example:8443', status, statusLine: line }));
      expect(f.notExist).toBe(status === 404 || status === 410);
      // The answer went through the one conversion as a module protocol error, kept for a later stage.
      expect(f.layer?.layerError).toBeInstanceOf(ProtocolError);
      expect(f.layer?.layerError).toMatchObject({ layer: 'module', status });
    }
  });

  it('a walk that ends on an entry that may not fetch the module names the module, not a proxy\'s answer', () => {
    expect(hintFor('proxy.not_found', { modulePath: 'example.com/m' })).toBe('no GOPROXY entry may fetch example.com/m: check GOPROXY and GONOPROXY/GOPRIVATE');
    expect(hintFor('proxy.off', { modulePath: 'example.com/m' })).toMatch(/^GOPROXY reaches "off" for example\.com\/m/);
    expect(hintFor('proxy.disabled', { modulePath: 'example.com/m' })).toMatch(/^example\.com\/m matches GOPRIVATE\/GONOPROXY/);
  });

  it('an endless metadata body is an http.too_large of the proxy stage, through the one conversion', () => {
    const meta = hintFor('http.too_large', { host: 'proxy.example', moduleMetadata: true });
    expect(meta).toMatch(/far larger than any module metadata/);
    expect(hintFor('http.too_large', { host: 'proxy.example' })).not.toBe(meta);
  });
});

describe("go's web client refusing by itself: the rule is the cause", () => {
  it('a file:// GOPROXY entry that cannot be read (a directory where go reads a file): proxy.file_error, with its hint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gomodprobe-file-'));
    try {
      mkdirSync(join(dir, 'v1.0.0.info'));
      const err = await goGet({} as GoWeb, pathToFileURL(join(dir, 'v1.0.0.info')).href, { signal: AbortSignal.timeout(5000), maxBytes: 1024 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GoWebError);
      expect((err as GoWebError).failed).toBeInstanceOf(PolicyError);
      expect((err as GoWebError).failed.code).toBe('go.file_error');
      const f = webFailure(err as GoWebError, {} as Plan);
      expect(f).toMatchObject({ cause: 'proxy.file_error', notExist: false });
      expect(isCause(f.cause)).toBe(true);
      expect(f.hint).toBe(hintFor('proxy.file_error'));
      // go's refusal went through the one conversion, kept for a later stage.
      expect(f.layer?.layerError).toBe((err as GoWebError).failed);
      // A missing file is go's 404, which falls through: no error at all.
      const missing = await goGet({} as GoWeb, pathToFileURL(join(dir, 'nothing.info')).href, { signal: AbortSignal.timeout(5000), maxBytes: 1024 });
      expect(missing.status).toBe(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
