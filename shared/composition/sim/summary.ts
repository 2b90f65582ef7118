/**
 * `summary.json`: the effective configuration (defaults filled in), the symbol rules used and where they
 * came from, and per instance what the bot did and where it ended: orders placed / cancelled / amended /
 * rejected, fills, holdings, average entry, realized and unrealized PnL, fees (the trading fees of its
 * fills plus the clearance fee of a liquidation on its symbol, each also on its own line), funding,
 * equity, maximum drawdown, and every invariant violation the run detected. Funding is a figure only when
 * it was modelled (`{ modelled: true, total, file }`); otherwise `{ modelled: false, note }` says why,
 * never a silent 0. Figures come from the exchange where the exchange is the authority (position, PnL,
 * funding, clearance fee, equity) and from the bot's ledger where it is (holdings and average entry as
 * the grid knows them). The clearance fee and funding are per symbol (the exchange's income records), so
 * two instances on one account and symbol both report the whole. No wall-clock figure appears, so the
 * file is as reproducible as `events.jsonl`.
 */

import type { PaperExchange } from '../../adapters/paper/engine.js';
import type { PaperExchangePort } from '../../adapters/paper/paper-exchange-port.js';
import { guardView } from '../../application/guard-rails.js';
import type { ReplayResult } from '../../application/sim/replay.js';
import type { DeploymentConfig, InstanceConfig } from '../../domain/config/deployment.js';
import { type Decimal, dec, sumDec, ZERO } from '../../domain/money.js';
import { plainJson } from '../../domain/schema-helpers.js';
import { legsOf, strategyOf } from '../../domain/strategies/index.js';
import type { InstanceEnvelope, Leg, SimOpening } from '../../domain/strategy.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import type { TradingEvent } from '../../ports/events.js';
import type { FundingInfo } from './funding.js';
import { parseLinearSymbol, type SimMarkets } from './markets.js';
import { type Recorder, signedQty } from './recorder.js';

export interface MarketInfo {
  readonly source: 'demo' | 'candles' | 'ticks';
  readonly files: Readonly<Record<string, string>>;
  readonly from: number;
  readonly to: number;
  readonly candles: Readonly<Record<string, number>>;
  readonly historyCandles: Readonly<Record<string, number>>;
  /** Per symbol: whether funding is modelled, from which file, or why not. */
  readonly funding: Readonly<Record<string, FundingInfo>>;
}

export interface SummaryInputs {
  readonly config: DeploymentConfig;
  readonly store: string;
  readonly markets: SimMarkets;
  readonly rules: ReadonlyMap<string, SymbolRules>;
  readonly market: MarketInfo;
  readonly replay: ReplayResult;
  readonly events: readonly TradingEvent[];
  readonly states: ReadonlyMap<string, InstanceEnvelope | null>;
  readonly eventViolations: ReadonlyMap<string, readonly string[]>;
  readonly recorder: Recorder;
  readonly exchange: PaperExchange;
  readonly ports: ReadonlyMap<string, PaperExchangePort>;
  readonly balances: ReadonlyMap<string, ReadonlyMap<string, Decimal>>;
  /** Positions opened by hand when the bot started (`simulation.positions`). */
  readonly openings?: readonly SimOpening[];
}

const iso = (t: number): string => new Date(t).toISOString();

function count(events: readonly TradingEvent[], type: TradingEvent['type']): number {
  return events.filter((e) => e.type === type).length;
}

/** Σ of an account's income of one type on one symbol, paging through the history. */
function incomeOf(
  ex: PaperExchange,
  accountId: string,
  symbolId: string,
  incomeType: 'FUNDING_FEE' | 'INSURANCE_CLEAR',
  keep: (income: Decimal) => boolean = () => true,
): Decimal {
  let total = ZERO;
  let startTime = 0;
  for (;;) {
    const page = ex.income(accountId, { symbol: symbolId, incomeType, startTime, limit: 1000 });
    total = total.plus(sumDec(page.map((r) => r.income).filter(keep)));
    if (page.length < 1000) return total;
    startTime = page[page.length - 1]!.time + 1;
  }
}

const fundingOf = (ex: PaperExchange, accountId: string, symbolId: string): Decimal =>
  incomeOf(ex, accountId, symbolId, 'FUNDING_FEE');

/** The liquidation clearance fee the exchange took on a symbol (positive; 0 when never liquidated). */
const clearanceOf = (ex: PaperExchange, accountId: string, symbolId: string): Decimal =>
  incomeOf(ex, accountId, symbolId, 'INSURANCE_CLEAR', (i) => i.isNegative()).negated();

/** What the exchange says of one leg: its position, PnL, funding and clearance fee. */
function legFacts(leg: Leg, s: SummaryInputs) {
  const { id: symbolId } = parseLinearSymbol(leg.symbol);
  const position = s.exchange
    .positions(leg.account, symbolId)
    .find((p) => p.positionSide === leg.positionSide);
  return {
    leg,
    symbolId,
    position: signedQty(leg, position?.positionAmt ?? ZERO),
    realized: position?.cumRealized ?? ZERO,
    unrealized: position?.unRealizedProfit ?? ZERO,
    clearance: clearanceOf(s.exchange, leg.account, symbolId),
  };
}

async function instanceSummary(inst: InstanceConfig, s: SummaryInputs) {
  const legs = legsOf(inst);
  const first = legs[0]!;
  const events = s.events.filter((e) => e.instanceId === inst.id);
  const fills = events.filter((e) => e.type === 'fill');
  const bought = sumDec(fills.filter((e) => e.side === 'buy').map((e) => decOf(e.qty)));
  const sold = sumDec(fills.filter((e) => e.side === 'sell').map((e) => decOf(e.qty)));
  const facts = legs.map((leg) => legFacts(leg, s));
  // Equity and the starting balance over each account (and settlement asset) the legs use, once each.
  let equity = ZERO;
  let start = ZERO;
  const counted = new Set<string>();
  for (const leg of legs) {
    const { quote } = parseLinearSymbol(leg.symbol);
    const key = `${leg.account}|${quote}`;
    if (counted.has(key)) continue;
    counted.add(key);
    equity = equity.plus((await s.ports.get(leg.account)!.balance(quote)).marginBalance);
    start = start.plus(s.balances.get(leg.account)?.get(quote) ?? ZERO);
  }
  const state = s.states.get(inst.id) ?? null;
  const ledger = state ? strategyOf(inst).ledger(state) : null;
  const tradingFees = sumDec(fills.map((e) => decOf(e.fee)));
  const clearance = sumDec(facts.map((f) => f.clearance));
  const alerts: Record<string, number> = {};
  for (const e of events)
    if (e.type === 'alert') alerts[e.code ?? 'alert'] = (alerts[e.code ?? 'alert'] ?? 0) + 1;
  const denials: Record<string, number> = {};
  for (const e of events)
    if (e.type === 'order_rejected' && e.code?.startsWith('pre_trade_')) {
      const check = e.code.slice('pre_trade_'.length);
      denials[check] = (denials[check] ?? 0) + 1;
    }
  return {
    instance: inst.id,
    strategy: inst.strategy,
    symbol: first.symbol,
    account: first.account,
    ...(legs.length > 1
      ? {
          legs: facts.map((f) => ({
            role: f.leg.role,
            account: f.leg.account,
            symbol: f.leg.symbol,
            positionSide: f.leg.positionSide,
            exchangePosition: f.position.toFixed(),
          })),
        }
      : {}),
    period: { from: iso(s.market.from), to: iso(s.market.to) },
    candles: s.market.candles[first.symbol] ?? 0,
    orders: {
      placed: count(events, 'order_placed'),
      cancelled: count(events, 'order_cancelled'),
      amended: count(events, 'order_amended'),
      rejected: count(events, 'order_rejected'),
      stopsPlaced: count(events, 'stop_placed'),
      stopsCancelled: count(events, 'stop_cancelled'),
    },
    fills: {
      count: fills.length,
      buys: fills.filter((e) => e.side === 'buy').length,
      sells: fills.filter((e) => e.side === 'sell').length,
      boughtQty: bought.toFixed(),
      soldQty: sold.toFixed(),
      /** Fills by what closed them: the stop loss, a protective close, or the exchange's liquidation. */
      stopLoss: fills.filter((e) => e.reason === 'stop').length,
      protectiveClose: fills.filter((e) => e.reason === 'close').length,
      liquidation: fills.filter((e) => e.reason === 'liquidation').length,
    },
    holdings: (ledger?.holdings ?? ZERO).toFixed(),
    exchangePosition: sumDec(facts.map((f) => f.position)).toFixed(),
    avgEntry: (ledger?.avgEntry ?? ZERO).toFixed(),
    realizedPnl: sumDec(facts.map((f) => f.realized)).toFixed(),
    unrealizedPnl: sumDec(facts.map((f) => f.unrealized)).toFixed(),
    /** Everything the exchange charged: trading fees plus the liquidation clearance fee. */
    fees: tradingFees.plus(clearance).toFixed(),
    tradingFees: tradingFees.toFixed(),
    liquidationClearanceFee: clearance.toFixed(),
    funding: fundingSummary(s.market.funding[first.symbol], s.exchange, legs),
    startBalance: start.toFixed(),
    equity: equity.toFixed(),
    pnl: equity.minus(start).toFixed(),
    maxDrawdownPct: s.recorder.maxDrawdownOf(inst.id).times(100).toDecimalPlaces(4).toFixed(),
    paused: state?.paused ?? false,
    pauseReason: state?.pauseReason ?? null,
    alerts,
    /**
     * The guard rails at the end: exposure and leverage of the account's equity, budget use, and the
     * pre-trade denials journaled per check (the first of each episode; repeats are counted in metrics).
     */
    guards: { ...(state ? guardView(inst, state, equity) : {}), denials },
    /** The strategy's own figures (the closer: its exits against one market order at the start). */
    ...(state && strategyOf(inst).simulation.report
      ? { strategyReport: strategyOf(inst).simulation.report!(inst, state, s.openings ?? []) }
      : {}),
    violations: [
      ...s.replay.violations
        .filter((v) => v.instanceId === inst.id)
        .map((v) => `${iso(v.at)} state: ${v.message}`),
      ...(s.eventViolations.get(inst.id) ?? []).map((m) => `events: ${m}`),
    ],
  };
}

/** The funding an instance's legs paid (negative) or received, or why there is no figure. */
function fundingSummary(
  info: FundingInfo | undefined,
  ex: PaperExchange,
  legs: readonly Leg[],
): { modelled: true; total: string; file: string } | { modelled: false; note: string } {
  if (!info?.modelled) return { modelled: false, note: info?.note ?? 'funding not modelled' };
  const total = sumDec(legs.map((l) => fundingOf(ex, l.account, parseLinearSymbol(l.symbol).id)));
  return { modelled: true, total: total.toFixed(), file: info.file };
}

function decOf(text: string | undefined): Decimal {
  return text === undefined ? ZERO : dec(text);
}

export async function buildSummary(s: SummaryInputs) {
  const instances = [];
  for (const inst of s.config.instances) instances.push(await instanceSummary(inst, s));
  const symbols: Record<string, unknown> = {};
  for (const [symbol, r] of s.rules) {
    symbols[symbol] = {
      source: s.markets.sources[symbol]?.source,
      from: s.markets.sources[symbol]?.detail,
      tickSize: r.tickSize.toFixed(),
      stepSize: r.stepSize.toFixed(),
      minQty: r.minQty.toFixed(),
      maxQty: r.maxQty?.toFixed() ?? null,
      minNotional: r.minNotional.toFixed(),
      contractSize: r.contractSize.toFixed(),
      makerFee: r.makerFee.toFixed(),
      takerFee: r.takerFee.toFixed(),
    };
  }
  const violations = instances.flatMap((i) => i.violations.map((v) => `${i.instance}: ${v}`));
  return {
    gridbot: 'sim',
    store: s.store,
    market: {
      source: s.market.source,
      files: s.market.files,
      from: iso(s.market.from),
      to: iso(s.market.to),
      candles: s.market.candles,
      historyCandles: s.market.historyCandles,
      funding: s.market.funding,
    },
    config: plainJson(s.config),
    symbols,
    jobs: s.replay.jobs,
    jobFailures: s.replay.failures.map((f) => ({ ...f, at: iso(f.at) })),
    streamWorker: s.replay.worker,
    instances,
    violations,
  };
}

export type Summary = Awaited<ReturnType<typeof buildSummary>>;
