// Deadlines as AbortSignals that always fire. Every timeout of the run is made here, never with
// AbortSignal.timeout() inside AbortSignal.any(): on Node 20 a composite signal holds its sources
// weakly and a timeout signal is held only weakly by its own timer, so a garbage collection between
// creating AbortSignal.any([parent, AbortSignal.timeout(ms)]) and its expiry collects the timeout,
// and the composite never aborts. That was the "deadline is not hard" race (issue #12): in about one
// run in ten, a GC during the dns stage lost both the --timeout and the --deadline signal, and the
// lookup ran on resolv.conf's own timers (timeout:5 attempts:2 = 10 s). Here the timer's closure holds
// the controller, so the signal lives exactly as long as it can still fire.

/** The reason a timed-out signal carries, as AbortSignal.timeout() gives it. */
function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/**
 * The signals made by timeoutSignal that still follow each parent, aborted together when it aborts: one
 * listener per parent. AbortSignal.any([parent, own]) registered a weak reference per operation with the
 * parent and made a composite signal: at 500 modules (~3,000 operations under the run's signal) that was
 * ~4% of the run's CPU, with the garbage collector's weak-reference work on top. Here the parent holds
 * each follower strongly until the follower's own timer fires or the operation's signal aborts, the way
 * the timer's closure holds it (issue #12: a signal must live as long as it can still fire).
 */
const followers = new WeakMap<AbortSignal, Map<AbortController, () => void>>();

/** `ctl` follows `parent`: when the parent aborts, `stop` runs (the follower's timer goes), then ctl aborts. */
function follow(parent: AbortSignal, ctl: AbortController, stop: () => void): () => void {
  let map = followers.get(parent);
  if (!map) {
    const own = new Map<AbortController, () => void>();
    map = own;
    followers.set(parent, own);
    parent.addEventListener('abort', () => {
      followers.delete(parent);
      for (const [c, stopOne] of own) {
        stopOne();
        c.abort(parent.reason);
      }
      own.clear();
    }, { once: true });
  }
  const mine = map;
  mine.set(ctl, stop);
  return () => mine.delete(ctl);
}

/** An operation's deadline signal and its release, for an operation that knows when it is over. */
export interface TimeoutScope {
  readonly signal: AbortSignal;
  /**
   * The operation is over: its timer is cleared and its parent lets go of it, so neither keeps the signal
   * (and what hangs on it) alive for the rest of the budget. The signal never aborts after this.
   */
  dispose(): void;
}

/**
 * A signal that aborts after `ms`, or when `parent` aborts (with the parent's reason, as
 * AbortSignal.any). The timer does not keep the process alive (as AbortSignal.timeout's does not): the
 * operation it bounds does that.
 */
export function timeoutSignal(parent: AbortSignal | undefined, ms: number): AbortSignal {
  return timeoutScope(parent, ms).signal;
}

/**
 * timeoutSignal with a release. An operation that ends well before its budget (an HTTP request answered in
 * one round trip, against a budget of twice --timeout) releases it: otherwise its timer and the parent's
 * hold on it kept every finished request's signal for the whole budget (a 500-module run ends before the
 * first of its ~2,500 request budgets runs out, so every one of them stayed to the end).
 */
export function timeoutScope(parent: AbortSignal | undefined, ms: number): TimeoutScope {
  const ctl = new AbortController();
  if (parent?.aborted) {
    ctl.abort(parent.reason);
    return { signal: ctl.signal, dispose: () => undefined };
  }
  // Only the timer and the parent abort ctl, and each lets go of the other first: no listener of our own
  // on the signal (one addEventListener per operation was a third of this function's cost).
  let unfollow: (() => void) | undefined;
  const timer = setTimeout(() => {
    unfollow?.();
    ctl.abort(timeoutReason());
  }, Math.max(0, ms));
  timer.unref();
  unfollow = parent ? follow(parent, ctl, () => clearTimeout(timer)) : undefined;
  return {
    signal: ctl.signal,
    dispose: () => {
      clearTimeout(timer);
      unfollow?.();
    },
  };
}

export interface RunDeadline {
  /** Aborts when the deadline passes or `interrupt` aborts. */
  readonly signal: AbortSignal;
  /** Stops the timer once the run is over. */
  dispose(): void;
}

/**
 * The run's deadline. Unlike timeoutSignal, its timer keeps the process alive: a run whose pending
 * work holds no handle (a promise nobody will settle) must still end at the deadline, not exit 0
 * early with nothing reported.
 */
export function runDeadline(ms: number, interrupt: AbortSignal): RunDeadline {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(timeoutReason()), Math.max(0, ms));
  const onInterrupt = (): void => ctl.abort(interrupt.reason);
  if (interrupt.aborted) onInterrupt();
  else interrupt.addEventListener('abort', onInterrupt, { once: true });
  return {
    signal: ctl.signal,
    dispose() {
      clearTimeout(timer);
      interrupt.removeEventListener('abort', onInterrupt);
    },
  };
}

/**
 * Resolves `graceMs` after `signal` aborts: the point where the run stops waiting for work that
 * ignored its signal (a bug, or a library that does not honour it). Never rejects; `cancel` drops it.
 */
export function afterAbort(signal: AbortSignal, graceMs: number): { readonly expired: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<void>((resolve) => {
    onAbort = () => {
      timer = setTimeout(resolve, graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return {
    expired,
    cancel() {
      if (timer) clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    },
  };
}
