/**
 * `npm run chaos`: the chaos suite (test/chaos/chaos.ts) over many seeds, bounded in time, in one process on
 * a virtual clock, then the process chaos suite (test/chaos/processes.ts: real worker and recon processes,
 * sockets on 127.0.0.1, every child stopped by its pid). Prints one row per run and the totals; exits 1 when any
 * column that must be zero is not.
 *
 *   npm run chaos                 # 30 runs of 240 steps, then 5 process runs of 12 cycles; at most 10 minutes
 *   npm run chaos -- 100 480 8 20 # runs, steps per run, process runs, cycles per process run
 */
import { type ChaosAudit, type ChaosRow, mustBeZero, runChaos } from './chaos.js';
import { type ProcessChaosRow, runProcessChaos } from './processes.js';

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

// The same audit with real processes and sockets: kill -9 of the worker and of recon passes, a skewed host
// clock, a black-holed TCP path, malformed messages on the socket (test/chaos/processes.ts).
const processRuns = Number(process.argv[4] ?? 5);
const processCycles = Number(process.argv[5] ?? 12);
const prow: ProcessChaosRow[] = [];
console.log(
  `\nprocesses: ${pad('seed', 6)} ${pad('fills', 6)} ${pad('lost', 5)} ${pad('doubled', 8)} ${pad('orphans', 8)} ${pad('dup/level', 10)} ${pad('stuck', 6)} ${pad('no-stop s', 10)} ${pad('fault s', 8)} ${pad('malformed', 10)}  faults`,
);
for (let seed = 1; seed <= processRuns && Date.now() - started < budgetMs; seed++) {
  const r = await runProcessChaos(seed, processCycles);
  prow.push(r);
  console.log(
    `           ${pad(r.seed, 6)} ${pad(r.fills, 6)} ${pad(r.lost, 5)} ${pad(r.doubled, 8)} ${pad(r.orphans, 8)} ${pad(r.duplicateLevels, 10)} ${pad(r.stuckLevels, 6)} ${pad((r.longestUnprotectedMs / 1000).toFixed(1), 10)} ${pad((r.longestFaultMs / 1000).toFixed(1), 8)} ${pad(r.malformedCounted, 10)}  ${Object.entries(
      r.faults,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}
const psum = (f: (r: ProcessChaosRow) => number) => prow.reduce((t, r) => t + f(r), 0);
console.log(
  `\nprocess runs ${prow.length}, fills ${psum((r) => r.fills)}, lost ${psum((r) => r.lost)}, doubled ${psum((r) => r.doubled)}, orphan orders ${psum((r) => r.orphans)}, levels with two orders ${psum((r) => r.duplicateLevels)}, levels stuck after three clean passes ${psum((r) => r.stuckLevels)}, longest time a position had no stop ${(Math.max(0, ...prow.map((r) => r.longestUnprotectedMs)) / 1000).toFixed(1)} s (longest injected fault ${(Math.max(0, ...prow.map((r) => r.longestFaultMs)) / 1000).toFixed(1)} s), malformed messages counted ${psum((r) => r.malformedCounted)} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`,
);
const zeroes = (r: ChaosAudit) => Object.values(mustBeZero(r)).reduce((a, b) => a + b, 0);
const bad = sum(zeroes) + psum(zeroes);
process.exit(bad > 0 ? 1 : 0);
