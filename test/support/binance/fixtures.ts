/** Paths to the real Binance data beside the repository (`../shared/data`), read-only. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedData = resolve(repoRoot, '../shared/data');
export const fixturesDir = resolve(sharedData, 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(resolve(fixturesDir, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

/** Lines of a `.jsonl` fixture, parsed. */
export function fixtureLines(name: string): unknown[] {
  return fixtureText(name)
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as unknown);
}

export const EXCHANGE_INFO_SUBSET = 'binance_usdm_exchangeInfo_2025-11-26_subset.json';
export const USER_DATA_CAPTURE = 'binance_usdm_user_data_BTCUSDT_2024-11-18_live_capture.jsonl';
export const MARKET_WS_CAPTURE = 'binance_usdm_market_ws_2021-07-22_30s_capture.jsonl';
