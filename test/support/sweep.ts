/**
 * Builders for sweep tests: the DOGEUSDT grid every sweep test starts from, YAML files in a temp folder,
 * and the first hours of the real DOGE month as a candle file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ohlcv } from './sim.js';

export const DOGE_MONTH = 'binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv';

/** One account, one DOGEUSDT Key Level Grid of 300 coins a level on `prices`, 5,000 USDT to start. */
export function dogeSweepBase(prices: readonly number[], more: Record<string, unknown> = {}) {
  return {
    ...more,
    accounts: [{ id: 'main', exchange: 'binanceusdm' }],
    instances: [
      {
        id: 'dogeusdt',
        strategy: 'key_level_grid',
        account: 'main',
        symbol: 'DOGE/USDT:USDT',
        levels: { source: 'manual', prices },
        base_amount_per_grid: 300,
      },
    ],
    simulation: { balances: { main: { USDT: 5000 } } },
  };
}

/** Writes `doc` as YAML into `dir`; returns its path. */
export function writeYaml(dir: string, name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(doc));
  return path;
}

/** The first `hours` of the real DOGE month as a candle file in `dir`; returns its path. */
export function dogeHours(dir: string, hours: number, name = `doge-${hours}h.csv`): string {
  const path = join(dir, name);
  const lines = readFileSync(ohlcv(DOGE_MONTH), 'utf8').split('\n');
  writeFileSync(path, `${lines.slice(0, hours * 60 + 1).join('\n')}\n`);
  return path;
}
