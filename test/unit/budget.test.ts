import { describe, expect, it } from 'vitest';
import { opBudgetMs, opScope, opSignal } from '../../src/budget.js';

describe('per-operation budgets (src/budget.ts)', () => {
  it('are --timeout for a layer, twice it for a request, three times it for a new connection', () => {
    expect(opBudgetMs(1000, 'layer')).toBe(1000);
    expect(opBudgetMs(1000, 'request')).toBe(2000);
    expect(opBudgetMs(1000, 'connect')).toBe(3000);
  });

  it('give a signal that aborts with a timeout when the budget runs out', async () => {
    const signal = opSignal(undefined, 20, 'request');
    expect(signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 15));
    expect(signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('give a signal that aborts with its parent', () => {
    const parent = new AbortController();
    const signal = opSignal(parent.signal, 60_000, 'layer');
    parent.abort(new Error('deadline'));
    expect(signal.aborted).toBe(true);
  });

  it('carry the parent\'s reason, also when the parent had aborted before', () => {
    const parent = new AbortController();
    const before = opSignal(parent.signal, 60_000, 'layer');
    const reason = new Error('deadline');
    parent.abort(reason);
    expect(before.reason).toBe(reason);
    const after = opSignal(parent.signal, 60_000, 'layer');
    expect(after.aborted).toBe(true);
    expect(after.reason).toBe(reason);
  });

  it('give thousands of signals under one parent without a listener per signal, each aborting once', async () => {
    const parent = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const signals = Array.from({ length: 3000 }, (_, i) => opSignal(parent.signal, i % 2 === 0 ? 5 : 60_000, 'layer'));
      await new Promise((r) => setTimeout(r, 50));
      // The short ones timed out on their own and no longer follow the parent.
      expect(signals.filter((s) => s.aborted)).toHaveLength(1500);
      const aborts = signals.map(() => 0);
      signals.forEach((s, i) => s.addEventListener('abort', () => aborts[i]!++));
      parent.abort(new Error('deadline'));
      expect(signals.every((s) => s.aborted)).toBe(true);
      expect(aborts.filter((n, i) => i % 2 === 1 && n === 1)).toHaveLength(1500);
      expect(aborts.filter((n, i) => i % 2 === 0 && n !== 0)).toHaveLength(0);
      expect((signals[0]!.reason as DOMException).name).toBe('TimeoutError');
      expect((signals[1]!.reason as Error).message).toBe('deadline');
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('give a scope whose release stops the timer and lets go of the parent: a finished operation never aborts', async () => {
    const parent = new AbortController();
    const released = opScope(parent.signal, 10, 'layer');
    const kept = opScope(parent.signal, 60_000, 'layer');
    let aborts = 0;
    released.signal.addEventListener('abort', () => aborts++);
    released.dispose();
    await new Promise((r) => setTimeout(r, 40));
    expect(released.signal.aborted).toBe(false);
    parent.abort(new Error('deadline'));
    expect(released.signal.aborted).toBe(false);
    expect(aborts).toBe(0);
    // The one not released still follows its parent.
    expect(kept.signal.aborted).toBe(true);
    expect((kept.signal.reason as Error).message).toBe('deadline');
    // Released after it aborted: nothing changes.
    kept.dispose();
    expect(kept.signal.aborted).toBe(true);
  });

  it('give a scope that times out like opSignal when it is not released', async () => {
    const scope = opScope(undefined, 10, 'layer');
    await new Promise((r) => setTimeout(r, 40));
    expect(scope.signal.aborted).toBe(true);
    expect((scope.signal.reason as DOMException).name).toBe('TimeoutError');
  });
});
