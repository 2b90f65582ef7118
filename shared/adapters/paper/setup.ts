/**
 * Building an engine and its accounts: option defaults, markets from exchangeInfo, new account state,
 * and the account-level settings (deposit, position mode, leverage) with Binance's refusals.
 *
 * Entry points: `buildCore`, `newAccountState`, `deposit`, `setPositionMode`, `setLeverage`.
 */

import { type Decimal, type DecimalInput, dec, decNonNeg, ZERO } from '../../domain/money.js';
import type { Clock } from '../../ports/clock.js';
import { binanceErrors } from './errors.js';
import { EventHub } from './event-hub.js';
import type { FaultInjector } from './faults.js';
import { accountOf } from './fills.js';
import { marketOf } from './ledger.js';
import {
  type BracketRow,
  bracketsFromTable,
  defaultBrackets,
  maxLeverage,
  maxNotionalFor,
} from './leverage-brackets.js';
import { type ExchangeInfoJson, type MarketRules, parseExchangeInfo } from './market-rules.js';
import type { AccountState, EngineCore, FeeRates, MarketState, MarkSource } from './state.js';
import type { LeverageBracket } from './types.js';

export type FeeSpec = Readonly<Record<string, { maker: DecimalInput; taker: DecimalInput }>>;

/** Options of a `PaperExchange`. */
export interface CoreConfig {
  readonly clock: Clock;
  /** A `GET /fapi/v1/exchangeInfo` body (e.g. the real fixture in `../shared/data/fixtures`). */
  readonly exchangeInfo: unknown;
  /** Host only these symbols (default: every TRADING perpetual in exchangeInfo). */
  readonly symbols?: readonly string[] | undefined;
  /** Fee rates per quote asset (default USDT maker 0.0002 / taker 0.0005, USDC 0 / 0.0004). */
  readonly fees?: FeeSpec | undefined;
  /** Market-order slippage as a fraction (default 0). */
  readonly slippage?: DecimalInput | undefined;
  /** Mark from candle closes (default) or along the intrabar path. */
  readonly markSource?: MarkSource | undefined;
  /** Leverage of a symbol an account never set (default 20, Binance's default). */
  readonly defaultLeverage?: number | undefined;
  /** Real leverage brackets per symbol: rows of [notionalCap, maxLeverage, maintMarginRatio]. */
  readonly brackets?: Readonly<Record<string, readonly BracketRow[]>> | undefined;
  /** Events kept per account log (default 100 000). */
  readonly maxLoggedEvents?: number | undefined;
}

export interface NewAccountSpec {
  readonly id: string;
  /** Default `paper-key-<id>`; unique across accounts (the protocol server authenticates by it). */
  readonly apiKey?: string | undefined;
  readonly apiSecret?: string | undefined;
  /** Wallet balances per asset, e.g. `{ USDC: '1000' }`. */
  readonly balances?: Readonly<Record<string, DecimalInput>> | undefined;
  /** Hedge mode (default false: one-way, Binance's default). */
  readonly dualSidePosition?: boolean | undefined;
  /** Per-account fee override per quote asset. */
  readonly fees?: FeeSpec | undefined;
}

export function feeMap(
  spec: FeeSpec | undefined,
  base: ReadonlyMap<string, FeeRates>,
): Map<string, FeeRates> {
  const out = new Map(base);
  for (const [asset, r] of Object.entries(spec ?? {})) {
    out.set(asset, { maker: dec(r.maker, `${asset} maker fee`), taker: dec(r.taker, `${asset} taker fee`) });
  }
  return out;
}

const DEFAULT_FEES: ReadonlyMap<string, FeeRates> = new Map([
  ['USDT', { maker: dec('0.0002'), taker: dec('0.0005') }],
  ['USDC', { maker: dec('0'), taker: dec('0.0004') }],
]);

function newMarket(rules: MarketRules, brackets: readonly LeverageBracket[]): MarketState {
  return {
    rules,
    brackets,
    last: undefined,
    mark: undefined,
    bid: undefined,
    ask: undefined,
    priceTime: 0,
    nextTradeId: 1_000_001,
    lastTradeTime: 0,
    buys: [],
    sells: [],
    algos: [],
    klines: [],
    tickKline: undefined,
    markPublishedAt: Number.NEGATIVE_INFINITY,
    funding: [],
    fundingCursor: 0,
    lastFundingRate: ZERO,
  };
}

export function buildCore(
  config: CoreConfig,
  faults: FaultInjector,
): { core: EngineCore; info: ExchangeInfoJson } {
  const { info, rules } = parseExchangeInfo(config.exchangeInfo);
  const leverage = config.defaultLeverage ?? 20;
  if (!Number.isInteger(leverage) || leverage < 1)
    throw new Error(`defaultLeverage must be an integer ≥ 1, got ${leverage}`);
  const options = {
    fees: feeMap(config.fees, DEFAULT_FEES),
    slippage: decNonNeg(config.slippage ?? '0', 'slippage'),
    markSource: config.markSource ?? 'close',
    defaultLeverage: leverage,
    maxLoggedEvents: config.maxLoggedEvents ?? 100_000,
  };
  const markets = new Map<string, MarketState>();
  const wanted = config.symbols ? new Set(config.symbols) : undefined;
  for (const w of wanted ?? []) {
    if (!rules.has(w)) throw new Error(`symbols: ${w} is not a TRADING perpetual in exchangeInfo`);
  }
  for (const [symbol, r] of rules) {
    if (wanted && !wanted.has(symbol)) continue;
    const rows = config.brackets?.[symbol];
    markets.set(symbol, newMarket(r, rows ? bracketsFromTable(rows) : defaultBrackets(symbol)));
  }
  const core: EngineCore = {
    clock: config.clock,
    eventTime: undefined,
    options,
    markets,
    accounts: new Map(),
    hub: new EventHub(config.clock, faults, options.maxLoggedEvents),
    faults,
    ids: {
      nextOrderId: 8_000_000_001,
      nextAlgoId: 1_000_001,
      nextTranId: 1,
      nextBookSeq: 1,
      nextGeneratedClientId: 1,
    },
  };
  return { core, info };
}

export function newAccountState(core: EngineCore, spec: NewAccountSpec, apiKey: string): AccountState {
  const wallets = new Map<string, Decimal>();
  for (const [asset, v] of Object.entries(spec.balances ?? {}))
    wallets.set(asset, decNonNeg(v, `balances.${asset}`));
  return {
    id: spec.id,
    apiKey,
    apiSecret: spec.apiSecret ?? `paper-secret-${spec.id}`,
    dualSidePosition: spec.dualSidePosition ?? false,
    fees: feeMap(spec.fees, new Map()),
    wallets,
    positions: new Map(),
    leverage: new Map(),
    orders: new Map(),
    ordersByClientId: new Map(),
    openOrders: new Map(),
    orderTotals: new Map(),
    algos: new Map(),
    algosByClientId: new Map(),
    openAlgos: new Map(),
    trades: new Map(),
    income: [],
    walletUpdateTime: core.clock.now(),
  };
}

/** A transfer into (positive) or out of (negative) the futures wallet, as ACCOUNT_UPDATE DEPOSIT/WITHDRAW. */
export function deposit(core: EngineCore, accountId: string, asset: string, amount: DecimalInput): void {
  const a = accountOf(core, accountId);
  const amt = dec(amount, 'deposit amount');
  const wallet = (a.wallets.get(asset) ?? ZERO).plus(amt);
  if (wallet.isNegative()) throw new Error(`deposit: ${asset} wallet of ${accountId} would go negative`);
  a.wallets.set(asset, wallet);
  const now = core.clock.now();
  a.walletUpdateTime = now;
  a.income.push({
    symbol: '',
    incomeType: 'TRANSFER',
    income: amt,
    asset,
    time: now,
    tranId: core.ids.nextTranId++,
    tradeId: null,
  });
  core.hub.emitAccount(accountId, {
    type: 'accountUpdate',
    eventTime: now,
    transactionTime: now,
    reason: amt.isNegative() ? 'WITHDRAW' : 'DEPOSIT',
    balances: [{ asset, walletBalance: wallet, crossWalletBalance: wallet, balanceChange: amt }],
    positions: [],
  });
}

/** POST /fapi/v1/positionSide/dual: -4059 when unchanged, -4067 with open orders, -4068 with positions. */
export function setPositionMode(core: EngineCore, accountId: string, dualSidePosition: boolean): void {
  const a = accountOf(core, accountId);
  if (a.dualSidePosition === dualSidePosition) throw binanceErrors.noNeedToChangePositionSide();
  if (a.openOrders.size > 0 || a.openAlgos.size > 0) throw binanceErrors.positionSideChangeWithOrders();
  for (const p of a.positions.values())
    if (!p.qty.isZero()) throw binanceErrors.positionSideChangeWithPosition();
  a.dualSidePosition = dualSidePosition;
}

/** POST /fapi/v1/leverage: 1 … the first bracket's max leverage (-4028 otherwise); ACCOUNT_CONFIG_UPDATE. */
export function setLeverage(
  core: EngineCore,
  accountId: string,
  symbol: string,
  leverage: number,
): { leverage: number; maxNotionalValue: Decimal; symbol: string } {
  const market = marketOf(core, symbol);
  if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(market.brackets)) {
    throw binanceErrors.invalidLeverage(String(leverage));
  }
  accountOf(core, accountId).leverage.set(symbol, leverage);
  const now = core.clock.now();
  core.hub.emitAccount(accountId, {
    type: 'accountConfigUpdate',
    eventTime: now,
    transactionTime: now,
    symbol,
    leverage,
  });
  return { leverage, maxNotionalValue: maxNotionalFor(market.brackets, leverage), symbol };
}
