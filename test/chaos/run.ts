/**
 * `npm run chaos`: the chaos suite (test/chaos/chaos.ts) over many seeds, bounded in time, in one process on
 * a virtual clock (no socket, no child process). Prints one row per run and the totals; exits 1 when any
 * column that must be zero is not.
 *
 *   npm run chaos                 # 30 runs of 240 steps, at most 10 minutes
 *   npm run chaos -- 100 480      # runs, steps per run
 */
import { type ChaosRow, runChaos } from './chaos.js';

const runs = Number(process.argv[2] ?? 30);
const steps = Number(process.argv[3] ?? 240);
const budgetMs = 10 * 60_000;
const started = Date.now();
const rows: ChaosRow[] = [];
const pad = (v: unknown, n: number) => String(v).padStart(n);
console.log(
  `${pad('seed', 6)} ${pad('fills', 6)} ${pad('lost', 5)} ${pad('doubled', 8)} ${pad('orphans', 8)} ${pad('dup/level', 10)} ${pad('stuck', 6)} ${pad('no-stop s', 10)} ${pad('crashes', 8)}  faults`,
);
for (let seed = 1; seed <= runs && Date.now() - started < budgetMs; seed++) {
  const r = await runChaos(seed, steps);
  rows.push(r);
  console.log(
    `${pad(r.seed, 6)} ${pad(r.fills, 6)} ${pad(r.lost, 5)} ${pad(r.doubled, 8)} ${pad(r.orphans, 8)} ${pad(r.duplicateLevels, 10)} ${pad(r.stuckLevels, 6)} ${pad((r.longestUnprotectedMs / 1000).toFixed(0), 10)} ${pad(r.crashes, 8)}  ${Object.entries(
      r.faults,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}
const sum = (f: (r: ChaosRow) => number) => rows.reduce((t, r) => t + f(r), 0);
const worstGap = Math.max(0, ...rows.map((r) => r.longestUnprotectedMs));
console.log(
  `\nruns ${rows.length}, fills ${sum((r) => r.fills)}, lost ${sum((r) => r.lost)}, doubled ${sum((r) => r.doubled)}, orphan orders ${sum((r) => r.orphans)}, levels with two orders ${sum((r) => r.duplicateLevels)}, levels stuck after three clean passes ${sum((r) => r.stuckLevels)}, longest time a holding had no stop ${(worstGap / 1000).toFixed(0)} s, crashes injected ${sum((r) => r.crashes)} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
const bad = sum((r) => r.lost + r.doubled + r.orphans + r.duplicateLevels + r.stuckLevels);
process.exit(bad > 0 ? 1 : 0);
