// The Node the runtime image ships, for tests and the bench on a machine whose own Node is older:
// scripts/install-image-node.sh unpacks the Dockerfile's Node major into GOMODPROBE_IMAGE_NODE_DIR
// (default /opt/gomodprobe-node; .ci/run calls the script).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './image-plan.js';

export const DEFAULT_IMAGE_NODE_DIR = '/opt/gomodprobe-node';

/** The Node major of the Dockerfile's ARG RUNTIME_IMAGE (distroless nodejsNN). */
export function imageNodeMajor(repoDir = REPO_DIR): number {
  const m = /^ARG RUNTIME_IMAGE=.*\/nodejs(\d+)-/m.exec(readFileSync(join(repoDir, 'Dockerfile'), 'utf8'));
  if (!m) throw new Error('the Dockerfile has no ARG RUNTIME_IMAGE=…/nodejsNN-…');
  return Number(m[1]);
}

/** Path of the image's Node on this machine, or undefined when the install script has not run. */
export function imageNodeBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const bin = join(env['GOMODPROBE_IMAGE_NODE_DIR'] || DEFAULT_IMAGE_NODE_DIR, 'bin', 'node');
  return existsSync(bin) ? bin : undefined;
}
