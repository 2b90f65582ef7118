/**
 * ccxt failures → the port's outcomes.
 *
 * Entry points: `venueErrorCode` (the venue's code from a ccxt error message: Binance `{"code":-5022,...}`
 * bodies, OKX `sCode`s, or Binance's message text when ccxt matched on it), `classifyFailure`.
 *
 * Rules, in order:
 *  1. A documented venue code (`venue-codes.ts`, Binance's and OKX's lists) decides: rate limited, bad
 *     credentials (`fatal`, the only way to it besides ccxt's auth classes), clock skew and "try later"
 *     (`retryable`), status unknown (`unknown_outcome` on a write, `retryable` on a read), or a refusal of
 *     that one order (an `OrderRejection` value, not an exception).
 *  2. Rate limits by class (HTTP 429/418, `DDoSProtection`/`RateLimitExceeded`) → `rate_limited` with a wait.
 *  3. Credentials and permissions (`AuthenticationError`, `PermissionDenied`, `AccountSuspended`) → `fatal`.
 *  4. Network failures, timeouts, 5xx: on a write the order may exist → `unknown_outcome` (a refused
 *     connection is the exception: nothing was sent); on a read → `retryable`. `InvalidNonce` → `retryable`.
 *  5. A refusal of the order by class (`InvalidOrder`, `InsufficientFunds`, `OrderNotFound`) → rejection.
 *  6. An undocumented venue code refuses that command only (`other`) on a write and is retried on a read:
 *     it never stops a batch, let alone reads as a credentials failure.
 *  7. A request refused before it was sent (`BadRequest`, `ArgumentsRequired`, `NotSupported`) rejects the
 *     command; any other answer nobody expected is `unknown_outcome` on a write (the order may be out) and
 *     `fatal` on a read (a bug to look at).
 */
import ccxt from 'ccxt';
import { ExchangeError, type OrderRejection, type OrderRejectReason } from '../../ports/exchange.js';
import { type CodeClass, VENUE_CODES } from './venue-codes.js';

/** Binance message texts ccxt may report without the code (it matches some errors by message). */
const BINANCE_MESSAGE_CODES: ReadonlyArray<readonly [string, string]> = [
  ['Post Only order will be rejected', '-5022'],
  ['Unknown order sent', '-2011'],
  ['Order does not exist', '-2013'],
  ['Margin is insufficient', '-2019'],
  ['ReduceOnly Order is rejected', '-2022'],
  ['ClientOrderId is duplicated', '-4116'],
  ["position side does not match user's setting", '-4061'],
  ['Reach max open order limit', '-2025'],
  ["Parameter 'reduceonly' sent when not required", '-1106'],
  ['Timestamp for this request is outside of the recvWindow', '-1021'],
  ['Signature for this request is not valid', '-1022'],
];

export function venueErrorCode(message: string): string | undefined {
  // OKX answers a failed order call with `"code":"1"` (or "2": partly) and the reason in the order's `sCode`.
  const sCode = /"sCode":\s*"([1-9]\d*)"/.exec(message);
  if (sCode) return sCode[1];
  const json = /\{"code":\s*"?(-?\d+)"?/.exec(message);
  if (json) return json[1];
  const lower = message.toLowerCase();
  for (const [text, code] of BINANCE_MESSAGE_CODES) if (lower.includes(text.toLowerCase())) return code;
  return undefined;
}

export function rejectReason(code: string | undefined, err: unknown): OrderRejectReason {
  const byCode = code === undefined ? undefined : VENUE_CODES[code];
  if (byCode !== undefined && !NOT_REJECTIONS.has(byCode)) return byCode as OrderRejectReason;
  if (err instanceof ccxt.OrderNotFound) return 'unknown_order';
  if (err instanceof ccxt.InsufficientFunds) return 'insufficient_margin';
  return 'other';
}

const NOT_REJECTIONS = new Set<CodeClass>(['rate_limited', 'credentials', 'clock', 'uncertain', 'retry']);

export type Operation = 'read' | 'write';

export type Classified =
  | { readonly kind: 'rejection'; readonly rejection: OrderRejection }
  | { readonly kind: 'error'; readonly error: ExchangeError };

const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

/** Request URLs in ccxt messages carry signatures and listen keys: never let them reach a log. */
export function redact(text: string): string {
  return (
    text
      .replace(/(signature|listenKey|sign)=[^&\s"]+/gi, '$1=***')
      .replace(/("listenKey"\s*:\s*")[^"]+/g, '$1***')
      // A proxy URL with its login (`http://user:pass@host`): the login goes.
      .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi, '$1***@')
  );
}

export function classifyFailure(err: unknown, op: Operation, retryAfterMs?: number): Classified {
  const message = redact(err instanceof Error ? err.message : String(err));
  const code = venueErrorCode(message);
  const fail = (kind: ExchangeError['kind'], extra: { retryAfterMs?: number } = {}): Classified => ({
    kind: 'error',
    error: new ExchangeError(kind, message, { code, cause: err, ...extra }),
  });
  const uncertain = () =>
    op === 'write' && !/ECONNREFUSED/.test(message) ? fail('unknown_outcome') : fail('retryable');
  const rateLimited = () =>
    fail('rate_limited', { retryAfterMs: retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS });
  // The venue's documented code decides first (ccxt maps some codes to classes that mean otherwise).
  const known = code === undefined ? undefined : VENUE_CODES[code];
  if (known !== undefined) {
    switch (known) {
      case 'rate_limited':
        return rateLimited();
      case 'credentials':
        return fail('fatal');
      case 'clock':
      case 'retry':
        return fail('retryable');
      case 'uncertain':
        return uncertain();
      default:
        // A refusal of the order itself (on a read: what was asked for is not there, e.g. no such order).
        return { kind: 'rejection', rejection: { ok: false, reason: known, code: code!, message } };
    }
  }
  if (err instanceof ccxt.DDoSProtection || err instanceof ccxt.RateLimitExceeded) return rateLimited();
  if (
    err instanceof ccxt.AuthenticationError ||
    err instanceof ccxt.PermissionDenied ||
    err instanceof ccxt.AccountSuspended
  ) {
    return fail('fatal');
  }
  if (err instanceof ccxt.InvalidNonce) return fail('retryable');
  if (err instanceof ccxt.OperationFailed || err instanceof ccxt.BadResponse) return uncertain();
  if (
    err instanceof ccxt.InvalidOrder ||
    err instanceof ccxt.InsufficientFunds ||
    err instanceof ccxt.OrderNotFound
  ) {
    return {
      kind: 'rejection',
      rejection: { ok: false, reason: rejectReason(code, err), code: code ?? 'unknown', message },
    };
  }
  if (code !== undefined) {
    // An undocumented venue code refuses that command only (never the batch, never "credentials"); on a
    // read it is retried next pass, and its message is in the log.
    if (op === 'write')
      return { kind: 'rejection', rejection: { ok: false, reason: 'other', code, message } };
    return fail('retryable');
  }
  if (
    err instanceof ccxt.BadRequest ||
    err instanceof ccxt.ArgumentsRequired ||
    err instanceof ccxt.NotSupported
  ) {
    // Refused before anything happened (a malformed request: our bug, logged); this command only.
    if (op === 'write')
      return { kind: 'rejection', rejection: { ok: false, reason: 'other', code: 'unknown', message } };
    return fail('fatal');
  }
  // No venue code at all: an answer nobody expected. On a write the order may have gone out.
  return op === 'write' ? fail('unknown_outcome') : fail('fatal');
}
