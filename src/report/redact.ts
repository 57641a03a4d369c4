// Declared redaction: every output (log lines, report.json, metrics.prom, JUnit, termination
// message, the human view) goes through the same rules, defined once here.
//  1. Structured: pino `redact` paths for log objects, sensitive keys for report objects.
//  2. Known values: the scrubber replaces every secret the caller knows (proxy passwords,
//     .netrc passwords, tokens) in all the forms it can take on the wire.
//  3. Shapes: URL userinfo passwords (as Go's url.URL.Redacted does) and Authorization values.

import { goUserinfoEscape } from '../goenv/gourl.js';

export const REDACTED = '[REDACTED]';

/** Shortest secret value the scrubber replaces: shorter ones would shred ordinary text. */
export const MIN_SECRET_LENGTH = 3;

/** pino `redact` paths: credentials that log objects may carry under a known key. */
export const LOG_REDACT_PATHS: readonly string[] = [
  'authorization',
  'proxyAuthorization',
  'password',
  'netrc',
  'token',
  'cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'proxy.password',
  '*.authorization',
  '*.proxyAuthorization',
  '*.password',
  '*.netrc',
  '*.token',
  '*.headers.authorization',
  '*.headers["proxy-authorization"]',
  '*.headers.cookie',
  '*.proxy.password',
];

// Keys whose values are secret wherever they appear in report objects (compared lower-cased,
// without '-' and '_'). Deliberately exact names: `pass` would hit stage status counts.
const SENSITIVE_KEYS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'accesstoken',
  'authtoken',
  'apikey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'netrc',
  'credentials',
  'privatekey',
]);

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

// scheme://user:password@ — the password runs to the last '@' of the authority, as in Go's
// url.Parse (strings.LastIndex(authority, "@")). Quotes, backslashes and angle brackets end it
// too, so that a URL inside a JSON string or XML attribute never swallows the surrounding syntax.
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@:"'<>\\`]*):([^\s/?#"'<>\\`]*)@/g;
// "authorization": "value" as JSON (or single-quoted) key and string value.
const QUOTED_AUTH_HEADER = /(["'])((?:proxy-)?authorization)\1(\s*:\s*)(["'])(?:(?!\4)[^\\]|\\.)*\4/gi;
// Authorization: value as an HTTP header line or key=value; the value ends at a quote, a
// backslash (an escaped newline inside a JSON string) or the end of the line.
const PLAIN_AUTH_HEADER = /\b((?:proxy-)?authorization)([ \t]*[:=][ \t]*)(?![ \t]|\[REDACTED\])[^\s"'\\,;{}[\]][^"'\\\r\n]*/gi;
// Basic/Bearer credentials (token68). Tokens shorter than 8 or made of lower-case letters only
// are prose ("Basic authentication", "Bearer realm"), not credentials.
const AUTH_SCHEME_TOKEN = /\b(?:Basic|Bearer)[ \t]+([A-Za-z0-9._~+/-]{8,}=*)(?![A-Za-z0-9._~+/=-])/gi;

// A query parameter named like a credential (X-Amz-Signature, X-Amz-Security-Token, X-Goog-Credential,
// sig, access_token, api_key, ...): the value of a presigned or tokenised URL a redirect hands over. The
// name stays (it tells what the URL was); the value ends where a URL or the text around it ends. Expiry
// and date parameters are kept: they explain an expired link.
const SECRET_QUERY_PARAM = /([?&](?:[A-Za-z0-9_.~-]*[-_.])?(?:signature|sig|token|credential|credentials|password|passwd|pwd|secret|apikey|key|auth|authorization|session|policy|code)=)[^&#\s"'<>\\`]+/gi;

/**
 * Not goenv's redactURL: that one parses a single URL as go does, to print go's own text; this one
 * scans any output text, where URLs sit among other words, and masks more than passwords.
 * Redacts credentials recognisable by their shape: `scheme://user:pass@` becomes
 * `scheme://user:xxxxx@` (Go's url.URL.Redacted), Authorization/Proxy-Authorization header
 * values, `Basic/Bearer <token>` and credential-named query parameters (`?X-Amz-Signature=`)
 * become `[REDACTED]`.
 */
export function redactUrlCredentials(text: string): string {
  return text
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:xxxxx@`)
    .replace(QUOTED_AUTH_HEADER, (_m, q: string, name: string, sep: string, vq: string) => `${q}${name}${q}${sep}${vq}${REDACTED}${vq}`)
    .replace(PLAIN_AUTH_HEADER, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(AUTH_SCHEME_TOKEN, (m, token: string) => (/^[a-z]+$/.test(token) ? m : REDACTED))
    .replace(SECRET_QUERY_PARAM, (_m, name: string) => `${name}${REDACTED}`);
}

/** Every form a secret value can take in our outputs: raw, URL-escaped, JSON-escaped, base64. */
function secretForms(secret: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    goUserinfoEscape(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret, 'utf8').toString('base64'),
  ];
  const colon = secret.indexOf(':');
  if (colon > 0) {
    // A user:pass pair as it appears in a URL's userinfo.
    forms.push(`${goUserinfoEscape(secret.slice(0, colon))}:${goUserinfoEscape(secret.slice(colon + 1))}`);
  }
  return forms;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Returns a function that applies redactUrlCredentials, then replaces every known secret value
 * (at least MIN_SECRET_LENGTH long; also its URL-encoded, JSON-escaped and base64 forms, so a
 * "user:pass" secret also covers its Basic header) with `[REDACTED]`.
 */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of secretForms(secret)) if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  }
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const pattern = ordered.length > 0 ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined;
  // URL passwords first, so that a known "user:pass" inside a URL still shows its user.
  const scrub = (text: string): string => {
    const shaped = redactUrlCredentials(text);
    return pattern ? shaped.replace(pattern, REDACTED) : shaped;
  };
  // The same short texts come back again and again (keys, hosts, URLs: each stage's result is scrubbed
  // when it is logged and again in the report), and five regular expressions over each were ~9% of a
  // 500-module run's CPU. A pure function of the text for this scrubber: remember recent answers.
  const known = new Map<string, string>();
  return (text: string) => {
    if (text.length > SCRUB_MEMO_MAX_TEXT) return scrub(text);
    const seen = known.get(text);
    if (seen !== undefined) return seen;
    const out = scrub(text);
    if (known.size >= SCRUB_MEMO_KEPT) known.clear();
    known.set(text, out);
    return out;
  };
}

/** Texts up to this long are remembered by a scrubber, at most SCRUB_MEMO_KEPT of them. */
const SCRUB_MEMO_MAX_TEXT = 2048;
const SCRUB_MEMO_KEPT = 8192;

export interface ScrubLimits {
  /** Deeper values are replaced by "[Truncated]". */
  readonly maxDepth: number;
  /** Values after this many nodes are replaced by "[Truncated]". */
  readonly maxNodes: number;
}

const DEFAULT_SCRUB_LIMITS: ScrubLimits = { maxDepth: 64, maxNodes: 200_000 };

/**
 * A JSON-safe deep copy of `value` with every string (keys included) passed through `scrub` and
 * the values of sensitive keys replaced. Cycles become "[Circular]"; bounded in depth and size.
 */
export function scrubDeep(
  value: unknown,
  scrub: (text: string) => string,
  limits: ScrubLimits = DEFAULT_SCRUB_LIMITS,
): unknown {
  let nodes = 0;
  const ancestors = new Set<object>();
  // Each key's fate, once per call: a report has a few hundred distinct keys and tens of thousands of
  // objects (a 500-module report ~60,000 nodes, walked when each stage is logged and again for the report).
  const keys = new Map<string, string | null>();
  const keyOut = (key: string): string | null => {
    let out = keys.get(key);
    if (out === undefined) keys.set(key, (out = isSensitiveKey(key) ? null : scrub(key)));
    return out;
  };

  const walk = (v: unknown, depth: number): unknown => {
    nodes++;
    if (nodes > limits.maxNodes || depth > limits.maxDepth) return '[Truncated]';
    switch (typeof v) {
      case 'string':
        return scrub(v);
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'bigint':
        return v.toString();
      case 'object':
        break;
      default:
        return undefined; // functions, symbols, undefined: not JSON
    }
    if (v === null) return v;
    if (ancestors.has(v)) return '[Circular]';
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = walk(v[i], depth + 1) ?? null;
        return out;
      }
      if (v instanceof Error) {
        const code = (v as { code?: unknown }).code;
        return walk({ name: v.name, message: v.message, ...(typeof code === 'string' ? { code } : {}) }, depth);
      }
      if (ArrayBuffer.isView(v)) return `[${v.byteLength} bytes]`;
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return walk(toJSON.call(v), depth + 1);
      const out: Record<string, unknown> = {};
      const own = Object.keys(v);
      for (let i = 0; i < own.length; i++) {
        const key = own[i]!;
        const item = (v as Record<string, unknown>)[key];
        const name = keyOut(key);
        const copied = name === null && item !== null && typeof item !== 'boolean' && item !== undefined
          ? REDACTED
          : walk(item, depth + 1);
        if (copied !== undefined) out[name ?? scrub(key)] = copied;
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, 0);
}
