/**
 * What the hedge grid shows (SPEC §3.3 "Monitor"): per leg its open orders, levels by state, completed
 * cycles, trades, win rate, average profit per cycle and fees; for the pair the parameter version, the net
 * position and the risk controller's last figures (balances per account, unrealized PnL, drawdown and its
 * maximum, leverage, risk level). `gridbot status`, the admin function and the simulator's report read it.
 */
import { ZERO } from '../../money.js';
import type { HedgeGridConfig } from './config.js';
import { heldBy, levelState, restingOpens } from './executor.js';
import { type HedgeGridState, type HedgeLeg, legEntries } from './state.js';

function legFigures(l: HedgeLeg, now: number) {
  const byState: Record<string, number> = {};
  for (const lv of l.grid.levels) {
    const st = levelState(lv, now);
    byState[st] = (byState[st] ?? 0) + 1;
  }
  const closes = l.grid.levels.filter((lv) => lv.close).length;
  const net = l.stats.realized.minus(l.stats.fees);
  return {
    side: l.side,
    position: l.position.qty.toFixed(),
    heldByLevels: heldBy(l.grid).toFixed(),
    openOrders: restingOpens(l.grid).count + closes,
    openingOrders: restingOpens(l.grid).count,
    takeProfits: closes,
    levels: byState,
    stop: l.stopTrigger?.toFixed() ?? null,
    completedCycles: l.stats.cycles,
    trades: l.stats.trades,
    winRate: l.stats.cycles > 0 ? (l.stats.wins / l.stats.cycles).toFixed(4) : null,
    realized: l.stats.realized.toFixed(),
    fees: l.stats.fees.toFixed(),
    averageProfitPerCycle:
      l.stats.cycles > 0 ? net.dividedBy(l.stats.cycles).toDecimalPlaces(8).toFixed() : null,
    failure: l.failure,
  };
}

export function hedgeStatus(config: HedgeGridConfig, state: HedgeGridState): Record<string, unknown> {
  const now = state.updatedAt;
  let net = ZERO;
  for (const [, l] of legEntries(state))
    net = net.plus(l.side === 'LONG' ? l.position.qty : l.position.qty.negated());
  return {
    instanceId: config.id,
    initialized: true,
    strategy: config.strategy,
    mode: config.accounts.short ? 'two accounts' : 'single account (long leg only)',
    accounts: config.accounts,
    paused: state.paused,
    pauseReason: state.pauseReason,
    shutdown: state.shutdown,
    params: state.params
      ? {
          version: state.params.version,
          levels: state.params.levelPrices.length,
          lower: state.params.lower.toFixed(),
          upper: state.params.upper.toFixed(),
          spacing: state.params.spacing.toFixed(),
          amountPerLevel: state.params.amountPerLevel.toFixed(),
          leverage: state.params.leverage,
        }
      : null,
    netPosition: net.toFixed(),
    legs: Object.fromEntries(legEntries(state).map(([role, l]) => [role, legFigures(l, now)])),
    risk: {
      level: state.risk.level,
      breaches: state.risk.breaches,
      stopOpening: state.risk.stopOpening,
      checkedAt: state.risk.checkedAt,
      ...state.risk.metrics,
    },
  };
}

/** The simulator's figures: both legs and the pair. */
export function hedgeReport(config: HedgeGridConfig, state: HedgeGridState): Record<string, unknown> {
  const s = hedgeStatus(config, state);
  let cycles = 0;
  let wins = 0;
  let net = ZERO;
  for (const [, l] of legEntries(state)) {
    cycles += l.stats.cycles;
    wins += l.stats.wins;
    net = net.plus(l.stats.realized).minus(l.stats.fees);
  }
  return {
    params: s.params,
    legs: s.legs,
    completedCycles: cycles,
    winRate: cycles > 0 ? (wins / cycles).toFixed(4) : null,
    realizedNet: net.toFixed(),
    averageProfitPerCycle: cycles > 0 ? net.dividedBy(cycles).toDecimalPlaces(8).toFixed() : null,
    netPosition: s.netPosition,
    risk: s.risk,
  };
}
