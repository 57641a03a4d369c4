// The real gos the lab runs as ground truth, found in one place: go 1.23 is the system's (Debian's
// golang-1.23-go from bookworm-backports), go 1.24 and go 1.27 are unpacked by scripts/install-gos.sh
// into GOMODPROBE_GOS_DIR (default /opt/gomodprobe-gos; .ci/run calls the script). Under CI=true a
// missing one fails the e2e prerequisites test; elsewhere the agreement test runs with the gos it finds
// and says which it left out.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './sh.js';

/** The go minor versions the agreement test runs every scenario with. */
/**
 * Turns go's telemetry off for go runs whose os.UserConfigDir() is userConfigDir ($XDG_CONFIG_HOME, else
 * $HOME/.config): GOTELEMETRY in the environment is only reported, the mode lives in
 * <userConfigDir>/go/telemetry/mode (cmd/vendor/golang.org/x/telemetry/internal/telemetry/dir.go). Left
 * on ("local" by default), go writes counter files there in the background, also after a killed go
 * exits, and removing the directory races with it (ENOTEMPTY).
 */
export function telemetryOff(userConfigDir: string): void {
  mkdirSync(join(userConfigDir, 'go', 'telemetry'), { recursive: true });
  writeFileSync(join(userConfigDir, 'go', 'telemetry', 'mode'), 'off\n');
}

export const LAB_GO_MINORS = [23, 24, 27] as const;
export type LabGoMinor = (typeof LAB_GO_MINORS)[number];

export interface LabGo {
  readonly minor: LabGoMinor;
  readonly bin: string;
  /** `go version`'s output, e.g. "go version go1.27.3 linux/amd64". */
  readonly version: string;
}

export const DEFAULT_GOS_DIR = '/opt/gomodprobe-gos';

export function gosDir(env: NodeJS.ProcessEnv): string {
  return env['GOMODPROBE_GOS_DIR'] || DEFAULT_GOS_DIR;
}

/** Where go 1.<minor> is looked for, in order. */
export function goCandidates(minor: LabGoMinor, env: NodeJS.ProcessEnv): string[] {
  if (minor === 23) return [env['GOMODPROBE_E2E_GO'], '/usr/lib/go-1.23/bin/go', join(gosDir(env), 'usr/lib/go-1.23/bin/go')].filter((p): p is string => !!p);
  return [join(gosDir(env), `usr/lib/go-1.${minor}/bin/go`)];
}

/** `go version` of a binary, run with nothing from this environment; undefined when it does not run. */
export async function goVersionOf(bin: string): Promise<string | undefined> {
  if (!existsSync(bin)) return undefined;
  const r = await run(bin, ['version'], { timeoutMs: 10_000, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', GOTOOLCHAIN: 'local', GOENV: 'off', GOTELEMETRY: 'off' } });
  return r.code === 0 && /^go version go1\.\d+/.test(r.stdout) ? r.stdout.trim() : undefined;
}

export interface LabGos {
  readonly found: readonly LabGo[];
  /** One line naming each missing go and how to get it; '' when all are there. */
  readonly missing: string;
}

export async function findLabGos(env: NodeJS.ProcessEnv): Promise<LabGos> {
  const found: LabGo[] = [];
  const missing: string[] = [];
  for (const minor of LAB_GO_MINORS) {
    let hit: LabGo | undefined;
    for (const bin of goCandidates(minor, env)) {
      const version = await goVersionOf(bin);
      if (version && version.startsWith(`go version go1.${minor}.`)) {
        hit = { minor, bin, version };
        break;
      }
    }
    if (hit) found.push(hit);
    else missing.push(`go 1.${minor} (looked at ${goCandidates(minor, env).join(', ')})`);
  }
  const how = 'install golang-1.23-go from bookworm-backports and run scripts/install-gos.sh (see .ci/run)';
  return { found, missing: missing.length === 0 ? '' : `missing ${missing.join('; ')}: ${how}` };
}
