/**
 * Two writers on one instance, as in production: the stream worker applies fills as they arrive (some
 * twice, some never), and recon applies the trades it finds on the exchange and rewrites level fields.
 * Both go through `decideAndSave` on the same store, interleaving freely.
 *
 * `raceContract` checks what must hold at the end: every fill applied exactly once (by exactly one saved
 * decision), holdings and fees equal to the sum of the distinct fills, and a gap-free version history.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type DecideAndSaveDeps, decideAndSave } from '../../../shared/application/decide-and-save.js';
import { dec, sumDec } from '../../../shared/domain/money.js';
import type { Fill } from '../../../shared/domain/orders.js';
import {
  asKlgState,
  type KlgState as GridState,
  initialKlgState,
} from '../../../shared/domain/strategies/klg/state.js';
import type { StateStore } from '../../../shared/ports/state-store.js';
import { loadKlg } from '../../support/strategies/klg/state.js';
import type { StoreBackend } from './backends.js';
import { T0 } from './builders.js';
import { buyFill } from './contract-grid.js';
import { engineDecisions } from './engine-decisions.js';
import { type GridDecisions, modelDecisions } from './grid-decisions.js';
import { mulberry32 } from './prng.js';

const INSTANCE = 'race';
const LEVELS = ['0.28', '0.285', '0.29', '0.295', '0.30', '0.305', '0.31', '0.315', '0.32', '0.325'];

export interface RaceOptions {
  readonly fills: number;
  readonly reconSteps: number;
  readonly seed: number;
}

interface SavedDecision {
  readonly writer: 'stream' | 'recon' | 'setup';
  readonly version: number;
  readonly applied: readonly string[];
}

export interface RaceReport {
  readonly fills: readonly Fill[];
  readonly saved: readonly SavedDecision[];
  readonly decisions: number;
  readonly attempts: number;
  readonly failures: number;
  readonly final: GridState;
}

function makeFills(n: number): Fill[] {
  return Array.from({ length: n }, (_, i) => ({
    ...buyFill(
      String(7_000_000 + i),
      LEVELS[i % LEVELS.length] as string,
      dec(i + 1)
        .times('0.01')
        .toFixed(),
      T0 + i * 1000,
    ),
    fee: dec('0.0001').times((i % 7) + 1),
  }));
}

/** Stream deliveries: 10% of fills never arrive, 20% arrive twice (the second copy a little later). */
function streamSchedule(fills: readonly Fill[], random: () => number): Fill[] {
  const slots: { at: number; fill: Fill }[] = [];
  fills.forEach((fill, i) => {
    if (random() < 0.1) return;
    slots.push({ at: i, fill });
    if (random() < 0.2) slots.push({ at: i + 1 + Math.floor(random() * 20), fill });
  });
  return slots.sort((a, b) => a.at - b.at).map((s) => s.fill);
}

export async function runTwoWriters(
  store: StateStore,
  decisions: GridDecisions,
  options: RaceOptions,
): Promise<RaceReport> {
  const random = mulberry32(options.seed);
  const fills = makeFills(options.fills);
  const saved: SavedDecision[] = [];
  let decisionCount = 0;
  let attempts = 0;
  let failures = 0;

  const initial = initialKlgState(
    INSTANCE,
    LEVELS.map((p) => dec(p)),
    T0,
  );
  const created = await store.saveGrid(initial, 0);
  if (!created.ok) throw new Error('the race needs a fresh instance');
  saved.push({ writer: 'setup', version: created.version, applied: [] });

  const deps = (seed: number): DecideAndSaveDeps => ({
    store,
    random: mulberry32(seed),
    clock: { sleep: (ms) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r))) },
  });
  const run = async (
    writer: SavedDecision['writer'],
    d: DecideAndSaveDeps,
    decide: (current: GridState) => { next: GridState | null; result: string[] },
  ) => {
    decisionCount++;
    const outcome = await decideAndSave(
      d,
      INSTANCE,
      (current) => {
        if (!current) throw new Error('the grid vanished');
        return decide(asKlgState(current)!);
      },
      { maxAttempts: 100, baseDelayMs: 1, maxDelayMs: 4 },
    );
    if (!outcome.ok) {
      attempts += outcome.attempts;
      failures++;
      return;
    }
    attempts += outcome.attempts;
    if (outcome.saved && outcome.state)
      saved.push({ writer, version: outcome.state.version, applied: outcome.result });
  };
  const maybeYield = async (r: () => number) => {
    if (r() < 0.3) await new Promise((resolve) => setImmediate(resolve));
  };

  const stream = async () => {
    const d = deps(options.seed + 1);
    const r = mulberry32(options.seed + 2);
    for (const fill of streamSchedule(fills, random)) {
      await run('stream', d, (current) => {
        const next = decisions.onFill(current, fill);
        return { next, result: next ? [fill.tradeId] : [] };
      });
      await maybeYield(r);
    }
  };
  const reconPass = (d: DecideAndSaveDeps, visible: readonly Fill[], now: number) =>
    run('recon', d, (current) => {
      const { next, applied } = decisions.recon(current, visible, now);
      return { next, result: applied };
    });
  const recon = async () => {
    const d = deps(options.seed + 3);
    const r = mulberry32(options.seed + 4);
    for (let step = 0; step < options.reconSteps; step++) {
      const seen = Math.ceil(((step + 1) * fills.length) / options.reconSteps);
      await reconPass(d, fills.slice(0, seen), T0 + step * 1000);
      await maybeYield(r);
    }
  };

  await Promise.all([stream(), recon()]);
  // A final recon over the whole history, as the next scheduled run would do.
  await reconPass(deps(options.seed + 5), fills, T0 + options.reconSteps * 1000);
  const final = await loadKlg(store, INSTANCE);
  if (!final) throw new Error('the grid vanished');
  return { fills, saved, decisions: decisionCount, attempts, failures, final };
}

/** Which decisions race: the model (keeps every trade id, counts fills per level) or the real engine. */
export type RaceDecisions = 'model' | 'engine';

export function raceContract(
  backend: () => StoreBackend,
  options: RaceOptions,
  kind: RaceDecisions = 'model',
): void {
  const title = `two writers racing on one instance with ${kind} decisions (${options.fills} fills, ${options.reconSteps} recon passes)`;
  describe(title, () => {
    let report: RaceReport;
    beforeAll(async () => {
      const { store } = await backend().fresh(() => T0);
      report = await runTwoWriters(
        store,
        kind === 'model' ? modelDecisions : engineDecisions(INSTANCE),
        options,
      );
    }, 120_000);

    it('really raced: writers lost saves to each other and retried', () => {
      expect(report.attempts).toBeGreaterThan(report.decisions);
      expect(report.failures).toBe(0);
      expect(report.decisions).toBeGreaterThan(options.fills + options.reconSteps / 2);
    });

    it('applies every fill exactly once, each by exactly one saved decision', () => {
      const ids = report.fills.map((f) => f.tradeId).sort();
      expect(report.saved.flatMap((s) => s.applied).sort()).toEqual(ids);
      expect(report.final.holdings.equals(sumDec(report.fills.map((f) => f.qty)))).toBe(true);
      expect(report.final.feesPaid.equals(sumDec(report.fills.map((f) => f.fee)))).toBe(true);
      if (kind === 'model') {
        expect(report.final.recentTrades.map((t) => t.id).sort()).toEqual(ids);
        expect(report.final.levels.reduce((n, l) => n + l.fillCounter, 0)).toBe(report.fills.length);
      } else {
        expect(report.final.boughtSinceFlat.equals(report.final.holdings)).toBe(true);
        expect(report.final.fillCursor?.tradeId).toBe(report.fills.at(-1)?.tradeId);
      }
    });

    it('leaves a gap-free version history ending at the stored version', () => {
      const versions = report.saved.map((s) => s.version).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      expect(report.final.version).toBe(versions.length);
    });
  });
}
