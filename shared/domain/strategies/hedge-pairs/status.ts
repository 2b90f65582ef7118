/**
 * What `gridbot status`, the simulator's report and the e-mailed status report say of hedge pairs: per
 * pair its accounts, where it is in its life and why, each leg's position, entry and stop, its combined
 * unrealized PnL at the last price seen, what it realized, paid and traded, and its last error.
 */
import { type Decimal, ZERO } from '../../money.js';
import type { HedgePairsConfig } from './config.js';
import { legPnl } from './pairs.js';
import type { HedgePairsState, PairLeg } from './state.js';

function legView(role: string, l: PairLeg | undefined, mark: Decimal | null) {
  if (!l) return { account: role };
  return {
    account: role,
    side: l.side,
    position: l.qty.toFixed(),
    entry: l.entry.isZero() ? null : l.entry.toFixed(),
    stop: l.stopTrigger?.toFixed() ?? null,
    unrealizedPnl: mark ? legPnl(l, mark).toDecimalPlaces(8).toFixed() : null,
  };
}

export interface PairRow {
  readonly pair: number;
  readonly status: string;
  readonly reason: string | null;
  readonly long: ReturnType<typeof legView>;
  readonly short: ReturnType<typeof legView>;
  readonly unrealizedPnl: string | null;
  readonly realizedPnl: string;
  readonly fees: string;
  readonly volume: string;
  readonly rotations: number;
  readonly errors: number;
  readonly lastError: { readonly at: string; readonly message: string } | null;
}

/** One row per pair, in pair order. */
export function pairRows(state: HedgePairsState): PairRow[] {
  const mark = state.lastPrice;
  return state.pairs.map((p, i) => {
    const long = state.legs[p.long];
    const short = state.legs[p.short];
    const legs = [long, short].filter((l): l is PairLeg => l !== undefined);
    const sum = (f: (l: PairLeg) => Decimal) => legs.reduce((a, l) => a.plus(f(l)), ZERO);
    return {
      pair: i + 1,
      status: p.status,
      reason: p.reason,
      long: legView(p.long, long, mark),
      short: legView(p.short, short, mark),
      unrealizedPnl: mark
        ? sum((l) => legPnl(l, mark))
            .toDecimalPlaces(8)
            .toFixed()
        : null,
      realizedPnl: sum((l) => l.realized)
        .toDecimalPlaces(8)
        .toFixed(),
      fees: sum((l) => l.fees)
        .toDecimalPlaces(8)
        .toFixed(),
      volume: sum((l) => l.volume).toFixed(),
      rotations: p.rotations,
      errors: p.errors,
      lastError: p.lastError
        ? { at: new Date(p.lastError.at).toISOString(), message: p.lastError.message }
        : null,
    };
  });
}

export function hedgePairsStatus(config: HedgePairsConfig, state: HedgePairsState): Record<string, unknown> {
  const rows = pairRows(state);
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  return {
    instanceId: config.id,
    initialized: true,
    strategy: config.strategy,
    symbol: config.symbol,
    paused: state.paused,
    pauseReason: state.pauseReason,
    lastPrice: state.lastPrice?.toFixed() ?? null,
    summary: {
      pairs: rows.length,
      open: count('open'),
      opening: count('opening'),
      idle: count('idle'),
      closing: count('closing'),
      stopped: count('stopped'),
      skipped: count('skipped'),
    },
    pairs: rows,
  };
}

/** The simulator's report: the pairs and what they came to. */
export function hedgePairsReport(config: HedgePairsConfig, state: HedgePairsState): Record<string, unknown> {
  const rows = pairRows(state);
  return {
    pairs: rows,
    totals: {
      realizedPnl: rows.reduce((a, r) => a.plus(r.realizedPnl), ZERO).toFixed(),
      fees: rows.reduce((a, r) => a.plus(r.fees), ZERO).toFixed(),
      volume: rows.reduce((a, r) => a.plus(r.volume), ZERO).toFixed(),
      stoppedByLoss: state.pairs.filter((p) => p.status === 'stopped' && p.reason?.startsWith('stop_loss'))
        .length,
      notionalPerLeg: config.notional_usd.toFixed(),
    },
  };
}
