/**
 * One sweep task, run in a worker thread (or in the sweep item Lambda, `item.ts`): a combination's raw
 * config is validated, simulated with the in-memory store, no output directory and no report drawn, and
 * only the ranked instance's figures come back. A run that fails is a row with its error, never a crash of the pool.
 */
import { parseDeploymentConfig } from '../../domain/config/deployment.js';
import type { SweepFigures } from '../../domain/sweep/sweep.js';
import { type MarketInputs, marketInputsOf } from '../sim/plan.js';
import { runSimulation } from '../sim.js';

export interface SweepTask extends MarketInputs {
  readonly index: number;
  /** The combination's raw deployment config (plain JSON). */
  readonly config: unknown;
  /** Where the config's relative paths resolve from. */
  readonly dir: string;
  readonly instance: string;
}

export interface SweepTaskResult {
  readonly index: number;
  readonly figures: SweepFigures | null;
  readonly error: string | null;
  readonly errorName: string | null;
  readonly ms: number;
}

export async function runSweepTask(task: SweepTask): Promise<SweepTaskResult> {
  const started = performance.now();
  try {
    const config = parseDeploymentConfig(task.config, `combination ${task.index}`);
    const { summary } = await runSimulation({
      config: { config, dir: task.dir },
      store: 'memory',
      logLevel: 'ERROR',
      report: false,
      ...marketInputsOf(task),
    });
    const inst = summary.instances.find((i) => i.instance === task.instance);
    if (!inst) throw new Error(`instance ${task.instance} is not in the summary (is it enabled?)`);
    const p = inst.performance;
    return {
      index: task.index,
      figures: {
        returnPct: p.returnPct,
        maxDrawdownPct: p.maxDrawdownPct,
        sharpe: p.sharpe,
        fills: inst.fills.count,
        gridProfit: p.gridProfit,
        netPnl: p.netPnl,
        violations: inst.violations.length,
      },
      error: null,
      errorName: null,
      ms: performance.now() - started,
    };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      index: task.index,
      figures: null,
      error: (err.message.split('\n')[0] ?? '').slice(0, 500),
      errorName: err.name,
      ms: performance.now() - started,
    };
  }
}
