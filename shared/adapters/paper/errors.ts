/**
 * Binance USD-M error codes and messages the paper exchange reproduces. `PaperApiError` is what every
 * engine call throws when Binance would answer with an error body: the protocol server renders it as
 * `{ code, msg }` with `httpStatus`; the paper ExchangePort turns order refusals into `OrderRejection`s.
 */
export class PaperApiError extends Error {
  override readonly name = 'PaperApiError';
  constructor(
    /** Binance error code, e.g. -5022. */
    readonly code: number,
    /** Binance's message text. */
    readonly msg: string,
    /** HTTP status the protocol server should answer with (400 for business errors). */
    readonly httpStatus = 400,
  ) {
    super(`${code}: ${msg}`);
  }
}

/** The catalogue; functions where Binance puts a value in the text. */
export const binanceErrors = {
  unknown: () => new PaperApiError(-1000, 'An unknown error occured while processing the request.', 500),
  internal: () =>
    new PaperApiError(-1001, 'Internal error; unable to process your request. Please try again.', 503),
  mandatory: (param: string) =>
    new PaperApiError(-1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  notRequired: (param: string) => new PaperApiError(-1106, `Parameter '${param}' sent when not required.`),
  precision: () => new PaperApiError(-1111, 'Precision is over the maximum defined for this asset.'),
  invalidTimeInForce: () => new PaperApiError(-1115, 'Invalid timeInForce.'),
  invalidOrderType: () => new PaperApiError(-1116, 'Invalid orderType.'),
  invalidSide: () => new PaperApiError(-1117, 'Invalid side.'),
  invalidSymbol: () => new PaperApiError(-1121, 'Invalid symbol.'),
  unknownOrderSent: () => new PaperApiError(-2011, 'Unknown order sent.'),
  orderDoesNotExist: () => new PaperApiError(-2013, 'Order does not exist.'),
  marginInsufficient: () => new PaperApiError(-2019, 'Margin is insufficient.'),
  wouldImmediatelyTrigger: () => new PaperApiError(-2021, 'Order would immediately trigger.'),
  reduceOnlyRejected: () => new PaperApiError(-2022, 'ReduceOnly Order is rejected.'),
  maxOpenOrders: () => new PaperApiError(-2025, 'Reach max open order limit.'),
  maxPosition: () => new PaperApiError(-2027, 'Exceeded the maximum allowable position at current leverage.'),
  priceGreaterThanMax: () => new PaperApiError(-4002, 'Price greater than max price.'),
  qtyLessThanZero: () => new PaperApiError(-4003, 'Quantity less than or equal to zero.'),
  qtyLessThanMin: () => new PaperApiError(-4004, 'Quantity less than min quantity.'),
  qtyGreaterThanMax: () => new PaperApiError(-4005, 'Quantity greater than max quantity.'),
  stopPriceLessThanZero: () => new PaperApiError(-4006, 'Stop price less than zero.'),
  priceLessThanMin: () => new PaperApiError(-4013, 'Price less than min price.'),
  priceNotOnTick: () => new PaperApiError(-4014, 'Price not increased by tick size.'),
  invalidClientOrderId: () => new PaperApiError(-4015, 'Client order id is not valid.'),
  priceAboveMultiplierUp: () => new PaperApiError(-4016, 'Price is higher than mark price multiplier cap.'),
  qtyNotOnStep: () => new PaperApiError(-4023, 'Quantity not increased by step size.'),
  priceBelowMultiplierDown: () =>
    new PaperApiError(-4024, 'Price is lower than mark price multiplier floor.'),
  invalidLeverage: (leverage: string) => new PaperApiError(-4028, `Leverage ${leverage} is not valid`),
  maxAlgoOrders: () => new PaperApiError(-4045, 'Reach max stop order limit.'),
  noNeedToChangePositionSide: () => new PaperApiError(-4059, 'No need to change position side.'),
  positionSideMismatch: () =>
    new PaperApiError(-4061, "Order's position side does not match user's setting."),
  positionSideChangeWithOrders: () =>
    new PaperApiError(-4067, 'Position side cannot be changed if there exists open orders.'),
  positionSideChangeWithPosition: () =>
    new PaperApiError(-4068, 'Position side cannot be changed if there exists position.'),
  duplicateClientOrderId: () => new PaperApiError(-4116, 'ClientOrderId is duplicated.'),
  useAlgoEndpoint: () =>
    new PaperApiError(
      -4120,
      'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
    ),
  closePositionStopExists: () =>
    new PaperApiError(
      -4130,
      'An open stop or take profit order with GTE and closePosition in the direction is existing.',
    ),
  percentPriceCounterparty: () =>
    new PaperApiError(-4131, "The counterparty's best price does not meet the PERCENT_PRICE filter limit."),
  closePositionWithReduceOnly: (orderType: string) =>
    new PaperApiError(-4136, `Target strategy invalid for orderType ${orderType},closePosition true`),
  minNotional: (notional: string) =>
    new PaperApiError(
      -4164,
      `Order's notional must be no smaller than ${notional} (unless you choose reduce only).`,
    ),
  postOnlyWouldTake: () =>
    new PaperApiError(
      -5022,
      'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history',
    ),
  onlyLimitAmend: () => new PaperApiError(-5025, 'Only limit order is supported.'),
  noNeedToModify: () => new PaperApiError(-5027, 'No need to modify the order.'),
} as const;
