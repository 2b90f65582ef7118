/**
 * Which funding rates a simulation settles, per symbol. Funding is modelled whenever rates for the symbol
 * and the period are at hand, and the run says so either way — never a silent 0:
 *  1. `--funding SYMBOL=file` is an explicit override: that file, whatever it covers.
 *  2. Otherwise, next to a candle or tick file, a funding CSV of the same symbol is looked for: in the
 *     file's directory (where `gridbot data fetch` writes it) and in `../funding` (the layout of
 *     `../shared/data`), named `…<ID>_funding_….csv` (`binance_usdm_DOGEUSDT_funding_8h_….csv`,
 *     `DOGEUSDT_funding_2025-06-01_2025-06-08.csv`). The first, by name, whose rates span the period is used.
 *  3. Else (the demo market, no file found, or none spanning the period) funding is not modelled, with the
 *     reason in `note`.
 *
 * "Spans the period": its first rate is no later than one funding interval (8 h, plus a minute for the
 * few milliseconds Binance stamps after the hour) after the start, and its last no earlier than one
 * interval before the end — so no funding time inside the period can be missing from either end.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Decimal } from '../../domain/money.js';
import { readFundingCsv } from './market-data.js';

const INTERVAL_SLACK_MS = 8 * 3_600_000 + 60_000;

export type FundingRate = { readonly fundingTime: number; readonly fundingRate: Decimal };

export type FundingInfo =
  | {
      readonly modelled: true;
      /** `option`: given with `--funding`; `found`: found next to the market data file. */
      readonly how: 'option' | 'found';
      readonly file: string;
      /** Rates in the file (all of them are loaded; those in the period are settled). */
      readonly rates: number;
      /** Set when an explicit file does not span the period. */
      readonly note?: string;
    }
  | { readonly modelled: false; readonly note: string };

export const NOT_MODELLED = 'funding not modelled';

const iso = (t: number): string => new Date(t).toISOString();

function spans(rates: readonly FundingRate[], start: number, end: number): boolean {
  if (rates.length === 0) return false;
  const first = rates[0]!.fundingTime;
  const last = rates[rates.length - 1]!.fundingTime;
  return first <= start + INTERVAL_SLACK_MS && last >= end - INTERVAL_SLACK_MS;
}

function coverage(rates: readonly FundingRate[]): string {
  if (rates.length === 0) return 'no rates';
  return `${iso(rates[0]!.fundingTime)} → ${iso(rates[rates.length - 1]!.fundingTime)}`;
}

/** Funding CSVs of Binance id `id` next to `marketFile`, sorted by path. */
export function fundingCandidates(marketFile: string, id: string): string[] {
  const dir = dirname(resolve(marketFile));
  const pattern = new RegExp(`(^|_)${id}_funding_.*\\.csv$`);
  const out: string[] = [];
  for (const d of [dir, join(dir, '..', 'funding')]) {
    if (!existsSync(d)) continue;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names.sort()) if (pattern.test(name)) out.push(resolve(d, name));
  }
  return out;
}

const sorted = (rates: FundingRate[]): FundingRate[] =>
  [...rates].sort((a, b) => a.fundingTime - b.fundingTime);

/** The rates to settle for one symbol over [start, end], and what the run reports about them. */
export function resolveFunding(args: {
  readonly id: string;
  /** The candle or tick file replayed (undefined for the demo market). */
  readonly marketFile: string | undefined;
  /** `--funding` for this symbol. */
  readonly explicit: string | undefined;
  readonly start: number;
  readonly end: number;
}): { rates: FundingRate[]; info: FundingInfo } {
  const { id, marketFile, explicit, start, end } = args;
  if (explicit) {
    const rates = sorted(readFundingCsv(explicit));
    const note = spans(rates, start, end)
      ? undefined
      : `${basename(explicit)} covers ${coverage(rates)}, not all of ${iso(start)} → ${iso(end)}: funding outside it is not modelled`;
    return {
      rates,
      info: { modelled: true, how: 'option', file: explicit, rates: rates.length, ...(note ? { note } : {}) },
    };
  }
  if (!marketFile)
    return {
      rates: [],
      info: { modelled: false, note: `${NOT_MODELLED}: the demo market has no funding rates` },
    };
  const candidates = fundingCandidates(marketFile, id);
  if (candidates.length === 0)
    return {
      rates: [],
      info: {
        modelled: false,
        note: `${NOT_MODELLED}: no ${id} funding file next to ${basename(marketFile)} (give one with --funding)`,
      },
    };
  const seen: string[] = [];
  for (const file of candidates) {
    const rates = sorted(readFundingCsv(file));
    if (spans(rates, start, end))
      return { rates, info: { modelled: true, how: 'found', file, rates: rates.length } };
    seen.push(`${basename(file)} (${coverage(rates)})`);
  }
  return {
    rates: [],
    info: {
      modelled: false,
      note: `${NOT_MODELLED}: no ${id} funding file spans ${iso(start)} → ${iso(end)} (found ${seen.join(', ')})`,
    },
  };
}
