/**
 * OKX v5 error answers, and the engine's refusals (Binance codes, `PaperApiError`) in OKX's words.
 *
 * OKX answers most business errors with HTTP 200 and a body `{ code, msg, data }`: a failed order call is
 * `code: "1"` ("All operations failed") with the reason in the row's `sCode` / `sMsg`; other failures put
 * the code in `code`. Authentication failures are HTTP 401, rate limits HTTP 429 (`50011`), and busy or
 * broken systems 5xx (`50013`, `50026`). Codes and wording: OKX v5 "Error Code" (www.okx.com/docs-v5/en/
 * #error-code) as ccxt 4.5's `okx.exceptions` table quotes them.
 */
import { PaperApiError } from '../errors.js';

export class OkxApiError extends Error {
  override readonly name = 'OkxApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
  body(): string {
    return JSON.stringify({ code: this.code, msg: this.message, data: [] });
  }
}

export const okxErrors = {
  notFound: () => new OkxApiError(404, '50000', 'Not Found'),
  tooManyRequests: () => new OkxApiError(429, '50011', 'Too Many Requests'),
  busy: (msg = 'Systems are busy. Please try again later.') => new OkxApiError(503, '50013', msg),
  system: (msg = 'System error. Try again later') => new OkxApiError(500, '50026', msg),
  timestampExpired: () => new OkxApiError(401, '50102', 'Timestamp request expired'),
  keyMissing: () => new OkxApiError(401, '50103', 'Request header "OK-ACCESS-KEY" cannot be empty.'),
  passphraseMissing: () =>
    new OkxApiError(401, '50104', 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.'),
  passphraseWrong: () => new OkxApiError(401, '50105', 'Request header "OK-ACCESS-PASSPHRASE" incorrect.'),
  invalidKey: () => new OkxApiError(401, '50111', 'Invalid OK-ACCESS-KEY.'),
  invalidTimestamp: () => new OkxApiError(401, '50112', 'Invalid OK-ACCESS-TIMESTAMP.'),
  invalidSign: () => new OkxApiError(401, '50113', 'Invalid Sign.'),
  param: (name: string) => new OkxApiError(200, '51000', `Parameter ${name} error`),
  instrument: () =>
    new OkxApiError(200, '51001', "Instrument ID, Instrument ID code, or Spread ID doesn't exist."),
  orderMissing: () => new OkxApiError(200, '51603', 'Order does not exist'),
  settingsBlocked: () =>
    new OkxApiError(
      200,
      '59000',
      'Settings failed. Delete any open orders or positions before modifying settings.',
    ),
};

/** Where an engine refusal happened: the same Binance code reads differently per call. */
export type ErrorContext = 'place' | 'algo' | 'cancel' | 'amend' | 'query';

export interface RowError {
  readonly sCode: string;
  readonly sMsg: string;
}

/** An engine refusal of one order operation, as the `sCode` / `sMsg` of its row. */
export function rowError(err: unknown, context: ErrorContext, detail: { side?: string } = {}): RowError {
  if (err instanceof OkxApiError) return { sCode: err.code, sMsg: err.message };
  if (!(err instanceof PaperApiError)) return { sCode: '50026', sMsg: 'System error. Try again later' };
  switch (err.code) {
    case -2018:
    case -2019:
      return { sCode: '51008', sMsg: 'Order failed. Insufficient USDT margin in account' };
    case -2027:
      return {
        sCode: '51004',
        sMsg: 'Order failed. The order amount exceeds the current tier limit. Try lowering the leverage or use isolated margin.',
      };
    case -2021:
      // A stop-loss sell must trigger below the last price, a stop-loss buy above it.
      return detail.side === 'buy'
        ? { sCode: '51278', sMsg: 'SL trigger price cannot be lower than the last price' }
        : { sCode: '51280', sMsg: 'SL trigger price cannot be higher than the last price' };
    case -2022:
    case -2024:
      return {
        sCode: '51169',
        sMsg: "Order failed because you don't have any positions in this direction for this contract to reduce or close.",
      };
    case -2025:
      return {
        sCode: '51174',
        sMsg: 'The number of pending orders reached the upper limit of 500 (orders).',
      };
    case -4045:
      return { sCode: '51261', sMsg: 'Each user can hold up to 100 pending stop-orders at the same time.' };
    case -4003:
    case -4004:
      return { sCode: '51020', sMsg: 'Your order should meet or exceed the minimum order amount.' };
    case -4005:
      return { sCode: '51202', sMsg: 'Market order amount exceeds the maximum amount.' };
    case -1111:
    case -4023:
      return { sCode: '51121', sMsg: 'Order quantity must be a multiple of the lot size.' };
    case -4002:
    case -4013:
    case -4014:
      return { sCode: '51000', sMsg: 'Parameter px error' };
    case -4016:
    case -4024:
    case -4131:
      return { sCode: '51006', sMsg: 'Order price is not within the price limit.' };
    case -4116:
      return { sCode: '51016', sMsg: 'Duplicated clOrdId' };
    case -4061:
      return { sCode: '51000', sMsg: 'Parameter posSide error' };
    case -2011:
    case -2013:
      if (context === 'cancel')
        return {
          sCode: '51400',
          sMsg: 'Order cancellation failed as the order has been filled, canceled or does not exist.',
        };
      if (context === 'amend')
        return {
          sCode: '51503',
          sMsg: 'Order modification failed as the order has been filled, canceled or does not exist.',
        };
      return { sCode: '51603', sMsg: 'Order does not exist' };
    case -1121:
      return { sCode: '51001', sMsg: "Instrument ID, Instrument ID code, or Spread ID doesn't exist." };
    default:
      return { sCode: '51000', sMsg: err.msg };
  }
}

/** A whole-request failure from an engine error (rate limits, outages, injected faults). */
export function requestError(err: unknown): OkxApiError {
  if (err instanceof OkxApiError) return err;
  if (err instanceof PaperApiError) {
    if (err.httpStatus === 429 || err.code === -1003) return okxErrors.tooManyRequests();
    // The venue's own words stay in the body (a proxy echoing a header is what redaction must catch).
    if (err.httpStatus >= 500) return new OkxApiError(err.httpStatus, '50026', err.msg);
    const row = rowError(err, 'query');
    return new OkxApiError(200, row.sCode, row.sMsg);
  }
  return okxErrors.system();
}
