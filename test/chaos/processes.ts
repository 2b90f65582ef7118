/**
 * The process chaos suite (issue 13): the real stream worker process (`functions/stream-worker/main.ts`,
 * exactly as Fargate runs it) and real recon passes (the recon Lambda handler, in this process and in child
 * processes) against the Binance protocol server on the paper engine, state in dynalite, credentials from
 * a local Secrets Manager, production stream settings (30 s watchdog, ping every 10 s). Everything listens
 * on 127.0.0.1 and every child is stopped by its pid.
 *
 * At seeded random moments, while a seeded random market trades through the grid:
 *  - kill -9 of the worker (restarted after a pause, sometimes with its host clock skewed by seconds);
 *  - kill -9 of a recon pass in a child process, mid-flight;
 *  - a black-holed TCP path between the worker and the venue (no FIN, no RST; the worker's watchdog must
 *    notice) for a few seconds;
 *  - malformed user-stream messages on the real socket (NaN, exponent, zero price, off-tick price,
 *    non-numeric trade id, missing position side).
 * Then a clean worker and three clean recon passes, and the audit of `runChaos`: fills lost (a trade of
 * ours with no journal line) or doubled (ledger ≠ exchange position), orphan orders, two orders on a level,
 * levels stuck, and the longest time the exchange held a position with no stop of ours on it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import {
  createDynamoClient,
  createDynamoStateStore,
  ensureStateTable,
} from '../../shared/adapters/dynamodb/index.js';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../shared/adapters/embedded/dynalite-server.js';
import { dec, maxDec, minDec } from '../../shared/domain/money.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { mulberry32 } from '../adapters/store/prng.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../support/aws/secrets-manager-server.js';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';
import type { ChaosAudit } from './chaos.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const TABLE = 'gridbot-chaos';
const SYMBOL = 'DOGEUSDC';
const INSTANCE = 'dogeklg';
const account = ACCOUNTS[0];

export interface ProcessChaosRow extends ChaosAudit {
  readonly cycles: number;
  /** The longest injected fault that blinds the event track (worker down and restarting, black hole). */
  readonly longestFaultMs: number;
  readonly malformedCounted: number;
  readonly seconds: number;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Malformed user-stream messages, each of a kind the issue saw poison state or kill a watch. */
function malformedMessages(seq: number): unknown[] {
  const base = {
    s: SYMBOL,
    c: `gb${INSTANCE}L1B${900 + seq}`,
    S: 'BUY',
    o: 'LIMIT',
    f: 'GTC',
    x: 'TRADE',
    X: 'FILLED',
    q: '100',
    p: '0.15',
    ap: '0.15',
    L: '0.15',
    l: '100',
    z: '100',
    i: 9_000_000 + seq,
    t: 9_000_000 + seq,
    T: Date.now(),
    n: '0',
    N: 'USDC',
    m: true,
    ps: 'LONG',
  };
  const wrap = (o: Record<string, unknown>) => ({ e: 'ORDER_TRADE_UPDATE', E: Date.now(), T: Date.now(), o });
  return [
    wrap({ ...base, L: 'NaN', l: 'NaN', q: 'NaN', p: 'NaN', z: 'NaN' }),
    wrap({ ...base, L: '1.5e-1' }),
    wrap({ ...base, L: '0' }),
    wrap({ ...base, L: '0.150005' }),
    wrap({ ...base, l: '-100' }),
    wrap({ ...base, t: 'abc' }),
    wrap({ ...base, ps: undefined }),
    { e: 'ACCOUNT_UPDATE', E: Date.now(), T: Date.now(), a: { m: 'ORDER', B: 'oops', P: [{ s: SYMBOL }] } },
  ];
}

interface Harness {
  venue: PaperVenue;
  dynamo: EmbeddedDynamo;
  secrets: LocalSecretsManager;
  proxy: TcpProxy;
  store: StateStore;
  /** The worker's environment: the venue behind the proxy (the path that can be black-holed). */
  env: Record<string, string>;
  /** The recon passes' environment: the venue directly (Lambdas do not share the worker's path). */
  reconEnv: Record<string, string>;
  healthPort: number;
  worker: ChildProcess | null;
  workerLog: string[];
}

async function setUp(): Promise<Harness> {
  const venue = await startPaperVenue();
  venue.moveTo(SYMBOL, '0.185');
  const dynamo = await startEmbeddedDynamo();
  await ensureStateTable(createDynamoClient({ endpoint: dynamo.endpoint }), TABLE);
  const store = createDynamoStateStore({ tableName: TABLE, endpoint: dynamo.endpoint });
  const secrets = await startLocalSecretsManager();
  secrets.putSecret(
    `gridbot/${account.id}`,
    JSON.stringify({ apiKey: account.apiKey, secret: account.apiSecret }),
  );
  const direct = new URL(venue.server.httpUrl).port;
  const proxy = await startTcpProxy(Number(direct));
  const viaProxy = JSON.stringify(venue.server.ccxtApiUrls()).replaceAll(
    `127.0.0.1:${direct}`,
    `127.0.0.1:${proxy.port}`,
  );
  const instance = klgConfigInput({ account: account.id, order_action_timeout_sec: 1 });
  const env = {
    GRIDBOT_CONFIG: JSON.stringify({
      accounts: [{ id: account.id, exchange: 'binanceusdm' }],
      instances: [instance],
    }),
    GRIDBOT_TABLE: TABLE,
    GRIDBOT_DYNAMO_ENDPOINT: dynamo.endpoint,
    GRIDBOT_SECRETS_ENDPOINT: secrets.endpoint,
    GRIDBOT_API_URLS: viaProxy,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'chaostestkey',
    AWS_SECRET_ACCESS_KEY: 'chaostestsecret',
    POWERTOOLS_METRICS_NAMESPACE: 'Gridbot',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  return {
    venue,
    dynamo,
    secrets,
    proxy,
    store,
    env,
    reconEnv: { ...env, GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()) },
    healthPort: await freePort(),
    worker: null,
    workerLog: [],
  };
}

function startWorker(h: Harness, skewMs: number): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', './test/chaos/skew-clock.mjs', '--import', 'tsx', 'functions/stream-worker/main.ts'],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        ...h.env,
        GRIDBOT_HEALTH_PORT: String(h.healthPort),
        GRIDBOT_CHAOS_CLOCK_SKEW_MS: String(skewMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (b: Buffer) => {
    h.workerLog.push(b.toString());
    if (h.workerLog.length > 2000) h.workerLog.splice(0, 1000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  h.worker = child;
  return child;
}

async function killWorker(h: Harness): Promise<void> {
  const w = h.worker;
  h.worker = null;
  if (!w || w.exitCode !== null || w.signalCode !== null) return;
  const gone = new Promise<void>((r) => w.once('exit', () => r()));
  w.kill('SIGKILL');
  await gone;
}

async function health(h: Harness): Promise<{ ok: boolean; malformed: number } | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${h.healthPort}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await r.json()) as { stats?: Record<string, number>; details?: unknown };
    return { ok: r.status === 200, malformed: Number(body.stats?.malformed ?? 0) };
  } catch {
    return null;
  }
}

async function untilHealthy(h: Harness, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await health(h))?.ok) return true;
    await sleep(200);
  }
  return false;
}

/** A recon delivery in a child process, SIGKILLed after `killAfterMs` (null: let it finish). */
async function reconChild(h: Harness, scheduledTime: string, killAfterMs: number | null): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/chaos/recon-pass.ts', scheduledTime], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...h.reconEnv },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await done;
  if (timer) clearTimeout(timer);
}

export async function runProcessChaos(seed: number, cycles: number): Promise<ProcessChaosRow> {
  const started = Date.now();
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const faults: Record<string, number> = {};
  const count = (k: string) => {
    faults[k] = (faults[k] ?? 0) + 1;
  };
  const h = await setUp();
  Object.assign(process.env, h.reconEnv);
  // The in-process recon handler logs and emits metrics on stdout: keep them out of the table.
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const { handler: recon } = await import('../../functions/recon/handler.js');
  let tick = 0;
  const scheduled = () =>
    new Date(Date.UTC(2026, 0, 1, 0, 0) + seed * 86_400_000 + ++tick * 60_000).toISOString();

  // Protection is sampled on the exchange itself: a position held with no stop of ours on it.
  let bareSince: number | null = null;
  let longestBare = 0;
  const sampler = setInterval(() => {
    const held = h.venue.engine
      .positions(account.id, SYMBOL)
      .some((p) => p.positionSide === 'LONG' && p.positionAmt.greaterThan(0));
    const stopped = h.venue.engine.openAlgoOrders(account.id, SYMBOL).length > 0;
    const now = Date.now();
    if (held && !stopped) {
      bareSince ??= now;
      longestBare = Math.max(longestBare, now - bareSince);
    } else bareSince = null;
  }, 50);

  let malformedCounted = 0;
  /** The longest single fault a position could have had to wait out (worker down, path black-holed). */
  let longestFault = 0;
  try {
    await recon({ instanceId: '*', scheduledTime: scheduled() });
    startWorker(h, 0);
    if (!(await untilHealthy(h, 30_000)))
      throw new Error(`the worker never became healthy:\n${h.workerLog.join('')}`);
    let price = dec('0.185');
    for (let c = 0; c < cycles; c++) {
      // The market: a seeded walk through the grid (0.15 … 0.19), one candle per step.
      const step = dec(pick(['-0.012', '-0.007', '-0.004', '0.004', '0.007', '0.012']));
      price = minDec(dec('0.199'), maxDec(dec('0.141'), price.plus(step)));
      h.venue.moveTo(SYMBOL, price.toFixed());
      const roll = rnd();
      if (roll < 0.25) {
        count('kill -9 worker');
        await sleep(Math.floor(rnd() * 400));
        const before = await health(h);
        malformedCounted += before?.malformed ?? 0;
        await killWorker(h);
        const down = 300 + Math.floor(rnd() * 1500);
        await sleep(down);
        const skew = pick([0, 0, 2_500, -2_500, 20_000, -20_000]);
        if (skew !== 0) count(`clock skew ${skew > 0 ? '+' : ''}${skew / 1000} s`);
        const restarted = Date.now();
        startWorker(h, skew);
        await untilHealthy(h, 30_000);
        longestFault = Math.max(longestFault, down + Date.now() - restarted);
      } else if (roll < 0.45) {
        count('kill -9 recon pass');
        await reconChild(h, scheduled(), 300 + Math.floor(rnd() * 2500));
      } else if (roll < 0.55 && !faults['black-holed socket']) {
        count('black-holed socket');
        h.proxy.blackhole(true);
        h.venue.moveTo(SYMBOL, price.minus('0.006').toFixed(4));
        const hole = 3_000 + Math.floor(rnd() * 3_000);
        await sleep(hole);
        longestFault = Math.max(longestFault, hole);
        h.proxy.blackhole(false);
        // Production watchdog: the worker notices within 30 s and reconnects through a fresh path.
        await untilHealthy(h, 60_000);
      } else if (roll < 0.7) {
        count('malformed messages');
        for (const m of malformedMessages(c)) h.venue.server.hub.publishUser(account.id, m);
      }
      await sleep(300);
      await recon({ instanceId: '*', scheduledTime: scheduled() });
    }
    // Clean: a fresh worker, three clean passes, then the audit.
    malformedCounted += (await health(h))?.malformed ?? 0;
    await killWorker(h);
    startWorker(h, 0);
    await untilHealthy(h, 30_000);
    await sleep(1_000);
    for (let i = 0; i < 3; i++) await recon({ instanceId: '*', scheduledTime: scheduled() });
    malformedCounted += (await health(h))?.malformed ?? 0;
    return {
      ...(await audit(h)),
      seed,
      cycles,
      faults,
      longestUnprotectedMs: longestBare,
      longestFaultMs: longestFault,
      malformedCounted,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    process.stdout.write = write;
    clearInterval(sampler);
    await killWorker(h);
    const { resetLiveRuntime } = await import('../../shared/composition/live.js');
    await resetLiveRuntime();
    await h.proxy.stop();
    await h.venue.stop();
    await h.secrets.stop();
    await h.dynamo.stop();
  }
}

async function audit(h: Harness) {
  const state = await loadKlg(h.store, INSTANCE);
  if (!state) throw new Error('no grid state after the run');
  // Only this bot trades on the account: every trade there is ours, and must have its journal line.
  const trades = h.venue.engine.userTrades(account.id, SYMBOL, { fromId: 0, limit: 1000 });
  const journal = await h.store.queryJournal(INSTANCE, 'fill', 0, Number.MAX_SAFE_INTEGER);
  const journaled = new Set(journal.map((j) => j.id));
  const lost = trades.filter((t) => !journaled.has(`fill#${t.id}`)).length;
  const position =
    h.venue.engine.positions(account.id, SYMBOL).find((p) => p.positionSide === 'LONG')?.positionAmt ??
    dec(0);
  const doubled = state.holdings.equals(position) ? 0 : 1;
  const open = h.venue.engine.openOrders(account.id, SYMBOL);
  const known = new Set([
    ...state.levels.flatMap((l) => (l.order ? [l.order.clientOrderId] : [])),
    ...state.stops.map((s) => s.clientOrderId),
  ]);
  const ours = open.filter((o) => o.clientOrderId.startsWith(`gb${INSTANCE}`));
  const orphans = ours.filter((o) => !known.has(o.clientOrderId)).length;
  const byLevel = new Map<string, number>();
  for (const o of ours)
    byLevel.set(`${o.side}@${o.price.toFixed()}`, (byLevel.get(`${o.side}@${o.price.toFixed()}`) ?? 0) + 1);
  const duplicateLevels = [...byLevel.values()].filter((n) => n > 1).length;
  const stuckLevels = state.levels.filter(
    (l) => l.state === 'PLACING' || l.state === 'CANCELING' || l.order?.uncertain === true,
  ).length;
  return { fills: trades.length, lost, doubled, orphans, duplicateLevels, stuckLevels };
}
