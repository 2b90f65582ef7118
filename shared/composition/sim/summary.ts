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
 *
 * `performance` (per instance) holds the figures a trader reads first — return, buy and hold, grid profit
 * against inventory PnL, drawdown and its duration, Sharpe / Sortino / Calmar, profit factor, exposure, the
 * daily and weekly breakdown, the per-level table — as defined in `domain/sim/performance.ts`, and
 * `blocked`: every condition that held trading back (a grid unit below the exchange minimum, a pre-trade
 * check, ...), when and for how long, with the figures that explain it, and a one-line `note` saying it.
 */

import type { PaperExchange } from '../../adapters/paper/engine.js';
import type { CandleInput } from '../../adapters/paper/market-driver.js';
import type { PaperExchangePort } from '../../adapters/paper/paper-exchange-port.js';
import { guardView } from '../../application/guard-rails.js';
import type { ReplayResult } from '../../application/sim/replay.js';
import type { Alert } from '../../domain/commands.js';
import type { DeploymentConfig, InstanceConfig } from '../../domain/config/deployment.js';
import { type Decimal, dec, sumDec, ZERO } from '../../domain/money.js';
import { plainJson } from '../../domain/schema-helpers.js';
import { type FundingPoint, type PerfFill, performanceOf } from '../../domain/sim/performance.js';
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
  /** The candles of the period per symbol (buy and hold). */
  readonly candles?: ReadonlyMap<string, readonly CandleInput[]>;
  /** The alerts as the notifier got them, with their figures (`data`), in the order they were raised. */
  readonly alertData?: readonly Alert[];
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

/** Each funding payment of an account on a symbol, with its time. */
function fundingPoints(ex: PaperExchange, accountId: string, symbolId: string): FundingPoint[] {
  const out: FundingPoint[] = [];
  let startTime = 0;
  for (;;) {
    const page = ex.income(accountId, {
      symbol: symbolId,
      incomeType: 'FUNDING_FEE',
      startTime,
      limit: 1000,
    });
    out.push(...page.map((r) => ({ t: r.time, amount: r.income })));
    if (page.length < 1000) return out;
    startTime = page[page.length - 1]!.time + 1;
  }
}

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
  const performance = performanceSummary(inst, s, {
    events,
    legs,
    start,
    equity,
    tradingPnl: sumDec(facts.map((f) => f.realized.plus(f.unrealized))).minus(tradingFees),
    fees: tradingFees.plus(clearance),
    fillsCount: fills.length,
    ordersPlaced: count(events, 'order_placed'),
    paused: state?.paused ? (state.pauseReason ?? 'paused') : null,
  });
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
    /** The same figure as `performance.maxDrawdownPct` (one drawdown rule: performance.ts). */
    maxDrawdownPct: performance.figures.maxDrawdownPct ?? '0',
    performance: performance.figures,
    blocked: performance.blocked,
    paused: state?.paused ?? false,
    pauseReason: state?.pauseReason ?? null,
    alerts,
    /**
     * The guard rails at the end: exposure and leverage of the account's equity, budget use, and the
     * pre-trade denials journaled per check (the first of each episode; repeats are counted in metrics).
     */
    // Valued at the market's last price: the stored one is the last written pass's (quiet passes are not
    // written, `quiet-pass.ts`), up to ten minutes older.
    guards: {
      ...(state
        ? guardView(
            inst,
            { ...state, lastPrice: s.exchange.lastPrice(facts[0]!.symbolId) ?? state.lastPrice },
            equity,
          )
        : {}),
      denials,
    },
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

const pct = (x: Decimal | null, places = 4): string | null =>
  x === null ? null : x.times(100).toDecimalPlaces(places).toFixed();
const money = (x: Decimal, places = 8): string => x.toDecimalPlaces(places).toFixed();
const ratio = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e4) / 1e4);
const days = (ms: number): string => (ms / 86_400_000).toFixed(2);

/** Figures an alert's `data` carries that explain a blocking condition (the position is said elsewhere). */
const CONTEXT_KEYS = new Set(['holdings', 'positionValue', 'suppressedRepeats']);

/** The performance figures and what blocked trading, from the events, equity track, candles and alerts. */
function performanceSummary(
  inst: InstanceConfig,
  s: SummaryInputs,
  x: {
    events: readonly TradingEvent[];
    legs: readonly Leg[];
    start: Decimal;
    equity: Decimal;
    tradingPnl: Decimal;
    fees: Decimal;
    fillsCount: number;
    ordersPlaced: number;
    paused: string | null;
  },
) {
  const fills: PerfFill[] = x.events
    .filter((e) => e.type === 'fill' && e.side && e.price && e.qty)
    .map((e) => ({
      ts: e.ts,
      side: e.side!,
      price: dec(e.price!),
      qty: dec(e.qty!),
      fee: decOf(e.fee),
      reason: e.reason,
      level: e.level,
      leg: e.leg,
    }));
  const track = [...(s.recorder.equityTrack.get(inst.id) ?? [])];
  const lastT = track[track.length - 1]?.t ?? s.market.to;
  if (!track[track.length - 1]?.equity.equals(x.equity)) track.push({ t: lastT, equity: x.equity });
  const candles = s.candles?.get(x.legs[0]!.symbol) ?? [];
  const funding: FundingPoint[] = [];
  const fundingInfo = s.market.funding[x.legs[0]!.symbol];
  if (fundingInfo?.modelled)
    for (const leg of x.legs)
      funding.push(...fundingPoints(s.exchange, leg.account, parseLinearSymbol(leg.symbol).id));
  const fundingTotal = sumDec(funding.map((f) => f.amount));
  const risk = (s.recorder.series.get(inst.id) ?? []).map((p) => ({
    t: p.t,
    notional: dec(p.notional ?? '0'),
    equity: dec(p.equity),
    liquidationDistance: p.liquidationDistance === undefined ? null : dec(p.liquidationDistance),
  }));
  const alerts = x.events
    .filter((e) => e.type === 'alert' && e.code)
    .map((e) => ({ ts: e.ts, code: e.code!, severity: e.severity ?? 'info', message: e.reason ?? '' }));
  const p = performanceOf({
    fills,
    equity: track,
    startBalance: x.start,
    from: s.market.from,
    to: s.market.to,
    firstPrice: candles[0]?.open ?? null,
    lastPrice: candles[candles.length - 1]?.close ?? null,
    tradingPnl: x.tradingPnl,
    funding,
    risk,
    alerts,
  });
  // The figures of the nth raise of a code are those of the notifier's nth alert of that code.
  const raised = (code: string) => alerts.filter((a) => a.code === code && a.severity !== 'info');
  const notified = (code: string) =>
    (s.alertData ?? []).filter((a) => a.instanceId === inst.id && a.code === code);
  const blocked = p.blocking.map((b) => {
    const n = raised(b.code).findIndex((a) => a.ts === b.from);
    const data = notified(b.code)[n]?.data ?? {};
    const details = Object.fromEntries(
      Object.entries(data)
        .filter(([k]) => !CONTEXT_KEYS.has(k))
        .map(([k, v]) => [k, /^-?\d+\.\d{9,}$/.test(v) ? dec(v).toDecimalPlaces(8).toFixed() : v]),
    );
    return {
      code: b.code,
      blocks: b.blocks,
      message: b.message,
      severity: b.severity,
      from: iso(b.from),
      to: b.to === null ? null : iso(b.to),
      durationDays: days(b.durationMs),
      sharePct: (b.share * 100).toFixed(2),
      details,
    };
  });
  const trips = p.trips;
  const roundTrips = trips.trades.filter((t) => t.roundTripProfit !== null).length;
  const figures = {
    returnPct: pct(p.returnPct === null ? null : p.returnPct.dividedBy(100)),
    buyAndHoldPct: pct(p.buyAndHoldPct === null ? null : p.buyAndHoldPct.dividedBy(100)),
    netPnl: money(p.pnl),
    tradingPnl: money(p.tradingPnl),
    gridProfit: money(p.gridProfit),
    inventoryPnl: money(p.inventoryPnl),
    fees: money(x.fees),
    funding: money(fundingTotal),
    maxDrawdownPct: pct(p.drawdown.max),
    maxDrawdown: {
      peakAt: p.drawdown.peakAt === null ? null : iso(p.drawdown.peakAt),
      troughAt: p.drawdown.troughAt === null ? null : iso(p.drawdown.troughAt),
      recoveredAt: p.drawdown.recoveredAt === null ? null : iso(p.drawdown.recoveredAt),
      longestDurationDays: days(p.drawdown.longestMs),
      longestFrom: p.drawdown.longestFrom === null ? null : iso(p.drawdown.longestFrom),
      longestTo: p.drawdown.longestTo === null ? null : iso(p.drawdown.longestTo),
    },
    days: p.ratios.days,
    sharpe: ratio(p.ratios.sharpe),
    sortino: ratio(p.ratios.sortino),
    calmar: ratio(p.ratios.calmar),
    annualizedReturnPct: p.ratios.annualizedReturn === null ? null : ratio(p.ratios.annualizedReturn * 100),
    profitFactor: p.profitFactor === null ? null : money(p.profitFactor, 4),
    grossProfit: money(trips.grossProfit),
    grossLoss: money(trips.grossLoss),
    roundTrips,
    wins: trips.wins,
    losses: trips.losses,
    winRatePct: roundTrips > 0 ? ((trips.wins / roundTrips) * 100).toFixed(2) : null,
    exposure: {
      maxNotional: money(p.exposure.maxNotional, 4),
      maxLeverage: p.exposure.maxLeverage === null ? null : money(p.exposure.maxLeverage, 4),
      minLiquidationDistancePct: pct(p.exposure.minLiquidationDistance, 2),
    },
    daily: p.daily.map(periodJson),
    weekly: p.weekly.map(periodJson),
    levels: trips.levels.map((l) => ({
      level: l.level,
      buys: l.buys,
      sells: l.sells,
      boughtQty: l.boughtQty.toFixed(),
      soldQty: l.soldQty.toFixed(),
      fees: money(l.fees),
      roundTrips: l.roundTrips,
      profit: money(l.profit),
      timeLockedDays: days(l.timeLockedMs),
    })),
    conditions: p.episodes.map((e) => ({
      code: e.code,
      severity: e.severity,
      message: e.message,
      from: iso(e.from),
      to: e.to === null ? null : iso(e.to),
      durationDays: days(e.durationMs),
    })),
  };
  return {
    figures,
    blocked: { note: blockedNote(blocked, x.fillsCount, x.ordersPlaced, x.paused), conditions: blocked },
  };
}

function periodJson(r: ReturnType<typeof performanceOf>['daily'][number]) {
  return {
    period: r.period,
    openEquity: money(r.openEquity),
    closeEquity: money(r.closeEquity),
    pnl: money(r.pnl),
    returnPct: r.returnPct === null ? null : r.returnPct.toDecimalPlaces(4).toFixed(),
    fills: r.fills,
    buys: r.buys,
    sells: r.sells,
    fees: money(r.fees),
    gridProfit: money(r.gridProfit),
    funding: money(r.funding),
  };
}

/** One sentence: whether trading was held back, by what, for how long (`null` when nothing blocked it). */
function blockedNote(
  blocked: readonly {
    blocks: string;
    details: Record<string, string>;
    sharePct: string;
    to: string | null;
  }[],
  fills: number,
  ordersPlaced: number,
  paused: string | null,
): string | null {
  // One clause per kind of block: its episodes' share of the run together, the figures each named.
  const byKind = new Map<
    string,
    { share: number; figures: Map<string, Set<string>>; open: boolean; n: number }
  >();
  for (const b of blocked) {
    const k = byKind.get(b.blocks) ?? { share: 0, figures: new Map(), open: false, n: 0 };
    k.share += Number(b.sharePct);
    k.open ||= b.to === null;
    k.n += 1;
    for (const [key, v] of Object.entries(b.details))
      k.figures.set(key, (k.figures.get(key) ?? new Set()).add(v));
    byKind.set(b.blocks, k);
  }
  const parts = [...byKind].map(([blocks, k]) => {
    const figures = [...k.figures].map(([key, v]) => `${key} ${[...v].join(' / ')}`).join(', ');
    return `${blocks}${figures ? ` (${figures})` : ''} for ${Math.min(100, k.share).toFixed(2)}% of the run${k.n > 1 ? ` (${k.n} episodes)` : ''}${k.open ? ', still at the end' : ''}`;
  });
  if (paused) parts.push(`the instance ended paused: ${paused}`);
  if (parts.length === 0 && fills === 0)
    return ordersPlaced === 0
      ? 'no fills: no order was placed, and no alert says why'
      : `no fills: ${ordersPlaced} orders were placed, and the market reached none of them`;
  if (parts.length === 0) return null;
  return `${fills === 0 ? 'NO FILLS — trading was blocked' : 'trading was held back'}: ${parts.join('; ')}`;
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
