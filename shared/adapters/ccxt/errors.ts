/**
 * ccxt failures → the port's outcomes.
 *
 * Entry points: `venueErrorCode` (the venue's code from a ccxt error message: Binance `{"code":-5022,...}`
 * bodies, OKX `sCode`s, or Binance's message text when ccxt matched on it), `classifyFailure`.
 *
 * Rules, in order:
 *  1. Rate limits (HTTP 429/418, ccxt `DDoSProtection`/`RateLimitExceeded`) → `rate_limited` with a wait.
 *  2. Credentials and permissions (`AuthenticationError`, `PermissionDenied`, `AccountSuspended`) → `fatal`.
 *  3. Network failures, timeouts, 5xx and Binance's "status unknown" codes (-1000, -1001, -1006, -1007,
 *     -1008): on a write the order may exist → `unknown_outcome` (a refused connection is the exception:
 *     nothing was sent); on a read → `retryable`. A timestamp outside the
 *     receive window (`InvalidNonce`, -1021) is `retryable` after the clock offset is re-measured.
 *  4. A refusal of the order itself (`InvalidOrder`, `InsufficientFunds`, `OrderNotFound`, known venue
 *     codes) → an `OrderRejection` value, not an exception. Any other venue code on an order call
 *     (e.g. -5027 "No need to modify the order", -4130) refuses that command only (`other`): it must
 *     never stop a batch, let alone be reported as a credentials failure.
 *  5. Anything else is `fatal`: an unexpected venue answer is a bug to look at, not something to retry.
 */
import ccxt from 'ccxt';
import { ExchangeError, type OrderRejection, type OrderRejectReason } from '../../ports/exchange.js';

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
  const json = /\{"code":\s*"?(-?\d+)"?/.exec(message) ?? /"sCode":\s*"(\d+)"/.exec(message);
  if (json) return json[1];
  const lower = message.toLowerCase();
  for (const [text, code] of BINANCE_MESSAGE_CODES) if (lower.includes(text.toLowerCase())) return code;
  return undefined;
}

const BINANCE_REASONS: Readonly<Record<string, OrderRejectReason>> = {
  '-5022': 'post_only_would_take',
  '-2019': 'insufficient_margin',
  '-2018': 'insufficient_margin',
  '-4116': 'duplicate_client_id',
  '-2011': 'unknown_order',
  '-2013': 'unknown_order',
  '-2022': 'reduce_only_rejected',
  '-1106': 'reduce_only_rejected',
  '-4061': 'position_mismatch',
  '-2025': 'too_many_orders',
  '-4045': 'too_many_orders',
  '-1111': 'filter',
  '-1013': 'filter',
  '-4003': 'filter',
  '-4004': 'filter',
  '-4005': 'filter',
  '-4013': 'filter',
  '-4014': 'filter',
  '-4016': 'filter',
  '-4023': 'filter',
  '-4024': 'filter',
  '-4131': 'filter',
  '-4164': 'filter',
  '-2021': 'would_trigger',
  '-4130': 'stop_exists',
  // OKX sCodes
  '51121': 'filter',
  '51008': 'insufficient_margin',
  '51016': 'duplicate_client_id',
  '51603': 'unknown_order',
  '51400': 'unknown_order',
  '51124': 'post_only_would_take',
  '51169': 'reduce_only_rejected',
  '51000': 'other',
};

export function rejectReason(code: string | undefined, err: unknown): OrderRejectReason {
  const byCode = code === undefined ? undefined : BINANCE_REASONS[code];
  if (byCode) return byCode;
  if (err instanceof ccxt.OrderNotFound) return 'unknown_order';
  if (err instanceof ccxt.InsufficientFunds) return 'insufficient_margin';
  return 'other';
}

export type Operation = 'read' | 'write';

/**
 * Binance answers where the server itself does not know what happened (unknown / internal error, execution
 * status unknown, overloaded): ccxt maps some of them to non-network classes, so match the codes too.
 */
const SERVER_UNCERTAIN_CODES = new Set(['-1000', '-1001', '-1006', '-1007', '-1008']);

export type Classified =
  | { readonly kind: 'rejection'; readonly rejection: OrderRejection }
  | { readonly kind: 'error'; readonly error: ExchangeError };

const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

/** Request URLs in ccxt messages carry signatures and listen keys: never let them reach a log. */
export function redact(text: string): string {
  return text
    .replace(/(signature|listenKey|sign)=[^&\s"]+/gi, '$1=***')
    .replace(/("listenKey"\s*:\s*")[^"]+/g, '$1***');
}

export function classifyFailure(err: unknown, op: Operation, retryAfterMs?: number): Classified {
  const message = redact(err instanceof Error ? err.message : String(err));
  const code = venueErrorCode(message);
  const fail = (kind: ExchangeError['kind'], extra: { retryAfterMs?: number } = {}): Classified => ({
    kind: 'error',
    error: new ExchangeError(kind, message, { code, cause: err, ...extra }),
  });
  if (err instanceof ccxt.DDoSProtection || err instanceof ccxt.RateLimitExceeded) {
    return fail('rate_limited', { retryAfterMs: retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS });
  }
  if (
    err instanceof ccxt.AuthenticationError ||
    err instanceof ccxt.PermissionDenied ||
    err instanceof ccxt.AccountSuspended
  ) {
    return fail('fatal');
  }
  if (err instanceof ccxt.InvalidNonce) return fail('retryable');
  const serverUncertain = code !== undefined && SERVER_UNCERTAIN_CODES.has(code);
  if (err instanceof ccxt.OperationFailed || err instanceof ccxt.BadResponse || serverUncertain) {
    if (op === 'write' && !/ECONNREFUSED/.test(message)) return fail('unknown_outcome');
    return fail('retryable');
  }
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
  if (code !== undefined && BINANCE_REASONS[code] !== undefined && err instanceof ccxt.ExchangeError) {
    return { kind: 'rejection', rejection: { ok: false, reason: BINANCE_REASONS[code], code, message } };
  }
  // Any other business refusal of an order call (a venue code on a write) refuses that command only;
  // credentials failures were classed above. Never stop a whole batch (a stop among it) for it.
  if (op === 'write' && code !== undefined && err instanceof ccxt.ExchangeError) {
    return { kind: 'rejection', rejection: { ok: false, reason: 'other', code, message } };
  }
  return fail('fatal');
}
