/**
 * Builders for simulator tests: deployment configs in code, paths to the real data in `../shared/data`,
 * temporary output directories, and reading a run's `events.jsonl` back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import type { KlgConfigInput } from '../../shared/domain/strategies/klg/config.js';
import type { TradingEvent } from '../../shared/ports/events.js';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const sharedData = resolve(repoRoot, '../shared/data');
export const ohlcv = (file: string) => resolve(sharedData, 'ohlcv_1m', file);
export const demoConfigPath = resolve(repoRoot, 'examples/demo.yaml');

/** One account `main` and one KLG instance; `simulation` merged in. */
export function simConfig(
  instance: Partial<KlgConfigInput> & Pick<KlgConfigInput, 'symbol' | 'levels'>,
  simulation: Record<string, unknown> = {},
  more: Partial<KlgConfigInput>[] = [],
): DeploymentConfig {
  return parseDeploymentConfig({
    accounts: [{ id: 'main', exchange: 'binanceusdm' }],
    instances: [
      { id: 'sim1', strategy: 'key_level_grid', account: 'main', ...instance },
      ...more.map((m, i) => ({ id: `sim${i + 2}`, strategy: 'key_level_grid', account: 'main', ...m })),
    ],
    simulation,
  });
}

/** Level prices from `low` up by `stepPct` while below `high`, as decimal strings with `digits` decimals. */
export function levelsBetween(low: number, high: number, stepPct: number, digits: number): string[] {
  const out: string[] = [];
  for (let p = low; p < high; p *= 1 + stepPct) out.push(p.toFixed(digits));
  return [...new Set(out)];
}

export function tempDir(prefix = 'gridbot-sim-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function readEvents(path: string): TradingEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TradingEvent);
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
