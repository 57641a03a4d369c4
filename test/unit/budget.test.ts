import { describe, expect, it } from 'vitest';
import { opBudgetMs, opSignal } from '../../src/budget.js';

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
});
