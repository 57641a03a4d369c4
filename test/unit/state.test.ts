import { describe, expect, it } from 'vitest';
import { SharedWork, WaitClock } from '../../src/state.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('shared work of a run (src/state.ts)', () => {
  it('starts the work once; whoever asks later gets the same result', async () => {
    const shared = new SharedWork<number>();
    let starts = 0;
    const start = async (): Promise<number> => ++starts;
    const a = new WaitClock();
    const b = new WaitClock();
    expect(await shared.get('k', a, start)).toBe(1);
    expect(await shared.get('k', b, start)).toBe(1);
    expect(await shared.get('other', b, start)).toBe(2);
    expect(starts).toBe(2);
  });

  it('counts the time another worker waits for it as that worker\'s wait, never the starter\'s', async () => {
    const shared = new SharedWork<string>();
    const prefetch = new WaitClock();
    const stage = new WaitClock();
    void shared.get('zip', prefetch, async () => {
      await sleep(120);
      return 'zip';
    });
    expect(await shared.get('zip', stage, () => Promise.resolve('started twice'))).toBe('zip');
    expect(stage.waitedMs).toBeGreaterThanOrEqual(100);
    expect(prefetch.waitedMs).toBe(0);
    // Asked again by the worker that started it: no wait.
    const before = stage.waitedMs;
    await shared.get('own', stage, () => sleep(30).then(() => 'own'));
    await shared.get('own', stage, () => Promise.resolve('again'));
    expect(stage.waitedMs).toBe(before);
  });

  it('counts overlapping waits once', async () => {
    const clock = new WaitClock();
    const t0 = performance.now();
    await Promise.all([clock.wait(sleep(80)), clock.wait(sleep(80)), clock.wait(sleep(80))]);
    const wall = performance.now() - t0;
    expect(clock.waitedMs).toBeGreaterThanOrEqual(70);
    expect(clock.waitedMs).toBeLessThanOrEqual(wall + 1);
  });

  it('passes a rejection through to the waiter and stops the clock', async () => {
    const clock = new WaitClock();
    await expect(clock.wait(sleep(20).then(() => Promise.reject(new Error('refused'))))).rejects.toThrow('refused');
    const waited = clock.waitedMs;
    await sleep(30);
    expect(clock.waitedMs).toBe(waited);
  });
});
