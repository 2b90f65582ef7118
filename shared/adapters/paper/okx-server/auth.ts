/**
 * OKX v5 request authentication. REST: `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD +
 * requestPath(+query) + body))` with an ISO-8601 `OK-ACCESS-TIMESTAMP` no more than 30 s from the server's
 * clock, the key's `OK-ACCESS-PASSPHRASE`. WebSocket login: the same HMAC over `timestamp + 'GET' +
 * '/users/self/verify'` with the timestamp in seconds. Comparisons are constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type OkxApiError, okxErrors } from './api-error.js';

export interface OkxKey {
  readonly apiKey: string;
  readonly secret: string;
  readonly passphrase: string;
  readonly account: string;
}

export const OKX_CLOCK_WINDOW_MS = 30_000;

export function okxSign(prehash: string, secret: string): string {
  return createHmac('sha256', secret).update(prehash).digest('base64');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The account of a signed REST request, or the OKX error to answer with. */
export function authenticateRest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  prehashTail: string,
  lookup: (apiKey: string) => OkxKey | undefined,
  now: number,
  checkTimestamps: boolean,
): OkxKey {
  const h = (name: string): string => {
    const v = headers[name];
    return typeof v === 'string' ? v : '';
  };
  const apiKey = h('ok-access-key');
  if (!apiKey) throw okxErrors.keyMissing();
  const key = lookup(apiKey);
  if (!key) throw okxErrors.invalidKey();
  const passphrase = h('ok-access-passphrase');
  if (!passphrase) throw okxErrors.passphraseMissing();
  if (!same(passphrase, key.passphrase)) throw okxErrors.passphraseWrong();
  const timestamp = h('ok-access-timestamp');
  const at = Date.parse(timestamp);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(timestamp) || Number.isNaN(at))
    throw okxErrors.invalidTimestamp();
  if (checkTimestamps && Math.abs(now - at) > OKX_CLOCK_WINDOW_MS) throw okxErrors.timestampExpired();
  if (!same(h('ok-access-sign'), okxSign(timestamp + prehashTail, key.secret))) throw okxErrors.invalidSign();
  return key;
}

export interface WsLoginArgs {
  readonly apiKey?: unknown;
  readonly passphrase?: unknown;
  readonly timestamp?: unknown;
  readonly sign?: unknown;
}

/** The key of a WebSocket `login`, or `{ code, msg }` of the error event to answer with. */
export function authenticateWs(
  args: WsLoginArgs,
  lookup: (apiKey: string) => OkxKey | undefined,
  now: number,
  checkTimestamps: boolean,
): OkxKey | { code: string; msg: string } {
  const key = typeof args.apiKey === 'string' ? lookup(args.apiKey) : undefined;
  if (!key) return { code: '60005', msg: 'Invalid OK-ACCESS-KEY' };
  if (typeof args.passphrase !== 'string' || !same(args.passphrase, key.passphrase))
    return { code: '60024', msg: 'Wrong passphrase' };
  const ts = typeof args.timestamp === 'string' ? args.timestamp : '';
  if (!/^\d{1,13}(\.\d+)?$/.test(ts)) return { code: '60004', msg: 'Invalid timestamp' };
  if (checkTimestamps && Math.abs(now - Number(ts) * 1000) > OKX_CLOCK_WINDOW_MS)
    return { code: '60006', msg: 'Timestamp request expired' };
  const expected = okxSign(`${ts}GET/users/self/verify`, key.secret);
  if (typeof args.sign !== 'string' || !same(args.sign, expected))
    return { code: '60007', msg: 'Invalid sign' };
  return key;
}

export type { OkxApiError };
