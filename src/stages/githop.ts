// The git hop of a direct fetch: after go-import discovery go runs the real git on the repository URL
// (modfetch/codehost/git.go: `git init --bare` in $GOMODCACHE/cache/vcs/<sha256("git3:"+url)>, `git remote
// add origin -- <url>`, then `git ls-remote -q origin`; go 1.27 adds `--end-of-options`). git rewrites the
// URL (url.<base>.insteadOf) and picks a transport by the URL's form: https/http speaks smart HTTP
// (githttps.ts), ssh:// and scp-like `user@host:path` speak SSH (gitssh.ts). This file is the one
// dispatch point between them and the one place git's failure becomes go's error text.

import { createHash } from 'node:crypto';
import { readGitConfig, gitRewrite, type GitRewrite } from '../goenv/gitconfig.js';
import { diskInputFs, type InputFs } from '../inputfile.js';
import type { GitEnvironment } from '../state.js';
import type { Cause } from '../causes.js';
import { originHints } from '../hints.js';
import type { LayerFailure } from './failure.js';
import type { WorkContext } from './stage.js';
import type { Finding } from './outcome.js';

/** What a transport is asked: is this version of this module there, as `git ls-remote` would see it? */
export interface GitHopRequest {
  /** The URL git dials: the repository URL after insteadOf. */
  readonly url: string;
  /** The URL go hands git (the go-import repo root, or https://<root> for a known host). */
  readonly goURL: string;
  readonly rewrite?: GitRewrite['rule'];
  readonly modulePath: string;
  /** The import path of the repository's root (the go-import prefix): the module's tag prefix is what lies past it. */
  readonly repoRoot: string;
  /** The go-import tag's fourth field (go 1.25+): the module's directory in the repository. */
  readonly subdir?: string;
  /** A version, or "latest". */
  readonly version: string;
  /** The git side of the pod: its configuration, environment and files. */
  readonly git: GitEnvironment;
  /** The stage's signal: the run's deadline. */
  readonly signal: AbortSignal;
}

/** A transport's failure: the cause, and git's own stderr (the "fatal: ..." lines go wraps). */
export interface GitHopFailure {
  readonly cause: Cause;
  readonly target: string;
  readonly detail: string;
  /** What git prints on stderr, as go shows it (its lines, without go's tab indentation). */
  readonly gitStderr: string;
  readonly hint: string;
  /**
   * Set when git itself succeeds and go fails afterwards (a tag that is not there): go's text
   * replaces the wrapped git error.
   */
  readonly goError?: string;
  /** How long go (its git) would wait here, when the probe gave up sooner. */
  readonly goWouldWait?: string;
}

/**
 * A layer failure as the git hop reports it (githop.ts's GitHopFailure): git's stderr in place of go's text,
 * git's words for what it met. go's wait is git's, not the layer's (hints.ts gitWouldWaitFor): a layer's
 * goWouldWait is not carried over.
 */
export function gitHopFailure(f: LayerFailure, git: { readonly detail?: string; readonly gitStderr?: string; readonly hint?: string; readonly goWouldWait?: string } = {}): GitHopFailure {
  return {
    cause: f.cause,
    target: f.target,
    detail: git.detail ?? f.detail,
    gitStderr: git.gitStderr ?? f.goError,
    hint: git.hint ?? f.hint,
    ...(git.goWouldWait ? { goWouldWait: git.goWouldWait } : {}),
  };
}

export type GitHopResult =
  | { readonly ok: true; readonly version: string; readonly evidence: Record<string, unknown>; readonly findings: readonly Finding[] }
  | { readonly ok: false; readonly failure: GitHopFailure; readonly evidence: Record<string, unknown>; readonly findings: readonly Finding[] };

/** One git transport: smart HTTP (githttps.ts) or SSH (gitssh.ts). */
export interface GitTransport {
  readonly name: 'https' | 'ssh';
  check(ctx: WorkContext, req: GitHopRequest): Promise<GitHopResult>;
}

/** The git-side view of the pod, read once per run. */
/** git's configuration and environment for this run (read once, on the first direct git fetch: RunState.gitEnvironment). */
export function gitEnvironment(ctx: WorkContext, fs: InputFs = diskInputFs): Promise<GitEnvironment> {
  return ctx.state.gitEnvironment.get('git', ctx.waits, () => {
    const processEnv = ctx.options.env;
    return readGitConfig(processEnv, fs).then((config) => ({ config, env: processEnv, fs }));
  });
}

/**
 * Which transport git uses for a URL (transport.c transport_get, url_is_local_not_ssh, connect.c
 * parse_connect_url): "<scheme>://" picks by scheme (http/https: remote-curl; ssh, git+ssh, ssh+git:
 * SSH); without "://", a colon before the first slash makes it scp-like SSH ("git@host:path"); anything
 * else is a local path or a transport the probe does not speak.
 */
export function transportKind(url: string): 'https' | 'ssh' | 'other' {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'https' || scheme === 'http') return 'https';
  if (scheme === 'ssh' || scheme === 'git+ssh' || scheme === 'ssh+git') return 'ssh';
  if (scheme !== undefined) return 'other';
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  return colon > 0 && (slash < 0 || colon < slash) ? 'ssh' : 'other';
}

const transports = new Map<'https' | 'ssh', GitTransport>();

/** Where a transport plugs in (githttps.ts and gitssh.ts register themselves; direct.ts imports both). */
export function registerGitTransport(t: GitTransport): void {
  transports.set(t.name, t);
}

/**
 * The dispatch point: rewrite the URL as git does, then hand it to the transport for its form. A form
 * no transport speaks (or one not registered) is "not checked": a finding, never a claimed pass.
 */
export async function checkGitHop(ctx: WorkContext, base: Omit<GitHopRequest, 'url' | 'rewrite' | 'git'>): Promise<GitHopResult> {
  const git = await gitEnvironment(ctx);
  const findings: Finding[] = [];
  if (git.config.error) {
    // Every git command dies reading this configuration: ls-remote exits 128 with git's text.
    return { ok: false, failure: { cause: 'proxy.direct_failed', target: git.config.files.at(-1) ?? 'git config', detail: `git cannot read its configuration: ${git.config.error}`,
      gitStderr: git.config.error, hint: originHints.gitConfigUnreadable() }, evidence: { gitConfig: git.config.files }, findings };
  }
  for (const note of git.config.notes) findings.push({ code: 'proxy.git_config_not_evaluated', severity: 'info', target: base.modulePath, message: note });
  const rewrite = gitRewrite(git.config.entries, base.goURL);
  if (rewrite.error) {
    return { ok: false, failure: { cause: 'proxy.direct_failed', target: base.goURL, detail: `git cannot read its url.*.insteadOf settings: ${rewrite.error}`, gitStderr: rewrite.error,
      hint: originHints.insteadOfEmpty() }, evidence: {}, findings };
  }
  const req: GitHopRequest = { ...base, url: rewrite.url, git, ...(rewrite.rule ? { rewrite: rewrite.rule } : {}) };
  const kind = transportKind(rewrite.url);
  const transport = kind === 'other' ? undefined : transports.get(kind);
  const evidence = { url: redactGitURL(rewrite.url), ...(rewrite.rule ? { insteadOf: { base: redactGitURL(rewrite.rule.base), insteadOf: redactGitURL(rewrite.rule.insteadOf), origin: rewrite.rule.origin } } : {}), transport: kind };
  if (!transport) {
    findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: base.modulePath,
      message: `git would fetch ${base.modulePath} from ${redactGitURL(rewrite.url)} (${kind === 'other' ? 'a transport the probe does not speak' : `the ${kind} transport, not checked by this build`}): not checked` });
    return { ok: true, version: base.version, evidence, findings };
  }
  const result = await transport.check(ctx, req);
  return { ...result, evidence: { ...evidence, ...result.evidence }, findings: [...findings, ...result.findings] };
}

/** The URL without a password (git's transport_anonymize_url drops the whole user info). */
export function redactGitURL(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1');
}

/**
 * go's error for a failed `git ls-remote` (codehost.RunError.Error): the command, "in" the work
 * directory, the exit status, then git's stderr indented by a tab; go adds its help text after "could
 * not read Username". The directory is $GOMODCACHE/cache/vcs/<sha256 of "git3:" + the URL go has>.
 */
export function goGitError(ctx: WorkContext, goURL: string, gitStderr: string, version: string): string {
  const minor = ctx.plan.go.version.minor;
  const gomodcache = ctx.plan.goEnv.vars.GOMODCACHE.value;
  const dir = `${gomodcache}/cache/vcs/${createHash('sha256').update(`git3:${goURL}`).digest('hex')}`;
  // git.go loadRefs. Measured in the lab: go 1.23.5 and 1.24.4 run `git ls-remote -q origin`, go 1.27.3
  // `git ls-remote -q --end-of-options <url>` (go 1.25/1.26 not measured: modelled as 1.24).
  const cmd = minor >= 27 ? `git ls-remote -q --end-of-options ${goURL}` : 'git ls-remote -q origin';
  const stderr = gitStderr.replace(/\n+$/, '').replace(/\n/g, '\n\t');
  const faq = minor >= 27 ? 'https://go.dev/doc/faq#git_https' : 'https://golang.org/doc/faq#git_https';
  const help = gitStderr.includes('fatal: could not read Username')
    ? `\nConfirm the import path was entered correctly.\nIf this is a private repository, see ${faq} for additional information.`
    : '';
  // A version query's failure is go's InvalidVersionError (modfetch/coderepo.go): "invalid version: <err>".
  return `${version === 'latest' ? '' : 'invalid version: '}${cmd} in ${dir}: exit status 128:\n\t${stderr}${help}`;
}
