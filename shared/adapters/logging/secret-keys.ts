/**
 * Which names hold secrets. A key is secret-shaped when, lower-cased with `-`, `_` and `.` removed, it
 * contains `apikey`, `secret`, `password`, `passphrase`, `passwd`, `signature`, `listenkey`, `token`,
 * `authorization`, `privatekey` or `accesskey` (so `X-MBX-APIKEY`, `api_key`, `clientSecret`, `accessToken`
 * all match), `accesssign` (OKX's `OK-ACCESS-SIGN`), or is exactly `key` or `sign`. Names of secrets (`secretName`, `secret_arn`) are not secrets.
 *
 * A bare `key` is also how the store names an item (`INST#a/GRID`); such values always hold `#`, API keys
 * never do, so a `key` whose value holds `#` is kept for diagnostics.
 */

const SECRET_WORDS = [
  'apikey',
  'secret',
  'password',
  'passphrase',
  'passwd',
  'signature',
  'listenkey',
  'token',
  'authorization',
  'privatekey',
  'accesskey',
  // OKX signs every private request in an `OK-ACCESS-SIGN` header.
  'accesssign',
];

function normalize(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** True when a field called `key` must have its value redacted (whatever the value). */
export function isSecretKey(key: string): boolean {
  const k = normalize(key);
  if (k === 'key' || k === 'sign') return true;
  if (k.endsWith('name') || k.endsWith('arn')) return false;
  return SECRET_WORDS.some((w) => k.includes(w));
}

/** True when the field `key` holding `value` must be redacted. */
export function mustRedactField(key: string, value: unknown): boolean {
  if (!isSecretKey(key)) return false;
  if (normalize(key) === 'key' && typeof value === 'string' && value.includes('#')) return false;
  return true;
}

/**
 * A secret-shaped name inside free text: a word containing one of the secret words (`X-MBX-APIKEY`,
 * `signature`, `listenKey`, `client_secret`), or a bare `key` / `apiKey` word. Used by the text patterns below.
 */
const TEXT_KEY =
  '(?:[A-Za-z0-9_.-]*(?:api[-_]?key|secret|password|passphrase|passwd|signature|listen[-_]?key|token|authorization|private[-_]?key|access[-_]?key|access[-_]?sign)[A-Za-z0-9_-]*|key|sign)';

/**
 * `name=value` and `name: value` pairs (query strings, form bodies, header dumps, `key: value` prose), with
 * an optional `Bearer`/`Basic` scheme. The value runs to the next separator.
 */
export const TEXT_ASSIGNMENT = new RegExp(
  `(?<![A-Za-z0-9_-])(${TEXT_KEY})(\\s*[=:]\\s*)((?:bearer|basic|hmac-sha256)\\s+)?(\\[redacted\\]|[^\\s&,;"'}\\]<>)]+)`,
  'gi',
);

/** `"name": "value"` (and single-quoted, and backslash-escaped) fragments of JSON held inside a string. */
export const TEXT_JSON_FIELD = new RegExp(
  `(\\\\?["'])(${TEXT_KEY})\\1(\\s*:\\s*)(\\\\?["'])((?:\\\\.|(?!\\4)[^\\\\])*?)\\4`,
  'gi',
);

/**
 * Long opaque tokens (48+ letters and digits, mixing both): Binance API keys, secrets, listen keys and
 * HMAC signatures all look like this, so they are redacted even when nobody registered them.
 */
export const LONG_TOKEN =
  /(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{48,}(?![A-Za-z0-9])/g;
