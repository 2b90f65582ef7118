/**
 * What each documented venue error code means for us, Binance USD-M, OKX v5 and Lighter alike (their codes
 * do not collide: Binance's are negative, OKX's five-digit 5xxxx, Lighter's 21xxx / 23xxx). The table is the authority; ccxt's own
 * exception classes are consulted only for codes it does not list.
 *
 *  - `rate_limited`: slow down (Retry-After when the venue sends one).
 *  - `credentials`: the key, its permissions or its IP allowlist are wrong; nothing on this account can work
 *    until a human fixes it (the only `fatal`).
 *  - `clock`: our timestamp is outside the venue's window; retry once the offset is re-measured.
 *  - `uncertain`: the venue does not know what happened (internal error, timeout, busy): on an order call
 *    the order may exist (`unknown_outcome`), a read is retried.
 *  - `retry`: nothing happened, try again later (service unavailable, maintenance).
 *  - a rejection reason: the venue refused this one order; the batch goes on.
 *
 * Sources: Binance USD-M "Error Codes" (developers.binance.com, derivatives/usds-margined-futures/error-code)
 * and OKX v5 "Error Code" (www.okx.com/docs-v5/en/#error-code), REST and batch `sCode`s.
 */
import type { OrderRejectReason } from '../../ports/exchange.js';

export type CodeClass = 'rate_limited' | 'credentials' | 'clock' | 'uncertain' | 'retry' | OrderRejectReason;

export const VENUE_CODES: Readonly<Record<string, CodeClass>> = {
  // ---- Binance USD-M: 10xx general server or network issues
  '-1000': 'uncertain', // UNKNOWN
  '-1001': 'uncertain', // DISCONNECTED: internal error
  '-1002': 'credentials', // UNAUTHORIZED
  '-1003': 'rate_limited', // TOO_MANY_REQUESTS (and IP bans)
  '-1006': 'uncertain', // UNEXPECTED_RESP: execution status unknown
  '-1007': 'uncertain', // TIMEOUT: execution status unknown
  '-1008': 'uncertain', // SERVER_BUSY
  '-1011': 'credentials', // NON_WHITE_LIST: this IP cannot access this route
  '-1015': 'rate_limited', // TOO_MANY_ORDERS (per interval)
  '-1016': 'retry', // SERVICE_SHUTTING_DOWN
  '-1021': 'clock', // INVALID_TIMESTAMP (recvWindow)
  '-1022': 'credentials', // INVALID_SIGNATURE
  // 11xx request issues: this request was wrong, nothing happened
  '-1102': 'other', // MANDATORY_PARAM_EMPTY_OR_MALFORMED
  '-1106': 'reduce_only_rejected', // PARAM_NOT_REQUIRED ('reduceonly' sent when not required: hedge mode)
  '-1111': 'filter', // BAD_PRECISION
  '-1013': 'filter', // INVALID_MESSAGE (filter failures)
  '-1121': 'other', // BAD_SYMBOL
  // 20xx processing issues
  '-2010': 'other', // NEW_ORDER_REJECTED
  '-2011': 'unknown_order', // CANCEL_REJECTED (unknown order sent)
  '-2013': 'unknown_order', // NO_SUCH_ORDER
  '-2014': 'credentials', // BAD_API_KEY_FMT
  '-2015': 'credentials', // REJECTED_MBX_KEY: invalid key, IP or permissions
  '-2018': 'insufficient_margin', // BALANCE_NOT_SUFFICIENT
  '-2019': 'insufficient_margin', // MARGIN_NOT_SUFFICIEN
  '-2021': 'would_trigger', // ORDER_WOULD_IMMEDIATELY_TRIGGER
  '-2022': 'reduce_only_rejected', // REDUCE_ONLY_REJECT
  '-2024': 'position_mismatch', // POSITION_NOT_SUFFICIENT
  '-2025': 'too_many_orders', // MAX_OPEN_ORDER_EXCEEDED
  '-2027': 'insufficient_margin', // MAX_LEVERAGE_RATIO (position too large for the leverage)
  '-2028': 'insufficient_margin', // MIN_LEVERAGE_RATIO
  // 40xx filters and other issues
  '-4003': 'filter', // QTY_LESS_THAN_ZERO
  '-4004': 'filter', // QTY_LESS_THAN_MIN_QTY
  '-4005': 'filter', // QTY_GREATER_THAN_MAX_QTY
  '-4013': 'filter', // PRICE_LESS_THAN_MIN_PRICE
  '-4014': 'filter', // PRICE_NOT_INCREASED_BY_TICK_SIZE
  '-4016': 'filter', // PRICE_GREATER_THAN_MAX_PRICE (multiplier up)
  '-4023': 'filter', // QTY_NOT_INCREASED_BY_STEP_SIZE
  '-4024': 'filter', // PRICE_LESS_THAN_MULTIPLIER_DOWN
  '-4045': 'too_many_orders', // REACH_MAX_STOP_ORDER_LIMIT
  '-4061': 'position_mismatch', // POSITION_SIDE_NOT_MATCH
  '-4116': 'duplicate_client_id', // DUPLICATED_CLIENT_TRAN_ID
  '-4130': 'stop_exists', // an open closePosition stop in this direction exists
  '-4131': 'filter', // PERCENT_PRICE (counterparty best price)
  '-4164': 'filter', // MIN_NOTIONAL
  '-5021': 'other', // FOK order would not fill completely
  '-5022': 'post_only_would_take', // GTX order would be taker
  '-5027': 'other', // No need to modify the order (amend to the same values)
  '-5028': 'other', // timestamp of the amend is older than the order's last update
  // ---- OKX v5: 50xxx general
  '50001': 'retry', // service temporarily unavailable
  '50004': 'uncertain', // API endpoint request timeout (does not mean the request failed)
  '50011': 'rate_limited', // rate limit reached
  '50013': 'uncertain', // systems are busy
  '50026': 'uncertain', // system error
  '50040': 'rate_limited', // too frequent operations
  '50061': 'rate_limited', // sub-account / order rate limit reached
  '50100': 'credentials', // API frozen
  '50101': 'credentials', // APIKey does not match the current environment (demo / live)
  '50102': 'clock', // timestamp request expired
  '50103': 'credentials', // OK-ACCESS-KEY header missing
  '50104': 'credentials', // OK-ACCESS-PASSPHRASE header missing
  '50105': 'credentials', // OK-ACCESS-PASSPHRASE incorrect
  '50110': 'credentials', // IP not in the key's allowlist
  '50111': 'credentials', // invalid OK-ACCESS-KEY
  '50112': 'clock', // invalid OK-ACCESS-TIMESTAMP
  '50113': 'credentials', // invalid signature
  '50114': 'credentials', // invalid authorization
  '50119': 'credentials', // API key does not exist
  '50120': 'credentials', // API key has no permission for this
  // OKX 51xxx trade
  '51000': 'other', // parameter error
  '51001': 'other', // instrument does not exist
  '51004': 'insufficient_margin', // order amount exceeds the current tier limit
  '51006': 'filter', // price outside the price limit
  '51008': 'insufficient_margin', // insufficient balance / margin
  '51010': 'position_mismatch', // operation not supported in the current account mode
  '51016': 'duplicate_client_id', // duplicate clOrdId
  '51020': 'filter', // order amount below the minimum
  '51023': 'reduce_only_rejected', // position does not exist
  '51119': 'insufficient_margin', // insufficient balance to place the order
  '51121': 'filter', // quantity not a multiple of the lot size
  '51124': 'other', // limit orders only during the call auction
  '51174': 'too_many_orders', // pending orders of the instrument reached the upper limit
  '51201': 'filter', // limit order amount exceeds the maximum
  '51202': 'filter', // market order amount exceeds the maximum
  '51261': 'too_many_orders', // pending stop orders reached the upper limit
  '51277': 'would_trigger', // TP trigger price cannot be higher than the last price
  '51278': 'would_trigger', // SL trigger price cannot be lower than the last price
  '51279': 'would_trigger', // TP trigger price cannot be lower than the last price
  '51280': 'would_trigger', // SL trigger price cannot be higher than the last price
  '51131': 'insufficient_margin', // insufficient balance
  '51149': 'uncertain', // order timed out; check the order's state before retrying
  '51169': 'reduce_only_rejected', // no position in this direction to reduce
  '51400': 'unknown_order', // cancel failed: order does not exist (or already filled / cancelled)
  '51401': 'unknown_order', // cancel failed: already cancelled
  '51402': 'unknown_order', // cancel failed: order completed
  '51503': 'unknown_order', // amend failed: order does not exist
  '51603': 'unknown_order', // order does not exist
  '59000': 'other', // settings blocked by open orders or positions
  '59102': 'other', // leverage exceeds the instrument's maximum
  // ---- Lighter (21xxx / 23xxx: ccxt 4.5.84 lighter.exceptions.exact, and the venue's observed answers)
  '21100': 'credentials', // account not found: the configured account_index is wrong
  '21104': 'retry', // invalid nonce: nothing happened; the client re-reads nextNonce
  '21109': 'credentials', // api key not found: the configured api_key_index or key is wrong
  '21506': 'retry', // too many pending txs, try again later
  '21507': 'insufficient_margin', // account below maintenance margin
  '21508': 'insufficient_margin', // account below initial margin
  '21602': 'other', // invalid market index
  '21603': 'filter', // invalid min amounts for market
  '21701': 'filter', // invalid base amount
  '21702': 'filter', // invalid price
  '21706': 'filter', // invalid order base or quote amount
  '21709': 'unknown_order', // order is inactive
  '21715': 'unknown_order', // given order is not an active order
  '21717': 'too_many_orders', // maximum active limit order count reached
  '21718': 'too_many_orders', // ... per market
  '21719': 'too_many_orders', // maximum pending order count reached
  '21722': 'too_many_orders', // maximum conditional order count reached
  '21728': 'duplicate_client_id', // client order index already exists
  '21729': 'would_trigger', // invalid order trigger price (already through it)
  '21732': 'reduce_only_rejected', // reduce only increases position
  '21734': 'filter', // limit order price too far from the mark price
  '21738': 'reduce_only_rejected', // invalid reduce only direction
  '21739': 'insufficient_margin', // not enough margin to create the order
  '23000': 'rate_limited', // Too Many Requests!
  '23001': 'rate_limited',
  '23002': 'rate_limited',
  '23003': 'rate_limited',
};
// OKX has no post-only refusal code: it accepts a post-only order that would take liquidity and cancels it
// at once (`state: canceled`, `cancelSource: 31`); the order's fate is read like any vanished order's.
