/**
 * `npm run bench -- store`: conditional save + load on every StateStore backend. One cycle is what a shell
 * does per decision: load the grid, change it, save it conditionally on the loaded version. Reported per
 * backend and grid size: cycles per second (one writer, sequential) and load / save latency percentiles.
 */

import {
  createDynamoClient,
  createDynamoStateStore,
  ensureStateTable,
} from '../../shared/adapters/dynamodb/index.js';
import { startEmbeddedDynamo } from '../../shared/adapters/embedded/dynalite-server.js';
import { createMemoryStateStore } from '../../shared/adapters/memory/index.js';
import { type GridState, gridStateToJson } from '../../shared/domain/grid-state.js';
import { dec } from '../../shared/domain/money.js';
import { initialKlgState } from '../../shared/domain/strategies/klg/state.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { javaUnavailableReason, startDynamoDbLocal } from '../support/dynamo/dynamodb-local.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

const T0 = Date.UTC(2025, 0, 1);

/** A grid with `levels` levels, every one holding a live order, and `trades` remembered trade ids. */
function grid(instanceId: string, levels: number, trades: number): GridState {
  const base = initialKlgState(
    instanceId,
    Array.from({ length: levels }, (_, i) => dec('0.1').plus(dec(i).times('0.00013'))),
    T0,
  );
  return {
    ...base,
    levels: base.levels.map((l) => ({
      ...l,
      state: 'ACTIVE',
      order: {
        clientOrderId: `gb${instanceId}L${l.index}S${l.index}`,
        exchangeOrderId: `${81_000_000_000 + l.index}`,
        side: 'buy',
        price: l.price,
        qty: dec('123.456'),
        filledQty: dec('0'),
        openQty: dec('123.456'),
        seq: l.index,
        pending: null,
        uncertain: false,
      },
    })),
    recentTrades: Array.from({ length: trades }, (_, i) => ({
      id: `${9_000_000_000 + i}`,
      time: T0 + i * 1000,
    })),
  };
}

const SIZES = [
  { label: '50 levels, 200 trades', levels: 50, trades: 200 },
  { label: '200 levels, 1000 trades', levels: 200, trades: 1000 },
] as const;

async function measure(store: StateStore, instanceId: string, state: GridState, cycles: number) {
  await store.saveGrid(state, 0);
  const loads: number[] = [];
  const saves: number[] = [];
  const started = performance.now();
  for (let i = 0; i < cycles; i++) {
    const t0 = performance.now();
    const current = (await store.loadGrid(instanceId)) as GridState;
    const t1 = performance.now();
    const saved = await store.saveGrid({ ...current, nextSeq: current.nextSeq + 1 }, current.version);
    const t2 = performance.now();
    if (!saved.ok) throw new Error('a lone writer lost a race');
    loads.push(t1 - t0);
    saves.push(t2 - t1);
  }
  const perSecond = cycles / ((performance.now() - started) / 1000);
  return { perSecond, load: summarize(loads), save: summarize(saves) };
}

async function runBackend(name: string, store: StateStore, cycles: number): Promise<void> {
  for (const [i, size] of SIZES.entries()) {
    const state = grid(`b${i}`, size.levels, size.trades);
    const kb = (JSON.stringify(gridStateToJson(state)).length / 1024).toFixed(0);
    await measure(store, `w${i}`, { ...state, instanceId: `w${i}` }, Math.ceil(cycles / 10)); // warm-up
    const r = await measure(store, `b${i}`, state, cycles);
    console.log(
      `${name.padEnd(18)} ${`${size.label} (${kb} KB)`.padEnd(33)} ${r.perSecond.toFixed(0).padStart(7)} cycles/s` +
        `   load p50 ${fmtMs(r.load.p50)} p99 ${fmtMs(r.load.p99)}   save p50 ${fmtMs(r.save.p50)} p99 ${fmtMs(r.save.p99)}   (n=${r.load.n})`,
    );
  }
}

async function onServer(name: string, endpoint: string, cycles: number): Promise<void> {
  const client = createDynamoClient({ endpoint });
  try {
    await ensureStateTable(client, 'bench');
    await runBackend(name, createDynamoStateStore({ tableName: 'bench', client }), cycles);
  } finally {
    client.destroy();
  }
}

const bench: Bench = {
  name: 'state store: conditional save + load',
  async run() {
    await runBackend('memory', createMemoryStateStore(), 5000);
    await runBackend('memory (encoded)', createMemoryStateStore({ encode: true }), 1000);
    const dynalite = await startEmbeddedDynamo();
    try {
      await onServer('dynalite', dynalite.endpoint, 300);
    } finally {
      await dynalite.stop();
    }
    const noJava = javaUnavailableReason();
    if (noJava) {
      console.log(`DynamoDB Local      skipped: ${noJava}`);
      return;
    }
    const local = await startDynamoDbLocal();
    try {
      await onServer('DynamoDB Local', local.endpoint, 300);
    } finally {
      await local.stop();
    }
  },
};

export default bench;
