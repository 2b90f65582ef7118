/**
 * Lighter error answers, and the paper engine's refusals (Binance codes, `PaperApiError`) in Lighter's
 * words. Every error is an HTTP status with the body `{ "code": <Lighter code>, "message": <text> }`; ccxt's
 * `lighter.handleErrors` reads `code` and maps it through its `exceptions.exact` table.
 *
 * Where the codes come from:
 *  - 21500–21906 and 23000: ccxt 4.5.84 `lighter.exceptions.exact`, with the texts its comments quote.
 *  - 21100 `account not found`: a real Lighter answer quoted in elliottech/lighter-python issue #132.
 *  - 21104 `invalid nonce`: NautilusTrader's Lighter adapter (`LIGHTER_ERROR_CODE_INVALID_NONCE`, observed
 *    from the venue).
 *  - 21109 `api key not found`: the text is Lighter's (SDK diagnostics quote it); the number is not
 *    confirmed by any public source found, it sits in the 211xx account/key range beside 21100/21104.
 *  - 400 / 401 / 404 with the HTTP status as `code`: query, auth-token and routing errors, for which no
 *    Lighter code was found (Lighter has answered `{"code":400,...}` bodies before, lighter-python #60).
 */
import { PaperApiError } from '../errors.js';

export class LighterApiError extends Error {
  override readonly name = 'LighterApiError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
  body(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

const e = (code: number, message: string, status = 400) => new LighterApiError(status, code, message);

export const lighterErrors = {
  notFound: () => e(404, 'not found', 404),
  malformedBody: (why: string) => e(400, `malformed request body: ${why}`),
  param: (name: string) => e(400, `invalid param: ${name}`),
  unauthorized: (why: string) => e(401, `invalid auth: ${why}`, 401),
  tooManyRequests: () => e(23000, 'Too Many Requests!', 429),
  system: (message: string, status = 500) => e(status, message, status),

  accountNotFound: () => e(21100, 'account not found'),
  invalidNonce: () => e(21104, 'invalid nonce'),
  apiKeyNotFound: () => e(21109, 'api key not found'),

  invalidTxInfo: (detail: string) => e(21501, `invalid tx info: ${detail}`),
  unsupportedTxType: () => e(21505, 'unsupported tx type'),
  invalidMarketIndex: () => e(21602, 'invalid market index'),
  invalidMarginFraction: () => e(21604, 'invalid margin fractions for market'),
  invalidMarginMode: () => e(21613, 'invalid margin mode'),
  invalidOrderIndex: () => e(21700, 'invalid order index'),
  invalidBaseAmount: () => e(21701, 'invalid base amount'),
  invalidPrice: () => e(21702, 'invalid price'),
  invalidIsAsk: () => e(21703, 'invalid isAsk'),
  invalidOrderType: () => e(21704, 'invalid OrderType'),
  invalidTimeInForce: () => e(21705, 'invalid OrderTimeInForce'),
  invalidAmounts: () => e(21706, 'invalid order base or quote amount'),
  unsupportedOrderType: () => e(21710, 'unsupported order type'),
  invalidExpiry: () => e(21711, 'invalid expiry'),
  invalidCancelAllTimeInForce: () => e(21713, 'invalid cancel all time in force'),
  invalidCancelAllTime: () => e(21714, 'invalid cancel all time'),
  notActiveOrder: () => e(21715, 'given order is not an active order'),
  maxActiveOrders: () => e(21717, 'maximum active limit order count reached'),
  maxConditionalOrders: () => e(21722, 'maximum conditional order count reached'),
  invalidClientOrderIndex: () => e(21727, 'invalid client order index'),
  clientOrderIndexExists: () => e(21728, 'client order index already exists'),
  invalidTriggerPrice: () => e(21729, 'invalid order trigger price'),
  reduceOnlyIncreases: () => e(21732, 'reduce only increases position'),
  priceTooFarFromMark: () => e(21734, 'limit order price is too far from the mark price'),
  notEnoughMargin: () => e(21739, 'not enough margin to create the order'),
  invalidReduceOnlyMode: () => e(21740, 'invalid reduce only mode'),
};

/** An engine refusal (or any other failure) of a tx or query, as the Lighter error to answer with. */
export function lighterErrorOf(err: unknown): LighterApiError {
  if (err instanceof LighterApiError) return err;
  if (!(err instanceof PaperApiError)) return lighterErrors.system('internal error');
  if (err.httpStatus === 429 || err.code === -1003) return lighterErrors.tooManyRequests();
  if (err.httpStatus >= 500) return lighterErrors.system(err.msg, err.httpStatus);
  switch (err.code) {
    case -2018:
    case -2019:
    case -2027:
      return lighterErrors.notEnoughMargin();
    case -2022:
    case -2024:
      return lighterErrors.reduceOnlyIncreases();
    case -2025:
      return lighterErrors.maxActiveOrders();
    case -4045:
    case -4130:
      return lighterErrors.maxConditionalOrders();
    case -2021:
    case -4006:
      return lighterErrors.invalidTriggerPrice();
    case -1111:
    case -4003:
    case -4004:
    case -4005:
    case -4023:
      return lighterErrors.invalidBaseAmount();
    case -4164:
      return lighterErrors.invalidAmounts();
    case -4002:
    case -4013:
    case -4014:
      return lighterErrors.invalidPrice();
    case -4016:
    case -4024:
    case -4131:
      return lighterErrors.priceTooFarFromMark();
    case -4116:
      return lighterErrors.clientOrderIndexExists();
    case -4015:
      return lighterErrors.invalidClientOrderIndex();
    case -2011:
    case -2013:
      return lighterErrors.notActiveOrder();
    case -4028:
      return lighterErrors.invalidMarginFraction();
    case -1121:
      return lighterErrors.invalidMarketIndex();
    default:
      return new LighterApiError(400, 400, err.msg);
  }
}
