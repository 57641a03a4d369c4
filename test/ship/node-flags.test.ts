// The image's ENTRYPOINT gives node the flags that trade V8's throughput for memory (README "Memory"):
// set on the command line, where Node documents V8 options, not from inside the running process. Each
// must be accepted by the Node the image ships (24) and by the one the stand-in image and this machine
// run (20): node refuses an unknown flag ("bad option") and V8 warns when one conflicts with another,
// so a flag that a later Node drops or renames fails here instead of in every build pod.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { imageNodeBin, imageNodeMajor } from './image-node.js';
import { readImagePlan } from './image-plan.js';

const plan = readImagePlan();
const ci = process.env['CI'] === 'true' || process.env['CI'] === '1';
const imageNode = imageNodeBin();
if (!imageNode && !ci) console.warn(`[ship] node flags: the image's Node ${imageNodeMajor()} is not installed (scripts/install-image-node.sh): checked with this machine's Node only`);

function runNode(node: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(node, args, { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the image ENTRYPOINT node flags', () => {
  it('are flags, given before the bundle', () => {
    expect(plan.nodeFlags.length).toBeGreaterThan(0);
    for (const flag of plan.nodeFlags) expect(flag).toMatch(/^--[a-z][a-z0-9-]*(=\S+)?$/);
  });

  it.skipIf(!ci && !imageNode)(`has the image's Node (${imageNodeMajor()}) to check them with under CI`, () => {
    expect(imageNode, 'CI=true but scripts/install-image-node.sh did not run').toBeDefined();
    expect(runNode(imageNode!, ['-p', 'process.versions.node.split(".")[0]']).stdout.trim()).toBe(String(imageNodeMajor()));
  });

  const nodes = [
    { name: `this machine's Node ${process.versions.node}`, bin: process.execPath },
    ...(imageNode ? [{ name: `the image's Node ${imageNodeMajor()}`, bin: imageNode }] : []),
  ];
  for (const { name, bin } of nodes) {
    it(`are each accepted, silently, by ${name}`, () => {
      for (const flag of plan.nodeFlags) {
        const r = runNode(bin, [flag, '-e', '0']);
        expect({ flag, code: r.code, stderr: r.stderr }).toEqual({ flag, code: 0, stderr: '' });
      }
      // All together, as the ENTRYPOINT gives them: no conflict warning either.
      const all = runNode(bin, [...plan.nodeFlags, '-e', '0']);
      expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: '' });
    });

    it(`would be refused by ${name} if one were unknown (the check can fail)`, () => {
      const r = runNode(bin, ['--gomodprobe-no-such-v8-flag', '-e', '0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/bad option/);
    });
  }
});
