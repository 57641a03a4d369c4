// Placeholder: the typed, frozen Options (argv + env parsed once). Filled in by the core pipeline work.
export interface Options {
  readonly timeoutMs: number;
  readonly deadlineMs: number;
}
