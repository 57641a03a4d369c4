// The ssh transport of the git hop: what `git ls-remote` does for an ssh:// or scp-like repository URL,
// usually reached through url.<base>.insteadOf (src/net/gitssh.ts speaks the protocol). Then the tag go
// looks for, judged as over https. go runs git with GIT_TERMINAL_PROMPT=0 and, up to go 1.24,
// GIT_SSH_COMMAND="ssh -o ControlMaster=no -o BatchMode=yes" (modload/init.go); a GIT_SSH or
// GIT_SSH_COMMAND of the pod's own replaces ssh, which the probe then does not model (a finding).

import { userInfo } from 'node:os';
import { originHints, type HintFacts } from '../hints.js';
import { DnsError, LayerError, TcpError } from '../net/errors.js';
import { GitSshError, lsRemoteSsh, parseGitSshUrl, type GitSshFailure, type GitSshResult } from '../net/gitssh.js';
import { layerFailure } from './failure.js';
import { joinHostPort } from '../net/netip.js';
import { GitProtocolError } from '../net/gitsmart.js';
import { gitHopFailure, redactGitURL, registerGitTransport, type GitHopRequest, type GitHopResult, type GitTransport } from './githop.js';
import { judgeRefs } from './githttps.js';
import type { WorkContext } from './stage.js';
import type { Finding } from './outcome.js';

/**
 * Where ssh finds ~/.ssh, and its default remote user. ssh takes both from the passwd entry of its uid
 * (ssh.c: getpwuid(getuid()); ~ is pw_dir, never $HOME), in the build's image. The probe runs in its own
 * container and cannot see that entry: it takes the pod's HOME, which is the passwd home whenever HOME is
 * not overridden (root: /root). The README says to mount ~/.ssh there.
 */
function sshUser(env: Readonly<Record<string, string | undefined>>): { readonly name: string; readonly home: string } {
  let fallback: { username: string; homedir: string } | undefined;
  try {
    fallback = userInfo();
  } catch {
    // No passwd entry for the probe's own uid: only the pod's variables count.
  }
  return { name: env['USER'] || env['LOGNAME'] || fallback?.username || 'root', home: env['HOME'] || fallback?.homedir || '/' };
}

export const gitSshTransport: GitTransport = {
  name: 'ssh',
  async check(ctx: WorkContext, req: GitHopRequest): Promise<GitHopResult> {
    const findings: Finding[] = [];
    const shown = redactGitURL(req.url);
    const repo = parseGitSshUrl(req.url);
    const env = req.git.env;
    if (!repo) {
      findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: req.modulePath, message: `git would fetch ${req.modulePath} over ssh from ${shown}, a URL the probe cannot read: not checked` });
      return { ok: true, version: req.version, evidence: {}, findings };
    }
    const own = env['GIT_SSH_COMMAND'] ? 'GIT_SSH_COMMAND' : env['GIT_SSH'] ? 'GIT_SSH' : undefined;
    if (own) {
      findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: req.modulePath,
        message: `${own} is set: git runs that command instead of ssh for ${shown}; the probe checks the ssh hop as plain ssh would do it` });
    }
    const user = sshUser(env);
    // go ≤1.24 sets BatchMode=yes unless the pod sets GIT_SSH/GIT_SSH_COMMAND itself.
    const batchMode = ctx.plan.go.version.minor <= 24 && !own;
    let result: GitSshResult;
    try {
      result = await lsRemoteSsh({
        resolver: ctx.net.resolver, timeoutMs: ctx.net.timeoutMs, fs: req.git.fs, home: user.home, localUser: user.name, batchMode,
        ...(env['SSH_AUTH_SOCK'] ? { authSock: env['SSH_AUTH_SOCK'] } : {}),
      }, repo, ctx.budget('connect', req.signal));
    } catch (err) {
      if (err instanceof GitSshError || err instanceof DnsError || err instanceof TcpError) {
        recordConnection(ctx, req.modulePath, err.target, err);
        if (err.code === 'git_not_checked') {
          findings.push({ code: 'proxy.git_not_checked', severity: 'info', target: req.modulePath, message: `${err.message}: not checked` });
          return { ok: true, version: req.version, evidence: err.evidence, findings };
        }
        // The one conversion names the cause (proxy.git_publickey_denied, proxy.tcp.refused) and the hint;
        // go's wait is git's, not the layer's (githop.ts), and git's stderr is the error's text.
        const f = layerFailure(err, { stage: 'proxy', facts: sshFacts(ctx, err.target, req, shown, err instanceof GitSshError ? err.unprotectedKey : undefined) });
        return { ok: false, evidence: err.evidence, findings, failure: gitHopFailure(f, { detail: `git's ssh connection for ${shown}: ${err.message}` }) };
      }
      if (err instanceof GitProtocolError) {
        return { ok: false, evidence: {}, findings, failure: {
          cause: 'proxy.git_protocol', target: shown, detail: `git-upload-pack's answer over ssh: ${err.message}`,
          gitStderr: `fatal: ${err.gitMessage}`, hint: originHints.sshNotGit(),
        } };
      }
      throw err;
    }
    recordConnection(ctx, req.modulePath, result.target, result);
    for (const note of result.notes) findings.push({ code: 'proxy.git_config_not_evaluated', severity: 'info', target: req.modulePath, message: note });
    const evidence: Record<string, unknown> = {
      ssh: {
        target: result.target, user: result.user, hostKey: result.hostKey, keys: result.keys, serverVersion: result.serverVersion,
        configFiles: result.config.files, batchMode, refs: result.refs.length,
      },
    };
    return judgeRefs(req, result.refs, shown, evidence, findings);
  },
};

/**
 * The connection in the run's record of opened origins (report.json egress[] lists the ssh host, with
 * whether it was reached), as the https transport's HTTP client records its own.
 */
function recordConnection(ctx: WorkContext, modulePath: string, target: string, r: GitSshResult | GitSshFailure): void {
  const origin = `ssh://${target}`;
  const why = { kind: 'git', module: modulePath, text: `git repository host of ${modulePath} (go runs git ls-remote over ssh)` };
  if (r instanceof LayerError) {
    const attempts = r instanceof TcpError || r instanceof GitSshError ? [...r.attempts] : [];
    const layer = r.layer;
    // Past dns and tcp the host was reached: the failure is ssh's, not the network's.
    if (layer === 'ssh') {
      ctx.net.http.opened.push({ origin, why, ok: true, via: 'direct', addresses: attempts.map((a) => a.address), dial: { attempts, goConnectMs: 0 } });
      return;
    }
    ctx.net.http.opened.push({ origin, why, ok: false, via: 'direct', dial: { attempts, goConnectMs: 0 }, error: { layer, cause: r.code, detail: r.message } });
    return;
  }
  const chosen = r.attempts.find((a) => a.chosen);
  ctx.net.http.opened.push({ origin, why, ok: true, via: 'direct', addresses: [...new Set(r.attempts.map((a) => a.address))], ...(chosen ? { connectedTo: joinHostPort(chosen.address, chosen.port) } : {}), dial: { attempts: r.attempts, goConnectMs: 0 } });
}

/** What the hints of the ssh hop need: the host, how insteadOf sent go's URL there, the key ssh ignored. */
function sshFacts(ctx: WorkContext, target: string, req: GitHopRequest, shown: string, unprotectedKey: string | undefined): HintFacts {
  const host = target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const rewrite = req.rewrite ? ` (url.${redactGitURL(req.rewrite.base)}.insteadOf ${redactGitURL(req.rewrite.insteadOf)} in ${req.rewrite.origin} sends ${redactGitURL(req.goURL)} there)` : '';
  return {
    host, port: Number(/:(\d+)$/.exec(target)?.[1] ?? 22), dialed: target, nameservers: ctx.plan.dns.conf.servers,
    variable: `the repository URL ${shown}${rewrite}`, sshRepo: shown, rewrite,
    ...(unprotectedKey !== undefined ? { unprotectedKey } : {}),
  };
}

registerGitTransport(gitSshTransport);
