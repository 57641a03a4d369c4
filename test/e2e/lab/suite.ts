// How an e2e file starts: check the machine once, then either run, skip with one visible line, or (under
// CI=true) fail, because CI installs everything the lab needs.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPrerequisites, type Prerequisites } from './prereq.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

export interface SuiteGate {
  readonly pre: Prerequisites;
  /** Run the suite. */
  readonly run: boolean;
  /** CI=true: the prerequisites test runs (and fails loudly when a piece is missing). */
  readonly ci: boolean;
}

export async function gate(name: string, env: NodeJS.ProcessEnv): Promise<SuiteGate> {
  const pre = await checkPrerequisites(env, REPO_ROOT);
  const ci = env['CI'] === 'true' || env['CI'] === '1';
  if (!pre.ok && !ci) console.warn(`[e2e] ${name} SKIPPED: ${pre.reason}`);
  return { pre, run: pre.ok, ci };
}
