/**
 * The Key Level Grid as a strategy module (the first behind the seam; its behaviour is unchanged): one
 * leg, its engine's decisions, and the projections the shell and the simulator read.
 */
import { fixedLevelPrices, timeframeMs } from '../../analysis/index.js';
import type { FoundStop, LegProtectionSnapshot, LegSnapshot, StrategyModule } from '../../strategy.js';
import { type KlgConfig, klgConfigSchema } from './config.js';
import type { ReconSnapshot } from './context.js';
import { onFill } from './event-track.js';
import { checkKlgInvariants } from './invariants.js';
import { klgMarginPolicy } from './margin-guard.js';
import { applyOutcome } from './outcomes.js';
import { klgQuietBand } from './quiet-band.js';
import { type ProtectionSnapshot, planProtection, planRecon } from './recon.js';
import { ordersToLookUp } from './recon-sync.js';
import { pause, planCloseAllOrders, planCloseAllPosition, resume } from './resets.js';
import { type KlgState, klgOrderSlots, klgStateToJson, parseKlgState, type StopState } from './state.js';
import { klgStatus } from './status.js';
import { closeWhatIsHeld } from './stop-loss.js';

function only<T>(snapshots: readonly T[]): T {
  const s = snapshots[0];
  if (!s || snapshots.length !== 1)
    throw new Error(`the Key Level Grid trades one leg; got ${snapshots.length} snapshots`);
  return s;
}

function protectionSnapshot(snapshots: readonly LegProtectionSnapshot[]): ProtectionSnapshot {
  const s = only(snapshots);
  return {
    price: s.price,
    markPrice: s.markPrice,
    rules: s.rules,
    supportsAmend: s.supportsAmend,
    openOrders: s.openOrders,
    position: s.position,
  };
}

/** The engine's recon snapshot of its one leg, with the margin facts its guards use. */
export function klgReconSnapshot(snapshots: readonly LegSnapshot[], config: KlgConfig): ReconSnapshot {
  const s = only(snapshots);
  return {
    ...protectionSnapshot(snapshots),
    fills: s.fills,
    orderLookups: s.orderLookups,
    margin: {
      wallet: s.wallet,
      leverage: s.position?.leverage ?? null,
      maintMarginRate: config.risk.maint_margin_rate,
      liquidationPrice: s.position?.liquidationPrice ?? null,
      at: s.at,
    },
  };
}

/** Stops found live, as the shell journals them (a closePosition stop covers any size: no quantity). */
function found(stops: readonly StopState[]): FoundStop[] {
  return stops.map((x) => ({
    clientOrderId: x.clientOrderId,
    triggerPrice: x.triggerPrice,
    qty: x.closePosition ? null : x.coveredQty,
  }));
}

export const klgStrategy: StrategyModule<KlgConfig, KlgState> = {
  name: 'key_level_grid',
  configSchema: klgConfigSchema,
  legs: (config) => [
    { role: 'grid', account: config.account, symbol: config.symbol, positionSide: config.position_side },
  ],
  marketChannels: ['markPrice', 'bookTop'],
  jobs: ['recon', 'recompute', 'risk'],
  jobIntervalSec: (config, job) =>
    job === 'recon'
      ? config.recon_interval_sec
      : job === 'recompute'
        ? config.recompute_interval_sec
        : config.risk_interval_sec,
  parseState: parseKlgState,
  stateToJson: klgStateToJson,
  invariants: checkKlgInvariants,

  // The engine reads a fill's client id itself (an external fill is its `foreign` role, adopted by recon's
  // position check), by the same grammar the shell decodes `origin` with.
  onFill(state, fill, _leg, config, market, now) {
    const d = onFill(state, fill, config, market, now);
    return { state: d.state, commands: d.commands, applied: d.applied !== null };
  },
  applyOutcome,
  closeWhatIsHeld,

  fillCursor: (state) => state.fillCursor,
  ordersToLookUp: (state, _leg, openOrders, config, now) => ordersToLookUp(state, openOrders, config, now),
  planRecon(state, snapshots, config, now) {
    const d = planRecon(state, klgReconSnapshot(snapshots, config), config, now);
    return {
      state: d.state,
      commands: d.commands,
      fillsApplied: d.applied.length,
      stopsFound: found(d.stopsFound),
      resynced: d.resynced,
    };
  },
  planProtection(state, snapshots, config, now) {
    const d = planProtection(state, protectionSnapshot(snapshots), config, now);
    return {
      state: d.state,
      commands: d.commands,
      stopsFound: found(d.stopsFound),
    };
  },

  pause,
  resume,
  planFlattenOrders: (state, snapshots, config, now) =>
    planCloseAllOrders(state, klgReconSnapshot(snapshots, config), config, now),
  planFlattenPositions: (state, snapshots, config, now) =>
    planCloseAllPosition(state, klgReconSnapshot(snapshots, config), config, now),

  ledger: (state) => ({
    holdings: state.holdings,
    avgEntry: state.avgEntry,
    realizedPnl: state.realizedPnl,
    legs: { grid: { qty: state.holdings, avgEntry: state.avgEntry } },
  }),
  levelPrice: (state, level) => (level === null ? undefined : state.levels[level]?.price.toFixed()),
  openOrderCount: (state) => state.levels.filter((l) => l.order).length,
  orderSlots: klgOrderSlots,
  marginPolicy: (config, state, _leg, rules) => klgMarginPolicy(config, state, rules),
  protectsHoldings: (config) => config.stop_loss.enabled,
  status: klgStatus,
  // The engine only writes these (context.ts `finish`, recon.ts); the shells read the price of a decided
  // state, never of a stored one they did not decide on. A level's role and profit lock are derived from
  // the price (and the average entry) at the start of every pass and fill (`applyRoles`, `realignSells`):
  // a stored one is only what the last written pass saw, as its `lastPrice` is.
  reconVolatile: [
    'updatedAt',
    'lastReconAt',
    'lastPrice',
    'margin.at',
    'levels.*.role',
    'levels.*.profitLocked',
  ],
  monitoring: (config) => ({
    riskBreach: { onBreach: config.risk.on_breach },
    heartbeatMaxAgeSec: config.risk.heartbeat_max_age_sec,
  }),
  simulation: {
    historyNeededMs(config) {
      const source = config.levels;
      if (source.source === 'manual' || source.source === 'range') return 0;
      return (source.candles + 2) * timeframeMs(source.timeframe);
    },
    openingPrice(config, symbol) {
      // The middle of the levels the config writes down: the grid has room on both sides.
      const fixed = config.symbol === symbol ? fixedLevelPrices(config.levels) : null;
      if (!fixed) return null;
      const prices = fixed.sort((a, b) => a.comparedTo(b));
      return prices[0]!.plus(prices[prices.length - 1]!).dividedBy(2);
    },
    chartLevels: (state) => state.levels.map((l) => l.price),
    quietBand: klgQuietBand,
    eventChecks: (config) => ({
      sellGuard: {
        minProfitPct: config.min_profit_pct,
        sellQuotaRatio: config.sell_quota_ratio,
        baseAmountPerGrid: config.base_amount_per_grid ?? null,
      },
    }),
  },
};
