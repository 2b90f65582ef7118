/** The paper exchange: see `engine.ts` for the API overview. */
export * from './data-files.js';
export { type NewAccount, PaperExchange, type PaperExchangeConfig } from './engine.js';
export { binanceErrors, PaperApiError } from './errors.js';
export type { FeedListener, FeedSubscription } from './event-hub.js';
export { FaultInjector, type Operation } from './faults.js';
export { type BracketRow, bracketsFromTable, defaultBrackets } from './leverage-brackets.js';
export type { CandleInput, TradeInput } from './market-driver.js';
export { formatPrice, formatQty, type MarketRules } from './market-rules.js';
export { PaperExchangePort } from './paper-exchange-port.js';
export type { TimeWindow } from './queries.js';
export type { FeeRates, MarkSource } from './state.js';
export { SymbolMap } from './symbol-map.js';
export type * from './types.js';
