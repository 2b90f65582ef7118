/**
 * Binance-shaped API errors: an HTTP status plus the `{ code, msg }` body Binance returns. Messages are the
 * venue's own wording, because ccxt matches some of them by text when it maps errors to its classes.
 */
export class BinanceApiError extends Error {
  override readonly name = 'BinanceApiError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
  body(): string {
    return JSON.stringify({ code: this.code, msg: this.message });
  }
}

export const apiErrors = {
  unknown: (msg = 'An unknown error occured while processing the request.') =>
    new BinanceApiError(500, -1000, msg),
  tooManyRequests: (limit: number, retryAfterSec: number) =>
    new BinanceApiError(
      429,
      -1003,
      `Too many requests; current limit of IP(127.0.0.1) is ${limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
      { 'Retry-After': String(retryAfterSec) },
    ),
  timestamp: () =>
    new BinanceApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  signature: () => new BinanceApiError(400, -1022, 'Signature for this request is not valid.'),
  unknownPath: () => new BinanceApiError(404, -1000, 'Path not found.'),
  mandatory: (param: string) =>
    new BinanceApiError(
      400,
      -1102,
      `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`,
    ),
  badParam: (param: string) =>
    new BinanceApiError(400, -1130, `Data sent for parameter '${param}' is not valid.`),
  badSymbol: () => new BinanceApiError(400, -1121, 'Invalid symbol.'),
  badInterval: () => new BinanceApiError(400, -1120, 'Invalid interval.'),
  apiKeyFormat: () => new BinanceApiError(401, -2014, 'API-key format invalid.'),
  rejectedApiKey: () => new BinanceApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  noSuchOrder: () => new BinanceApiError(400, -2013, 'Order does not exist.'),
  unknownOrderCancel: () => new BinanceApiError(400, -2011, 'Unknown order sent.'),
  listenKeyMissing: () => new BinanceApiError(400, -1125, 'This listenKey does not exist.'),
  leverage: () => new BinanceApiError(400, -4028, 'Leverage is not valid'),
  noChangePositionSide: () => new BinanceApiError(400, -4059, 'No need to change position side.'),
  positionSideChangeBlocked: () =>
    new BinanceApiError(
      400,
      -4068,
      'Position side cannot be changed if there exists position or open orders.',
    ),
};
