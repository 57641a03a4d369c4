// Go's url.URL.Redacted for the URLs we put into go's error texts (net/url port: gourl.ts).
// Not report/redact.ts's scrubber: that one finds credentials anywhere in output text; this one
// parses one value as go does, so the text stays go's own.

import { maskUserinfoPassword, parseGoURL } from './gourl.js';

/**
 * Go's url.Redacted for text we print: the password becomes "xxxxx". Text that url.Parse rejects
 * still has any `user:pass@` masked. Never throws.
 */
/**
 * A Go environment value with every URL password in it masked, word by word, and otherwise as written:
 * GOSUMDB's "key url" keeps its space (redactURL on the whole value would print it as %20).
 */
export function redactEnvValue(value: string): string {
  return value.split(/(\s+)/).map((w) => (/\S/.test(w) ? redactURL(w) : w)).join('');
}

/**
 * Recent answers of redactURL: a run redacts the same URLs again and again (each request's for its log
 * line and its record, each GOPROXY entry's per walk), and the port of url.Parse behind it was ~15% of
 * the CPU of a 500-module run. A pure function of its text; bounded, and short texts only.
 */
const redactedURLs = new Map<string, string>();
const REDACTED_URLS_KEPT = 4096;
const REDACTED_URL_MAX_KEY = 2048;

/**
 * Text that url.Parse and Redacted give back as it is: http(s), a lower-case host name with an optional
 * port, a path of characters go's EscapedPath keeps as they are (unreserved ones, '/', '@', '!' and '+'),
 * and a query of printable ASCII without '#' (url.Parse keeps RawQuery as written); no userinfo or
 * fragment. Most of a run's URLs are such (every module's .info, .mod and .zip, each GOPROXY entry, a
 * presigned storage URL), and each is a new text: at 500 modules the cache below missed ~2,500 times
 * and the port of url.Parse behind it was ~3% of the run's CPU.
 */
const PLAIN_URL = /^https?:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~!+/@-]*)?(?:\?[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*)?$/;

export function redactURL(raw: string): string {
  if (PLAIN_URL.test(raw)) return raw;
  const known = redactedURLs.get(raw);
  if (known !== undefined) return known;
  const redacted = redactURLUncached(raw);
  if (raw.length <= REDACTED_URL_MAX_KEY) {
    if (redactedURLs.size >= REDACTED_URLS_KEPT) redactedURLs.clear();
    redactedURLs.set(raw, redacted);
  }
  return redacted;
}

/** Exported for the test that holds PLAIN_URL's texts to the port's answer. */
export function redactURLUncached(raw: string): string {
  const parsed = parseGoURL(raw);
  // Also mask after a successful parse: "user:pass@host:3128" parses as scheme "user" with opaque
  // data, so Go's Redacted would keep the password.
  return maskUserinfoPassword(parsed.ok ? parsed.url.redacted() : raw);
}
