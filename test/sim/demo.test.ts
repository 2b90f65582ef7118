import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { dec } from '../../shared/domain/money.js';
import { checkEventLog, netFilled } from '../../shared/domain/sim/event-checks.js';
import { demoConfigPath, readEvents, tempDir } from '../support/sim.js';
import { asKlgConfig } from '../support/strategies/klg/state.js';

const out = [tempDir(), tempDir()];
let first: SimResult;
let second: SimResult;

beforeAll(async () => {
  first = await runSimulation({ config: demoConfigPath, store: 'memory', outDir: out[0]!.path });
  second = await runSimulation({ config: demoConfigPath, store: 'memory', outDir: out[1]!.path });
});
afterAll(() => {
  for (const d of out) d.remove();
});

describe('the demo simulation (examples/demo.yaml on the built-in market)', () => {
  it('writes summary.json, events.jsonl and report.html', () => {
    const names = first.files.map((f) => f.slice(out[0]!.path.length + 1)).sort();
    expect(names).toEqual(['events.jsonl', 'report.html', 'sim.log', 'summary.json']);
    const summary = JSON.parse(readFileSync(join(out[0]!.path, 'summary.json'), 'utf8'));
    expect(summary.market.source).toBe('demo');
    expect(summary.symbols['DOGE/USDC:USDC']).toMatchObject({
      source: 'built-in',
      tickSize: '0.00001',
      stepSize: '1',
      minNotional: '5',
      contractSize: '1',
    });
    expect(summary.config.instances[0].sell_quota_ratio).toBe('0.7');
    expect(summary.config.simulation.heartbeat_interval_sec).toBe(600);
    expect(readFileSync(join(out[0]!.path, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('gives byte-identical events.jsonl and summary.json for the same inputs', () => {
    const read = (i: number, f: string) => readFileSync(join(out[i]!.path, f), 'utf8');
    expect(read(0, 'events.jsonl').length).toBeGreaterThan(1000);
    expect(read(1, 'events.jsonl')).toBe(read(0, 'events.jsonl'));
    expect(read(1, 'summary.json')).toBe(read(0, 'summary.json'));
    expect(second.eventsJsonl).toBe(first.eventsJsonl);
  });

  it('trades through the range, the rally and the sell-off, every fill answered by the event track', () => {
    const s = first.summary.instances[0]!;
    expect(s.fills.buys).toBeGreaterThan(10);
    expect(s.fills.sells).toBeGreaterThan(3);
    expect(s.orders.placed).toBeGreaterThan(s.fills.count);
    expect(s.orders.stopsPlaced).toBeGreaterThan(0);
    // The stream worker delivered each fill to handleFill; recon had none left to recover.
    expect(first.summary.streamWorker.fills).toBe(s.fills.count);
    expect(first.summary.jobs).toEqual({ recon: 289, recompute: 73, risk: 73 });
    expect(first.summary.jobFailures).toEqual([]);
  });

  it('keeps every promise of the grid on its event log, and its books agree with the exchange', () => {
    const events = readEvents(join(out[0]!.path, 'events.jsonl'));
    const s = first.summary.instances[0]!;
    const config = asKlgConfig(first.plan.instances[0]);
    const feed = first.plan.feeds[0]!;
    expect(
      checkEventLog(events, {
        sellGuard: {
          minProfitPct: config.min_profit_pct,
          sellQuotaRatio: config.sell_quota_ratio,
          baseAmountPerGrid: config.base_amount_per_grid ?? null,
        },
        tickSize: dec('0.00001'),
        stepSize: dec('1'),
        candles: feed.candles,
      }),
    ).toEqual([]);
    expect(s.violations).toEqual([]);
    expect(netFilled(events).toFixed()).toBe(s.holdings);
    expect(s.exchangePosition).toBe(s.holdings);
    expect(dec(s.fills.boughtQty).minus(s.fills.soldQty).toFixed()).toBe(s.holdings);
    expect(events.map((e) => e.ts)).toEqual([...events.map((e) => e.ts)].sort((a, b) => a - b));
  });

  it('reports equity and drawdown from the exchange', () => {
    const s = first.summary.instances[0]!;
    expect(s.startBalance).toBe('5000');
    expect(dec(s.equity).equals(dec(s.startBalance).plus(s.pnl))).toBe(true);
    expect(dec(s.maxDrawdownPct).greaterThan(0)).toBe(true);
    expect(dec(s.realizedPnl).greaterThan(0)).toBe(true);
  });
});
