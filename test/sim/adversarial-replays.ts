/**
 * `npm run replays`: month-long replays of the real candles in `../shared/data/ohlcv_1m` with adversarial
 * Key Level Grid configs (dense levels, ATR levels with drift rebuild, large units on small balances,
 * `max_fill_per_level` 2 with a locked base, average-entry stops), judged by the simulator's own checks
 * (invariants and event checks: a holding without a stop for over a minute, a liquidation, an alert storm,
 * a fill outside its candle). One line per run; exits 1 when any run has a violation or a failed job.
 *
 *   npm run replays                       # every data set, every config (about 10 minutes)
 *   npm run replays -- doge25 dense,atrDrift
 */
import { runSimulation } from '../../shared/composition/sim.js';
import { dec } from '../../shared/domain/money.js';
import { levelsBetween, ohlcv, repoRoot, simConfig } from '../support/sim.js';

interface DataSet {
  file: string;
  symbol: string;
  from: string;
  to: string;
  lo: number;
  hi: number;
  digits: number;
  unit: string;
  small: string;
}

const DATA: Record<string, DataSet> = {
  doge25: {
    file: 'binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv',
    symbol: 'DOGE/USDT:USDT',
    from: '2025-05-26T00:00:00Z',
    to: '2025-06-23T00:00:00Z',
    lo: 0.14,
    hi: 0.25,
    digits: 4,
    unit: '1000',
    small: '2500',
  },
  doge23: {
    file: 'binance_usdm_DOGEUSDT_1m_2023-07-18_2023-08-17.csv',
    symbol: 'DOGE/USDT:USDT',
    from: '2023-07-19T00:00:00Z',
    to: '2023-08-16T00:00:00Z',
    lo: 0.055,
    hi: 0.09,
    digits: 5,
    unit: '3000',
    small: '8000',
  },
  btc23: {
    file: 'binance_usdm_BTCUSDT_1m_2023-07-18_2023-08-17.csv',
    symbol: 'BTC/USDT:USDT',
    from: '2023-07-19T00:00:00Z',
    to: '2023-08-16T00:00:00Z',
    lo: 25000,
    hi: 31500,
    digits: 1,
    unit: '0.01',
    small: '0.012',
  },
  eth25: {
    file: 'binance_usdm_ETHUSDT_1m_2025-05-04_2025-06-24.csv',
    symbol: 'ETH/USDT:USDT',
    from: '2025-05-05T00:00:00Z',
    to: '2025-06-23T00:00:00Z',
    lo: 1700,
    hi: 3000,
    digits: 2,
    unit: '0.1',
    small: '0.2',
  },
};

/** Config overrides and the USDT balance per adversarial variant. */
const VARIANTS: Record<string, (d: DataSet) => [Record<string, unknown>, number]> = {
  dense: (d) => [
    {
      levels: { source: 'manual', prices: levelsBetween(d.lo, d.hi, 0.004, d.digits) },
      base_amount_per_grid: d.unit,
    },
    100_000,
  ],
  atrDrift: (d) => [
    {
      levels: { source: 'atr', timeframe: '1h' },
      base_amount_per_grid: d.unit,
      rebuild: { drift_enabled: true },
    },
    20_000,
  ],
  bigUnitSmallBal: (d) => [
    {
      levels: { source: 'manual', prices: levelsBetween(d.lo, d.hi, 0.02, d.digits) },
      base_amount_per_grid: d.small,
    },
    300,
  ],
  maxFill2Locked: (d) => [
    {
      levels: { source: 'manual', prices: levelsBetween(d.lo, d.hi, 0.01, d.digits) },
      base_amount_per_grid: d.unit,
      max_fill_per_level: 2,
      base_position_locked: (Number(d.unit) * 2).toString(),
    },
    50_000,
  ],
  avgEntryStop: (d) => [
    {
      levels: { source: 'manual', prices: levelsBetween(d.lo, d.hi, 0.01, d.digits) },
      base_amount_per_grid: d.unit,
      stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.03' },
    },
    50_000,
  ],
};

const sets = process.argv[2] ? process.argv[2].split(',') : Object.keys(DATA);
const only = process.argv[3]?.split(',');
let bad = 0;
for (const name of sets) {
  const d = DATA[name];
  if (!d) throw new Error(`no data set ${name}: one of ${Object.keys(DATA).join(', ')}`);
  for (const [variant, make] of Object.entries(VARIANTS)) {
    if (only && !only.includes(variant)) continue;
    const [instance, balance] = make(d);
    const config = simConfig(
      { symbol: d.symbol, ...(instance as { base_amount_per_grid: string; levels: never }) },
      { balances: { main: { USDT: balance } } },
    );
    // ATR levels need 202 h of history before the start.
    const from = Date.parse(d.from) + (variant === 'atrDrift' ? 9 * 86_400_000 : 0);
    const started = Date.now();
    try {
      const r = await runSimulation({
        config: { config, dir: repoRoot },
        candles: { [d.symbol]: ohlcv(d.file) },
        from,
        to: Date.parse(d.to),
        store: 'memory',
      });
      const s = r.summary.instances[0]!;
      const alerts = Object.entries(s.alerts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `${name} ${variant}: ${((Date.now() - started) / 1000).toFixed(0)} s, fills ${s.fills.count}, liquidations ${s.fills.liquidation}, protective closes ${s.fills.protectiveClose}, stop-loss fills ${s.fills.stopLoss}, pnl ${dec(s.pnl).toFixed(2)}, violations ${s.violations.length}, failed jobs ${r.summary.jobFailures.length}; alerts: ${alerts}`,
      );
      for (const v of s.violations.slice(0, 5)) console.log(`    ${v}`);
      bad += s.violations.length + r.summary.jobFailures.length;
    } catch (e) {
      // A config the simulator refuses at start (it cannot work on that balance) is reported, not a failure.
      console.log(`${name} ${variant}: refused at start: ${(e as Error).message.slice(0, 200)}`);
    }
  }
}
process.exit(bad > 0 ? 1 : 0);
