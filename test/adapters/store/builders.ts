/** Records for the store tests: realistic, with awkward decimals, so a lossy codec cannot pass. */
import type { InstanceConfig } from '../../../shared/domain/config/deployment.js';
import { dec } from '../../../shared/domain/money.js';
import type { ParamsRecord } from '../../../shared/domain/params.js';
import { parseKlgConfig } from '../../../shared/domain/strategies/klg/config.js';
import type { KlgState as GridState } from '../../../shared/domain/strategies/klg/state.js';
import { initialKlgState } from '../../../shared/domain/strategies/klg/state.js';
import type { JournalEntry } from '../../../shared/ports/state-store.js';

export const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);

export function klgConfig(id: string, overrides: Record<string, unknown> = {}): InstanceConfig {
  return parseKlgConfig({
    id,
    strategy: 'key_level_grid',
    account: 'main',
    symbol: 'DOGE/USDC:USDC',
    levels: { source: 'manual', prices: ['0.30125', '0.3155', '0.33'] },
    base_amount_per_grid: '50',
    min_profit_pct: '0.0075',
    ...overrides,
  });
}

/** A grid in the middle of trading: live orders in every state, a stop, fills, a cursor. */
export function busyGridState(instanceId: string): GridState {
  const base = initialKlgState(
    instanceId,
    ['0.30125', '0.3155', '0.33', '0.34875'].map((p) => dec(p)),
    T0,
    {
      paramsVersion: 3,
      anchorPrice: dec('0.3211'),
    },
  );
  const levels = base.levels.map((level, i) => {
    if (i === 3) return level;
    return {
      ...level,
      role: i < 2 ? ('SUPPORT' as const) : ('RESISTANCE' as const),
      state: (['ACTIVE', 'PLACING', 'CANCELING'] as const)[i] ?? 'ACTIVE',
      fillCounter: i === 0 ? 1 : 0,
      stateSince: T0 + i,
      profitLocked: i === 2,
      order: {
        clientOrderId: `gb${instanceId}L${i}S${i + 7}`,
        exchangeOrderId: i === 1 ? null : `81234567${i}`,
        side: i < 2 ? ('buy' as const) : ('sell' as const),
        price: level.price,
        qty: dec('158.000000000000000000000000000000000001'),
        filledQty: dec('0.000000000000000000000000000000000001'),
        openQty: dec('158'),
        seq: i + 7,
        pending: i === 1 ? ('place' as const) : i === 2 ? ('cancel' as const) : null,
        uncertain: i === 1,
      },
    };
  });
  return {
    ...base,
    epoch: 2,
    epochStartSeq: 5,
    nextSeq: 11,
    levels,
    holdings: dec('316.5'),
    avgEntry: dec('0.30837500000000000000000000000000000001'),
    realizedPnl: dec('-12.345678901234567890123456789'),
    feesPaid: dec('0.00001234'),
    releasedQuotaRemainder: dec('0.333333333333333333333333333333333333'),
    recentTrades: [
      { id: '5123456789012', time: T0 - 2000 },
      { id: '5123456789013', time: T0 - 1000 },
    ],
    fillCursor: { time: T0 - 1000, tradeId: '5123456789013' },
    boughtSinceFlat: dec('400'),
    soldSinceFlat: dec('83.5'),
    positionMismatch: { exchangeQty: dec('320'), seenAt: T0 - 60_000 },
    stops: [
      {
        clientOrderId: `gb${instanceId}STOP1`,
        exchangeOrderId: '99887766',
        triggerPrice: dec('0.29974375'),
        coveredQty: dec('316.5'),
        state: 'ACTIVE',
        since: T0,
        uncertain: false,
        closePosition: true,
      },
    ],
    paused: true,
    pauseReason: 'drawdown 15.2% ≥ 15% — "breach"',
    activeAlerts: ['DRAWDOWN', 'HEARTBEAT_STALE'],
    lastRebuildAt: T0 - 3_600_000,
    lastReconAt: T0,
    reconBackoffUntil: T0 + 120_000,
    updatedAt: T0 + 5,
  };
}

export function paramsRecord(instanceId: string, anchor = '0.3211'): ParamsRecord {
  return {
    instanceId,
    version: 0,
    computedAt: T0,
    source: 'atr',
    levelPrices: ['0.29870', '0.30125', '0.3155'].map((p) => dec(p)),
    anchorPrice: dec(anchor),
    grid: { spacing: '0.0025500000000000000001', count: '3' },
    audit: { atr: '0.00412345678901234567', period: '14', smoothing: 'RMA' },
  };
}

export function journalEntry(
  instanceId: string,
  kind: JournalEntry['kind'],
  time: number,
  id: string,
  data: JournalEntry['data'] = { price: '0.30125', qty: '158', maker: true, fee: null, n: 3 },
): JournalEntry {
  return { instanceId, kind, time, id, data };
}
