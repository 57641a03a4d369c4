// Errors carry a stable `code`; callers switch on the code, never on the message.

export class ProbeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
    this.code = code;
  }
}

/**
 * Bad input from the user: a flag, a GOMODPROBE_* variable or an input file. The probe cannot
 * run as asked, so it exits 2 with one line naming `source` and what is wrong.
 */
export class InputError extends ProbeError {
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('config.bad_flag', `${source}: ${message}`, options);
    this.name = 'InputError';
    this.source = source;
  }
}

/** A parse error from one of the probe's own parsers (resolv.conf, hosts, go.mod, notes, ...). */
export class ParseError extends ProbeError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ParseError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Node's system error code (ECONNREFUSED, ETIMEDOUT, ...) when there is one. */
export function sysCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
