/** The real trade ticks in `../shared/data/ticks` (Binance USD-M aggregate trades), parsed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Decimal, dec } from '../../shared/domain/money.js';
import { sharedData } from './paper.js';

export interface Tick {
  readonly at: number;
  readonly price: Decimal;
  readonly qty: Decimal;
  /** The taker sold (the buyer was the maker): the trade printed at the bid. */
  readonly sellerTook: boolean;
}

export const TICK_FILES = [
  'binance_usdm_BTCUSDT_trades_2023-04-04T2358_2023-04-05T0006.csv',
  'binance_usdm_BTCUSDT_trades_2024-07-18T2357_2024-07-19T0005.csv',
  'binance_usdm_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0000.csv',
] as const;

export function readTicks(file: string): Tick[] {
  return readFileSync(join(sharedData, 'ticks', file), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [t, , p, q, buyerMaker] = l.split(',');
      return { at: Number(t), price: dec(p!), qty: dec(q!), sellerTook: buyerMaker === 'true' };
    });
}
